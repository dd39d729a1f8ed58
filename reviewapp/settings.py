"""All settings, read from the environment in one place (README.md has the table).

- DATABASE_URL: postgres://user@host:port/db (psycopg 3) or sqlite:///path;
  default sqlite:///$SQUIGGLE_DATA_DIR/squiggle.sqlite3
- REDIS_URL: Celery broker and channel layer; unset: a filesystem broker, in-memory layer
- SQUIGGLE_SECRET_KEY (default: generated once into the data dir),
  SQUIGGLE_ALLOWED_HOSTS (127.0.0.1,localhost), SQUIGGLE_DEBUG (0)
- SQUIGGLE_HTTPS (0): served over HTTPS: secure cookies, HTTP redirected, HSTS for
  SQUIGGLE_HSTS_SECONDS (1 year; subdomains: SQUIGGLE_HSTS_SUBDOMAINS=1, preload:
  SQUIGGLE_HSTS_PRELOAD=0); SQUIGGLE_TRUST_X_FORWARDED_PROTO (0): behind a proxy that sets it
- SQUIGGLE_DATA_DIR (./var): SQLite file, broker folders, secret key, login file
- SQUIGGLE_LOGIN_FAILURE_LIMIT / _COOLOFF_MINUTES (5 / 15): after this many failed sign-ins for
  one username from one address, that pair is locked out (429) until it has tried nothing for
  the cool-off (django-axes; the admin's sign-in included)
- SQUIGGLE_INFERENCE_URL (unset: in-process engine), SQUIGGLE_MODEL_DIR (unset: bundled SmolLM2)
- SQUIGGLE_PUBLIC_URL (http://127.0.0.1:8000): base of links posted back
- SQUIGGLE_REPO_ROOTS (the data dir): comma-separated folders registered local repositories
  (Repository.local_path, set by an administrator) must lie under
- SQUIGGLE_MAX_DIFF_BYTES / _FILES / _LINES (50 MB / 5000 / 500000): ingest limits
- SQUIGGLE_INLINE_RENDER_LINES (150): changed lines rendered in the first response
- SQUIGGLE_LARGE_FILE_LINES (5000): a file with more changed lines is shown collapsed, its diff
  loaded when the reviewer asks
- SQUIGGLE_WEB_PROCESSES (the CPU count, at most 4): daphne processes `runsquiggle` serves its
  port with (one renders one page at a time)
- SQUIGGLE_ANALYSIS_ML (1): run the language-model and bug-model stages
- SQUIGGLE_HUNT_LM_SURPRISAL (1): bug hunts rank suspicious lines with the language model's
  surprisal too (with SQUIGGLE_ANALYSIS_ML)
- SQUIGGLE_IMPORTANCE ({}): JSON overrides of the hunk-tier thresholds (ImportanceSettings)
- SQUIGGLE_REVIEW_TESTS_BUDGET_S (60) / _RUN_S (30) / _PARALLEL (2): a review whose change adds
  or modifies test modules runs them at its head in the hunt sandbox (local checkouts; pull
  requests only when `.squiggle.toml` sets `[stages] tests = true`): the wall seconds for the
  whole stage (first run, localization, repair search), for one test run (also its CPU
  seconds), and how many sandboxes validate repairs at once
- SQUIGGLE_TASKS_EAGER (0): run Celery tasks inline
- SQUIGGLE_JOB_HEARTBEAT_S / _STALE_S / _MAX_ATTEMPTS (5 / 60 / 3): a job whose worker is silent
  for _STALE_S seconds is requeued, at most _MAX_ATTEMPTS workers in all (keep _STALE_S below
  SQUIGGLE_TASK_VISIBILITY_S: a redelivered message takes over a job only once it is stale)
- SQUIGGLE_TASK_VISIBILITY_S (900): a task a killed worker held is redelivered after this
  (keep it above the longest analysis: a running task past it is delivered twice)
- SQUIGGLE_GITHUB_API_URL (https://api.github.com; GitHub Enterprise: https://HOST/api/v3),
  SQUIGGLE_GITHUB_APP_ID, SQUIGGLE_GITHUB_PRIVATE_KEY_PATH, SQUIGGLE_GITHUB_WEBHOOK_SECRET
  (the GitHub App's), SQUIGGLE_GITHUB_TOKEN (personal-token mode: no check runs),
  SQUIGGLE_GITHUB_CONCLUSION (neutral): the completed check run's conclusion when bugs are found
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from reviewapp.secret_files import write_secret

BASE_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "") -> str:
    """The variable's value; set but empty counts as unset (as `${VAR:-x}` in the Makefile)."""
    value = os.environ.get(name, "")
    return value if value.strip() else default


def _env_flag(name: str, default: bool = False) -> bool:
    return _env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in _env(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn a DATABASE_URL into a Django DATABASES entry (PostgreSQL via psycopg 3, or SQLite)."""
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            # 0: a connection per request. Under ASGI each request may run in another thread,
            # and kept connections piled up per thread until PostgreSQL refused more ("too
            # many clients", 500s with 50 reviewers: benchmarks/load.py). Kept ones (>0) are
            # checked before reuse, so a database restart costs no request.
            "CONN_MAX_AGE": int(os.environ.get("SQUIGGLE_DB_CONN_MAX_AGE", "0")),
            "CONN_HEALTH_CHECKS": True,
        }
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else parsed.path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or ":memory:",
            # A web process and a worker share the file. WAL lets readers run beside the writer;
            # IMMEDIATE takes the write lock when a transaction starts, so a busy database makes
            # it wait (up to `timeout` s) instead of failing at once, as a deferred transaction
            # does when it must upgrade a read to a write while another connection writes.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    raise ValueError(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (postgres or sqlite)")


DATA_DIR = Path(_env("SQUIGGLE_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The configured key, else one generated once and kept in the data dir."""
    configured = _env("SQUIGGLE_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        write_secret(key_file, secrets.token_urlsafe(50), replace=False)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_flag("SQUIGGLE_DEBUG")
ALLOWED_HOSTS = _env_list("SQUIGGLE_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = [
    origin for origin in _env_list("SQUIGGLE_CSRF_TRUSTED_ORIGINS", "") if "://" in origin
]

# Served over HTTPS (SQUIGGLE_HTTPS=1): cookies only over TLS, plain HTTP redirected, HSTS.
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips a client's own),
# SQUIGGLE_TRUST_X_FORWARDED_PROTO=1 lets Django see those requests as secure.
HTTPS = _env_flag("SQUIGGLE_HTTPS")
if _env_flag("SQUIGGLE_TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
# A load balancer's health checks may come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(_env("SQUIGGLE_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("SQUIGGLE_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_flag("SQUIGGLE_HSTS_PRELOAD")
if not SECURE_HSTS_PRELOAD:
    # Joining browsers' preload list is hard to undo: the operator's explicit choice, not ours.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "reviewapp.reviews",
    "reviewapp.github",
    "reviewapp.hunts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "reviewapp.reviews.middleware.RejectOversizedBodies",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "reviewapp.reviews.middleware.LoginRequiredEverywhere",
    # Last, as django-axes asks: turns a sign-in its backend refused into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reviewapp.urls"
ASGI_APPLICATION = "reviewapp.asgi.application"
WSGI_APPLICATION = "reviewapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        _env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'squiggle.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Password guessing (django-axes): failures are counted per username and client address in the
# database (SQLite or PostgreSQL, whichever is configured), so every web process shares them.
# The axes backend comes first: it refuses a locked-out pair before a password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend",
                           "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(_env("SQUIGGLE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(_env("SQUIGGLE_LOGIN_COOLOFF_MINUTES", "15")))
# Per username and address together: a guesser cannot lock a user out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A user who mistyped a few times and then signed in starts from zero.
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "reviewapp.reviews.lockout.locked_out"
# Its start-up banner would land on every management command's stderr (`review --json` users
# read that stream for errors); lockouts are still logged.
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reviews:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"]
STATIC_ROOT = DATA_DIR / "static"

# A 100k-line diff is tens of MB of form data.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(_env("SQUIGGLE_MAX_DIFF_BYTES", "50000000")) + 1_000_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5_000_000
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

REDIS_URL = _env("REDIS_URL")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 times a read out after 5 s, exactly as long as channels_redis blocks
            # waiting for a message: an idle socket's consumer then died with TimeoutError
            # (found by tests/frontend/test_live_updates.py). Reads may wait longer.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery: Redis when configured; otherwise a filesystem broker so `make run` needs no services.
CELERY_TASK_ALWAYS_EAGER = _env_flag("SQUIGGLE_TASKS_EAGER")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Bug hunts run the user's tests for minutes: their own queue, so reviews never wait behind them.
# A review's analysis (the task that runs the models) may have one too, e.g. for GPU workers
# started with `celery -A reviewapp worker -Q <queue>`; unset, it shares Celery's default queue.
ANALYSIS_QUEUE = _env("SQUIGGLE_ANALYSIS_QUEUE", "celery").strip() or "celery"
CELERY_TASK_ROUTES = {"reviewapp.hunts.tasks.*": {"queue": "hunts"},
                      "reviewapp.reviews.tasks.analyze_revision": {"queue": ANALYSIS_QUEUE}}
# `celery -A reviewapp beat` in production; the embedded `runsquiggle` sweeps by itself.
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-jobs": {
        "task": "reviewapp.reviews.tasks.requeue_stale_jobs",
        "schedule": float(_env("SQUIGGLE_JOB_STALE_S", "60")) / 2,
    },
    "sweep-abandoned-hunts": {"task": "reviewapp.hunts.tasks.sweep_abandoned_hunts",
                              "schedule": 60.0},
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # acks_late: a message a killed worker held comes back after this many seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(_env("SQUIGGLE_TASK_VISIBILITY_S", "900")),
        # Look for such messages every ~10 s (kombu's default scans every ~100 s).
        "unacked_restore_throttle": 1,
    }
else:
    _broker_dir = DATA_DIR / "broker"
    for _sub in ("queue", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
    }

# Squiggle's own settings, one namespace.
SQUIGGLE = {
    "PUBLIC_URL": _env("SQUIGGLE_PUBLIC_URL", "http://127.0.0.1:8000"),
    # Registered local repositories must lie under one of these (the demo lives in DATA_DIR).
    "REPO_ROOTS": _env_list("SQUIGGLE_REPO_ROOTS", str(DATA_DIR)),
    "INFERENCE_URL": _env("SQUIGGLE_INFERENCE_URL"),
    "MODEL_DIR": _env("SQUIGGLE_MODEL_DIR"),
    "MAX_DIFF_BYTES": int(_env("SQUIGGLE_MAX_DIFF_BYTES", "50000000")),
    "MAX_DIFF_FILES": int(_env("SQUIGGLE_MAX_DIFF_FILES", "5000")),
    "MAX_DIFF_LINES": int(_env("SQUIGGLE_MAX_DIFF_LINES", "500000")),
    # Files rendered in the first response (at least the first file; a screen or two); the rest
    # load as the reviewer scrolls. Rendering is the page's cost: 600 lines took ~0.5 s of CPU.
    "INLINE_RENDER_LINES": int(_env("SQUIGGLE_INLINE_RENDER_LINES", "150")),
    # A file with more changed lines renders only when the reviewer asks: 200,000 lines made a
    # 40 MB page that took 11 s to render and stalled the browser.
    "LARGE_FILE_LINES": int(_env("SQUIGGLE_LARGE_FILE_LINES", "5000")),
    # Web server processes of `runsquiggle`: one process renders one page at a time.
    "WEB_PROCESSES": int(_env("SQUIGGLE_WEB_PROCESSES", str(min(4, os.cpu_count() or 1)))),
    # Run the ML stages (LM hunk scoring, bug detection) after ingest.
    "ANALYSIS_ML": _env_flag("SQUIGGLE_ANALYSIS_ML", True),
    # Bug hunts: the language model's surprisal as a localization signal (see README).
    "HUNT_LM_SURPRISAL": _env_flag("SQUIGGLE_HUNT_LM_SURPRISAL", True),
    # Overrides of reviewapp.importance.ImportanceSettings (tier thresholds), as JSON.
    "IMPORTANCE": json.loads(_env("SQUIGGLE_IMPORTANCE", "{}")),
    # A running job beats every JOB_HEARTBEAT_S; silent for JOB_STALE_S, it is requeued, up to
    # JOB_MAX_ATTEMPTS workers in all.
    "JOB_HEARTBEAT_S": float(_env("SQUIGGLE_JOB_HEARTBEAT_S", "5")),
    "JOB_STALE_S": float(_env("SQUIGGLE_JOB_STALE_S", "60")),
    "JOB_MAX_ATTEMPTS": int(_env("SQUIGGLE_JOB_MAX_ATTEMPTS", "3")),
    # The change's own tests (reviewapp.findings.proved): the stage's wall budget, one run's.
    "REVIEW_TESTS_BUDGET_S": float(_env("SQUIGGLE_REVIEW_TESTS_BUDGET_S", "60")),
    "REVIEW_TESTS_RUN_S": float(_env("SQUIGGLE_REVIEW_TESTS_RUN_S", "30")),
    "REVIEW_TESTS_PARALLEL": int(_env("SQUIGGLE_REVIEW_TESTS_PARALLEL", "2")),
    # One analysis stage running longer fails the job ("took longer than N s"); retry is offered.
    "STAGE_TIME_LIMIT_S": float(_env("SQUIGGLE_STAGE_TIME_LIMIT_S", "600")),
}

# The GitHub integration (reviewapp.github); per-repository values live on GitHubConnection.
SQUIGGLE_GITHUB = {
    "API_URL": _env("SQUIGGLE_GITHUB_API_URL", "https://api.github.com").rstrip("/"),
    "APP_ID": _env("SQUIGGLE_GITHUB_APP_ID"),
    "PRIVATE_KEY_PATH": _env("SQUIGGLE_GITHUB_PRIVATE_KEY_PATH"),
    "WEBHOOK_SECRET": _env("SQUIGGLE_GITHUB_WEBHOOK_SECRET"),
    "TOKEN": _env("SQUIGGLE_GITHUB_TOKEN"),
    "CONCLUSION": _env("SQUIGGLE_GITHUB_CONCLUSION", "neutral"),
    # Past these a PR is read through the paginated files list, and files are left out (named).
    "MAX_DIFF_BYTES": int(_env("SQUIGGLE_GITHUB_MAX_DIFF_BYTES", "3000000")),
    "MAX_FILES": int(_env("SQUIGGLE_GITHUB_MAX_FILES", "300")),
    "MAX_CONTENT_BYTES": int(_env("SQUIGGLE_GITHUB_MAX_CONTENT_BYTES", "1000000")),
    # Waits on rate limits and server errors: longer ones become a delayed task retry.
    "MAX_WAIT_S": float(_env("SQUIGGLE_GITHUB_MAX_WAIT_S", "60")),
    # `/squiggle hunt`: the head's files (GitHub's tarball) up to this size, and the budget.
    "MAX_HUNT_ARCHIVE_BYTES": int(_env("SQUIGGLE_GITHUB_MAX_HUNT_ARCHIVE_BYTES", "50000000")),
    "HUNT_BUDGET_S": int(_env("SQUIGGLE_GITHUB_HUNT_BUDGET_S", "300")),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _env("SQUIGGLE_LOG_LEVEL", "INFO")},
}
