"""Top-level URL routes."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reviewapp.reviews import views as review_views

urlpatterns = [
    path("healthz", review_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("github/", include("reviewapp.github.urls")),
    path("hunts/", include("reviewapp.hunts.urls")),
    path("", include("reviewapp.reviews.urls")),
]

handler400 = "reviewapp.reviews.views.bad_request"
handler403 = "reviewapp.reviews.views.permission_denied"
handler404 = "reviewapp.reviews.views.page_not_found"
handler500 = "reviewapp.reviews.views.server_error"
