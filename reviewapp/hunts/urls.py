from django.urls import path

from . import views

app_name = "hunts"

urlpatterns = [
    path("", views.index, name="index"),
    path("repositories/<int:repository_id>/", views.repository_hunts, name="repository"),
    path("<int:hunt_id>/", views.detail, name="detail"),
    path("<int:hunt_id>/status", views.status, name="status"),
    path("<int:hunt_id>/cancel", views.cancel, name="cancel"),
    path("<int:hunt_id>/candidates/<int:candidate_id>/review", views.open_review,
         name="open_review"),
]
