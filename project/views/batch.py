from django.http import HttpResponse


def index(request):
    return HttpResponse("batch demo")


def save_with_create(request):
    return HttpResponse("create")


def save_with_batchop(request):
    return HttpResponse("batchop")
