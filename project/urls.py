from django.urls import path

from project.views import articles, batch, home

urlpatterns = [
    path("", home.index, name="home"),
    path("articles/", articles.ArticleListView.as_view(), name="article-list"),
    path("batch/", batch.index, name="batch"),
    path("batch/create/", batch.save_with_create, name="batch-create"),
    path("batch/batchop/", batch.save_with_batchop, name="batch-batchop"),
]
