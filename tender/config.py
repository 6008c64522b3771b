"""Settings and their defaults, read from the instance folder and the environment.

Order (later wins): defaults below, ``instance/config.py`` if present, environment
variables, and finally the ``overrides`` handed to ``create_app`` (tests).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    # All uploads of one bid together, replaced files included (they are kept).
    "MAX_BID_UPLOAD_BYTES": 100 * 1024 * 1024,
    "CRITERIA_DIR": None,  # default: criteria/ in the project
    "MIN_MOTIVATION_CHARS": 50,
    "MIN_COMMITTEE_SIZE": 3,
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    # With a user name: STARTTLS (unless SMTP_STARTTLS is false), then log in.
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": True,
    "MAIL_FROM": "aanbesteding@example.invalid",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # None: Secure everywhere but plain HTTP to the machine itself (development,
    # `flask run` on 127.0.0.1); True or False forces it (tender.web.SessionInterface).
    "SESSION_COOKIE_SECURE": None,
    # A form's CSRF token expires after a working day; the refusal keeps the input.
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (ProxyFix).
    "PROXY_COUNT": 0,
    "WTF_I18N_ENABLED": False,
    # Login throttling (Flask-Limiter): failed logins per account (normalised e-mail)
    # and per address, then a lockout until the window has passed. memory:// counts per
    # process; production with several workers uses redis://host:6379.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_STRATEGY": "moving-window",
    # A storage that is down must not stop the login: count in this process's memory
    # until it answers again (checked again every few seconds by Flask-Limiter).
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
    "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
    "REGISTRATION_LIMIT_PER_ADDRESS": "20 per hour",
    # Document jobs (award letters, contracts, dossiers): with a Redis URL
    # (redis://host:6379/0) they go on an RQ queue that `flask --app tender worker`
    # processes run (tender.jobqueue); without one, the embedded default, they run in a
    # thread of the web process. DOCUMENT_JOBS_INLINE makes them in the request (tests).
    "JOB_QUEUE_URL": None,
    "JOB_QUEUE_NAME": "tender-documents",  # one queue per installation sharing a Redis
    "DOCUMENT_JOBS_INLINE": False,
    # A document job of at least DOCUMENT_PROCESSES_FROM documents lays out its PDFs in
    # DOCUMENT_PROCESSES worker processes (empty: one per CPU; 1: in the job's own
    # process) while the job stores them (tender.award.render_pool).
    "DOCUMENT_PROCESSES": None,
    "DOCUMENT_PROCESSES_FROM": 40,
    # PAdES signatures on the final award documents (tender.documents.signing).
    "SIGNING_PKCS12": None,
    "SIGNING_PASSWORD": None,
    # KvK numbers checked in the Handelsregister (tender.accounts.kvk): the KvK API
    # endpoint (e.g. https://api.kvk.nl/api/v1/basisprofielen) and its key. Without a
    # URL nothing is checked. KVK_VERIFIER: an object with verify() instead (tests).
    "KVK_API_URL": None,
    "KVK_API_KEY": None,
    "KVK_API_TIMEOUT": 5.0,
    "KVK_VERIFIER": None,
    # The publisher's registered OCDS ocid prefix (tender.ocds). A registered prefix is
    # "ocds-" and six characters: this default is visibly not one and must be replaced.
    "OCDS_PREFIX": "ocds-voorbeeld",
    # Where uploads, documents and dossiers are kept (tender.storage): empty for the
    # instance folder, or "s3://bucket/prefix" with the S3 API at S3_ENDPOINT_URL
    # (empty for AWS itself). Credentials come from boto3's chain (AWS_ACCESS_KEY_ID...).
    "STORAGE_URL": "",
    "S3_ENDPOINT_URL": None,
    "S3_REGION": None,
}

ENVIRONMENT_KEYS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_STARTTLS",
    "MAIL_FROM",
    "SIGNING_PKCS12",
    "SIGNING_PASSWORD",
    "RATELIMIT_STORAGE_URI",
    "JOB_QUEUE_URL",
    "JOB_QUEUE_NAME",
    "DOCUMENT_PROCESSES",
    "DOCUMENT_PROCESSES_FROM",
    "PROXY_COUNT",
    "KVK_API_URL",
    "KVK_API_KEY",
    "OCDS_PREFIX",
    "STORAGE_URL",
    "S3_ENDPOINT_URL",
    "S3_REGION",
)


def load_settings(instance_path: Path, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Return the effective settings for an app rooted in ``instance_path``."""
    settings = dict(DEFAULTS)
    local = instance_path / "config.py"
    if local.exists():
        namespace: dict[str, Any] = {}
        exec(compile(local.read_text(encoding="utf-8"), str(local), "exec"), namespace)
        settings.update({k: v for k, v in namespace.items() if k.isupper()})
    settings.update({k: os.environ[k] for k in ENVIRONMENT_KEYS if os.environ.get(k)})
    settings.update(overrides or {})
    settings.setdefault("DATABASE_URL", f"sqlite:///{instance_path / 'tender.sqlite'}")
    settings["DATABASE_URL"] = normalise_database_url(settings["DATABASE_URL"])
    # A request may carry one upload and the form around it, no more (413 beyond).
    settings.setdefault("MAX_CONTENT_LENGTH", int(settings["MAX_UPLOAD_BYTES"]) + 1024 * 1024)
    settings["PROXY_COUNT"] = int(settings["PROXY_COUNT"])
    if settings.get("JOB_QUEUE_URL") and settings["RATELIMIT_STORAGE_URI"] == "memory://":
        # With a job queue the app runs as several processes, perhaps on several
        # machines: the login counts go to the queue's Redis, never per process.
        settings["RATELIMIT_STORAGE_URI"] = settings["JOB_QUEUE_URL"]
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = instance_secret_key(instance_path)
    return settings


def normalise_database_url(url: str) -> str:
    """Accept the common ``postgres://`` and ``postgresql://`` forms and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance_path: Path) -> str:
    """Read the secret key from the instance folder, generating it on first start."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
