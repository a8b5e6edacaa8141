from django.shortcuts import render


def index(request):
    """Render the demo's start page with links to every demo."""
    return render(request, "home.html", using="jinja2")
