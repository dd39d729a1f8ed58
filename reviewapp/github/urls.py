from django.urls import path

from . import views

app_name = "github"

urlpatterns = [
    path("webhook", views.webhook, name="webhook"),
]
