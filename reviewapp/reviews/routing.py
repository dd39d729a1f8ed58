"""WebSocket routes."""

from django.urls import path

from .consumers import ReviewProgressConsumer

websocket_urlpatterns = [
    path("ws/reviews/<int:change_set_id>/", ReviewProgressConsumer.as_asgi()),
    path("ws/reviews/<int:change_set_id>/r/<int:number>/", ReviewProgressConsumer.as_asgi()),
]
