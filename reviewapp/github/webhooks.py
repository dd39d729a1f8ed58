"""What each verified webhook delivery does: store it once, decide, enqueue; never call GitHub.

`receive` returns (HTTP status, outcome). A delivery id seen before does nothing; analyses are
keyed on (repository, PR, head sha, run), so two deliveries for one head queue one analysis.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction

from reviewapp.reviews.models import Repository

from .connect import register_installation
from .models import PullRequestAnalysis, WebhookDelivery

log = logging.getLogger(__name__)

ANALYSE_ACTIONS = ("opened", "reopened", "ready_for_review", "synchronize")
COMMAND_PREFIX = "/squiggle"
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_FULL_NAME = re.compile(r"[\w.-]{1,100}/[\w.-]{1,100}")


# A payload is signed, not trusted: each reader below takes what has the expected type and
# fits the database, and reads anything else as missing (a clear 4xx, never a 500).

def _object(value) -> dict:
    """A member that should be a JSON object; anything else reads as empty."""
    return value if isinstance(value, dict) else {}


def _number(value, limit: int = 2**31) -> int | None:
    """A positive integer below `limit` (a PR number fits an int column, ids a bigint)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < limit:
        return value
    return None


def _sha(value) -> str | None:
    return value if isinstance(value, str) and _SHA.fullmatch(value) else None


def _text(value, limit: int) -> str:
    """Text to store: at most `limit` characters, no NUL (PostgreSQL refuses it), no lone
    surrogate (a JSON `\\ud800` decodes to one, and UTF-8 cannot encode it)."""
    text = str(value).replace("\x00", "")[:limit]
    return text.encode("utf-8", "replace").decode("utf-8")


def _full_name(value) -> str | None:
    return value if isinstance(value, str) and _FULL_NAME.fullmatch(value) else None


def known_secrets() -> list[str]:
    """Every secret a delivery may be signed with: the App's and each repository's."""
    secrets = set(Repository.objects.filter(provider=Repository.GITHUB)
                  .exclude(webhook_secret="").values_list("webhook_secret", flat=True))
    if settings.SQUIGGLE_GITHUB["WEBHOOK_SECRET"]:
        secrets.add(settings.SQUIGGLE_GITHUB["WEBHOOK_SECRET"])
    return sorted(secrets)


def repository_for(payload: dict) -> Repository | None:
    full_name = _full_name(_object(payload.get("repository")).get("full_name"))
    if full_name is None:
        return None
    return Repository.objects.filter(provider=Repository.GITHUB, full_name=full_name).first()


def secret_allowed(secret: str, repository: Repository | None) -> bool:
    """A repository's own secret signs only its own deliveries (no cross-repository forgery)."""
    if secret == settings.SQUIGGLE_GITHUB["WEBHOOK_SECRET"]:
        return True
    return repository is not None and repository.webhook_secret == secret


def receive(delivery_id: str, event: str, payload: dict, secret: str) -> tuple[int, str]:
    """Store the delivery under its unique id and act on it; a redelivery is a no-op."""
    repository = repository_for(payload)
    if not secret_allowed(secret, repository):
        return 401, "signature does not belong to this repository"
    action = _text(payload.get("action", ""), 60)
    with transaction.atomic():
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    delivery_id=_text(delivery_id, 100), event=_text(event, 60), action=action,
                    repository=repository)
        except IntegrityError:
            return 200, "duplicate delivery: already handled"
        handler = HANDLERS.get(event)
        if handler is None:
            status, outcome = 202, f"ignored: Squiggle does not act on `{event}` events"
        else:
            status, outcome = handler(delivery, payload, repository)
        delivery.outcome = _text(outcome, 300)
        delivery.save(update_fields=["outcome"])
    log.info("webhook %r %r.%r: %s", delivery_id, event, action, outcome)  # repr: no forged lines
    return status, outcome


def on_pull_request(delivery: WebhookDelivery, payload: dict,
                    repository: Repository | None) -> tuple[int, str]:
    if repository is None:
        return 202, "ignored: repository not connected to Squiggle"
    pull = _object(payload.get("pull_request"))
    number = _number(payload.get("number")) or _number(pull.get("number"))
    head = _sha(_object(pull.get("head")).get("sha"))
    if number is None or head is None:
        return 400, "pull_request payload without number or head sha"
    if delivery.action in ("closed", "converted_to_draft", "synchronize"):
        superseded = _supersede(repository, number, keep_head=head
                                if delivery.action == "synchronize" else None)
        if delivery.action != "synchronize":
            return 202, f"{delivery.action}: {superseded} unfinished analyses superseded"
    if delivery.action not in ANALYSE_ACTIONS:
        return 202, f"ignored: pull_request action `{delivery.action}`"
    # ready_for_review: a draft skipped before is reviewed now.
    rerun = (PullRequestAnalysis.SKIPPED,) if delivery.action == "ready_for_review" else ()
    analysis = queue_analysis(repository, number, head, pull, rerun=rerun)
    if analysis is None:
        return 202, f"head {head[:7]} of #{number} is already analysed"
    return 202, f"analysis {analysis.pk} of #{number} at {head[:7]} queued"


def queue_analysis(repository: Repository, number: int, head: str, pull: dict, *,
                   rerun: tuple[str, ...] = ()) -> PullRequestAnalysis | None:
    """The analysis of this head, created and enqueued once; a new run only when the head's
    latest analysis finished in one of the `rerun` states (`/squiggle review`: any)."""
    existing = PullRequestAnalysis.objects.filter(repository=repository, number=number,
                                                  head_sha=head).order_by("-run").first()
    if existing is not None:
        if existing.state not in rerun:
            return None
        run = existing.run + 1
    else:
        run = 1
    try:
        with transaction.atomic():
            analysis = PullRequestAnalysis.objects.create(
                repository=repository, number=number, head_sha=head, run=run,
                base_sha=_sha(_object(pull.get("base")).get("sha")) or "",
                title=_text(pull.get("title", ""), 300), draft=bool(pull.get("draft")))
    except IntegrityError:
        return None  # a concurrent delivery for the same head got there first
    transaction.on_commit(lambda: _enqueue_start(analysis.pk))
    return analysis


def _enqueue_start(analysis_id: int) -> None:
    from .tasks import start_analysis

    start_analysis.delay(analysis_id)


def _supersede(repository: Repository, number: int, keep_head: str | None) -> int:
    unfinished = PullRequestAnalysis.objects.filter(
        repository=repository, number=number
    ).exclude(state__in=PullRequestAnalysis.FINISHED)
    if keep_head:
        unfinished = unfinished.exclude(head_sha=keep_head)
    return unfinished.update(state=PullRequestAnalysis.SUPERSEDED)


def on_installation(delivery: WebhookDelivery, payload: dict,
                    repository: Repository | None) -> tuple[int, str]:
    installation = _object(payload.get("installation"))
    app_id = _number(installation.get("app_id"), 2**63)
    installation_id = _number(installation.get("id"), 2**63)
    if delivery.action not in ("created", "added", "new_permissions_accepted"):
        return 202, f"ignored: {delivery.event} action `{delivery.action}`"
    if installation_id is None:
        return 400, "installation payload without an installation id"
    app_id = app_id or settings.SQUIGGLE_GITHUB["APP_ID"]
    added = payload.get("repositories") or payload.get("repositories_added")
    names = [name for item in (added if isinstance(added, list) else [])
             if (name := _full_name(_object(item).get("full_name")))]
    for name in names:
        register_installation(name, int(app_id or 0) or None, installation_id)
    return 202, f"registered {len(names)} repositories for installation {installation_id}"


def on_issue_comment(delivery: WebhookDelivery, payload: dict,
                     repository: Repository | None) -> tuple[int, str]:
    issue = _object(payload.get("issue"))
    comment = _object(payload.get("comment"))
    commenter = _object(comment.get("user"))
    body = str(comment.get("body", "")).strip()
    if delivery.action != "created" or not body.startswith(COMMAND_PREFIX):
        return 202, "ignored: not a /squiggle command"
    if "pull_request" not in issue:
        return 202, "ignored: /squiggle commands work on pull requests"
    if commenter.get("type") == "Bot":
        return 202, "ignored: comment by a bot"
    if repository is None:
        return 202, "ignored: repository not connected to Squiggle"
    number = _number(issue.get("number"))
    if number is None:
        return 400, "issue_comment payload without an issue number"
    delivery_pk = delivery.pk
    association = str(comment.get("author_association", ""))
    login = str(commenter.get("login", ""))
    transaction.on_commit(lambda: _enqueue_command(delivery_pk, number, body, association,
                                                   login))
    return 202, f"command on #{number} queued"


def _enqueue_command(delivery_id: int, number: int, body: str, association: str,
                     login: str) -> None:
    from .tasks import answer_command

    answer_command.delay(delivery_id, number, body, association, login)


Handler = Callable[[WebhookDelivery, dict, Repository | None], tuple[int, str]]
HANDLERS: dict[str, Handler] = {
    "pull_request": on_pull_request,
    "installation": on_installation,
    "installation_repositories": on_installation,
    "issue_comment": on_issue_comment,
}
