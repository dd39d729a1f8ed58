"""The webhook endpoint: verify the signature before reading anything, store, enqueue, answer."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import webhooks
from .signature import matching_secret

MAX_PAYLOAD_BYTES = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    if int(request.headers.get("content-length") or 0) > MAX_PAYLOAD_BYTES:
        return JsonResponse({"error": "payload too large"}, status=413)
    body = request.body
    secret = matching_secret(request.headers.get("X-Hub-Signature-256"), body,
                             webhooks.known_secrets())
    if secret is None:
        return JsonResponse({"error": "missing or wrong X-Hub-Signature-256"}, status=401)
    event = request.headers.get("X-GitHub-Event", "")
    delivery_id = request.headers.get("X-GitHub-Delivery", "")
    if not event or not delivery_id:
        return JsonResponse({"error": "X-GitHub-Event and X-GitHub-Delivery are required"},
                            status=400)
    if event == "ping":
        return JsonResponse({"outcome": "pong"})
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "the body is not JSON"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"error": "the body is not a JSON object"}, status=400)
    status, outcome = webhooks.receive(delivery_id[:100], event, payload, secret)
    key = "error" if status >= 400 else "outcome"
    return JsonResponse({key: outcome}, status=status)
