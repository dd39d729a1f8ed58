"""WebSocket routes of bug hunts."""

from django.urls import path

from .consumers import HuntProgressConsumer

websocket_urlpatterns = [
    path("ws/hunts/<int:hunt_id>/", HuntProgressConsumer.as_asgi()),
]
