"""Top-level URL routes."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reviewapp.reviews import views as review_views
from reviewapp.reviews.login_throttle import ThrottledLoginView, throttled

# The admin's sign-in counts failures with the site's: guessing there is no way around the limit.
admin.site.login = throttled(admin.site.login)

urlpatterns = [
    path("healthz", review_views.healthz, name="healthz"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
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
