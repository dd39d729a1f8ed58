from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("", views.home, name="home"),
    path("reviews/new", views.new_review, name="new"),
    path("reviews/<int:change_set_id>/", views.change_set_detail, name="change_set"),
    path("reviews/<int:change_set_id>/revisions", views.add_revision, name="add_revision"),
    path("reviews/<int:change_set_id>/interdiff", views.interdiff_view, name="interdiff"),
    path("reviews/<int:change_set_id>/r/<int:number>/", views.revision_detail, name="revision"),
    path("reviews/<int:change_set_id>/r/<int:number>/status", views.revision_status,
         name="status"),
    path("reviews/<int:change_set_id>/r/<int:number>/reanalyze", views.reanalyze,
         name="reanalyze"),
    path("reviews/<int:change_set_id>/r/<int:number>/files/<int:file_id>/", views.file_fragment,
         name="file"),
    path("reviews/<int:change_set_id>/r/<int:number>/files/<int:file_id>/context",
         views.file_context_lines, name="file_context"),
    path("reviews/<int:change_set_id>/r/<int:number>/files/<int:file_id>/viewed",
         views.toggle_viewed, name="viewed"),
    path("reviews/<int:change_set_id>/r/<int:number>/findings/<int:finding_id>/dismiss",
         views.dismiss_finding, name="dismiss_finding"),
    path("reviews/<int:change_set_id>/r/<int:number>/findings/<int:finding_id>/accept",
         views.accept_finding, name="accept_finding"),
    path("reviews/<int:change_set_id>/r/<int:number>/findings/<int:finding_id>/fix.patch",
         views.finding_patch, name="finding_patch"),
]
