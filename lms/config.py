"""Settings, read from ``LMS_*`` environment variables (README lists every one)."""

from __future__ import annotations

import os
from datetime import timedelta

DEFAULT_SECRET_KEY = "dev-only-change-me"
#: MB of a SQLite database read through a memory map (lms.db.configure_sqlite).
DEFAULT_SQLITE_MMAP_MB = 256


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    """Defaults for every deployment; values come from the environment at import time."""

    def __init__(self) -> None:
        https = _env_bool("LMS_HTTPS")
        self.SECRET_KEY = os.environ.get("LMS_SECRET_KEY", DEFAULT_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("LMS_DATABASE_URL")  # None: instance/
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        #: MB of a SQLite database read through a memory map (lms.db; 0: none).
        self.LMS_SQLITE_MMAP_MB = _env_int("LMS_SQLITE_MMAP_MB", DEFAULT_SQLITE_MMAP_MB)
        self.LMS_HTTPS = https
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = https
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = https
        self.PERMANENT_SESSION_LIFETIME = timedelta(days=14)
        self.LMS_DEFAULT_TIMEZONE = os.environ.get("LMS_DEFAULT_TIMEZONE", "Asia/Jakarta")
        self.LMS_UPLOAD_DIR = os.environ.get("LMS_UPLOAD_DIR")  # None: instance/uploads
        self.LMS_COURSE_PATHS = os.environ.get("LMS_COURSE_PATHS", "")
        #: Extra IID rule files or folders of them; a year there replaces the shipped file.
        self.LMS_IID_RULE_PATHS = os.environ.get("LMS_IID_RULE_PATHS", "")
        #: Extra qualification scheme files or folders of them (certificates); a file named
        #: like a shipped one (default.toml) replaces it.
        self.LMS_QUALIFICATION_PATHS = os.environ.get("LMS_QUALIFICATION_PATHS", "")
        # Whole-request cap; uploads of member lists are far smaller.
        self.MAX_CONTENT_LENGTH = _env_int("LMS_MAX_UPLOAD_MB", 250) * 1024 * 1024
        self.LMS_IMPORT_MAX_BYTES = _env_int("LMS_IMPORT_MAX_KB", 2048) * 1024
        self.LMS_ATTACHMENT_MAX_BYTES = _env_int("LMS_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
        self.LMS_VIDEO_MAX_BYTES = _env_int("LMS_VIDEO_MAX_MB", 200) * 1024 * 1024
        #: Hosts a video link may point at (subdomains included), space or comma separated.
        self.LMS_VIDEO_HOSTS = os.environ.get(
            "LMS_VIDEO_HOSTS", "youtube.com youtu.be drive.google.com vimeo.com"
        )
        #: Table rows kept rendered per process and table (lms.fragments; 0: none).
        self.LMS_FRAGMENT_CACHE = _env_int("LMS_FRAGMENT_CACHE", 4096)
        #: Counts over a class's grading kept per process under its grading token (0: none).
        self.LMS_GRADING_COUNTS_KEPT = _env_int("LMS_GRADING_COUNTS_KEPT", 512)
        self.LMS_LOGIN_FAILURES = os.environ.get("LMS_LOGIN_FAILURES", "10 per 15 minutes")
        #: Unknown certificate codes looked up per client address before 429.
        self.LMS_VERIFY_MISSES = os.environ.get("LMS_VERIFY_MISSES", "20 per 10 minutes")
        #: JSON API (lms.api) requests per token (or signed-in person), and per client address.
        self.LMS_API_RATE_LIMIT = os.environ.get("LMS_API_RATE_LIMIT", "120 per minute")
        self.LMS_API_ADDRESS_RATE_LIMIT = os.environ.get(
            "LMS_API_ADDRESS_RATE_LIMIT", "1200 per minute"
        )
        #: Who issues the certificates in their Open Badges documents.
        self.LMS_ISSUER_NAME = os.environ.get("LMS_ISSUER_NAME", "Kelas Inovasi")
        self.LMS_ISSUER_EMAIL = os.environ.get("LMS_ISSUER_EMAIL", "")
        #: The address people reach the LMS at (https://lms.example.go.id, or with the path a
        #: proxy serves it under): printed and shared links are built from it (lms.urls).
        self.LMS_PUBLIC_URL = os.environ.get("LMS_PUBLIC_URL", "")
        #: E-mail notifications, sent after commit when LMS_SMTP_HOST is set; TLS is
        #: "starttls" (port 587), "ssl" (465) or "none" (25) (lms.notifications.mail).
        self.LMS_SMTP_HOST = os.environ.get("LMS_SMTP_HOST", "")
        self.LMS_SMTP_PORT = _env_int("LMS_SMTP_PORT", 0)
        self.LMS_SMTP_USER = os.environ.get("LMS_SMTP_USER", "")
        self.LMS_SMTP_PASSWORD = os.environ.get("LMS_SMTP_PASSWORD", "")
        self.LMS_SMTP_FROM = os.environ.get("LMS_SMTP_FROM", "Kelas Inovasi <noreply@localhost>")
        self.LMS_SMTP_TLS = os.environ.get("LMS_SMTP_TLS", "starttls")
        self.LMS_SMTP_TIMEOUT = _env_int("LMS_SMTP_TIMEOUT", 10)
        #: The clinic's stage file (default: the shipped lms/clinic/stages.toml).
        self.LMS_CLINIC_STAGES_FILE = os.environ.get("LMS_CLINIC_STAGES_FILE", "")
        self.RATELIMIT_STORAGE_URI = os.environ.get("LMS_RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = False
        # A Redis outage falls back to per-process limits instead of failing every login.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        #: Reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        self.LMS_PROXY_COUNT = int(os.environ.get("LMS_PROXY_COUNT", "0") or 0)
        #: Background jobs (lms.jobs): the queue (redis://host:6379/1; unset: SQLite in the
        #: instance folder, consumed in-process by the dev server), its name, whether this
        #: process consumes it itself ("1"/"0"; unset: only the dev server on the default).
        self.LMS_JOBS_URL = os.environ.get("LMS_JOBS_URL", "")
        self.LMS_JOBS_QUEUE = os.environ.get("LMS_JOBS_QUEUE", "kelas-inovasi")
        self.LMS_JOBS_EMBEDDED = os.environ.get("LMS_JOBS_EMBEDDED", "")
        self.LMS_JOBS_THREADS = _env_int("LMS_JOBS_THREADS", 2)
        self.LMS_JOBS_SHUTDOWN_SECONDS = _env_int("LMS_JOBS_SHUTDOWN_SECONDS", 30)
        #: Hours a job's result stays downloadable; exports above this many rows run as jobs.
        self.LMS_JOB_RESULT_HOURS = float(os.environ.get("LMS_JOB_RESULT_HOURS") or 24)
        self.LMS_JOB_EXPORT_ROWS = _env_int("LMS_JOB_EXPORT_ROWS", 2000)
        #: Classes with more valid certificates than this make their batch PDF and ZIP as jobs.
        self.LMS_JOB_CERTIFICATES = _env_int("LMS_JOB_CERTIFICATES", 100)
        #: A running job's row is touched this often; one silent for LMS_JOB_STALE_SECONDS
        #: (its worker was killed) runs again, at most LMS_JOB_ATTEMPTS times in all.
        self.LMS_JOB_HEARTBEAT_SECONDS = float(os.environ.get("LMS_JOB_HEARTBEAT_SECONDS") or 10)
        self.LMS_JOB_STALE_SECONDS = float(os.environ.get("LMS_JOB_STALE_SECONDS") or 120)
        self.LMS_JOB_ATTEMPTS = _env_int("LMS_JOB_ATTEMPTS", 3)
        #: A check-in queued on a phone while offline is accepted if it reaches the server
        #: within this many hours of the time it claims (lms.attendance.operations).
        self.LMS_CHECKIN_SYNC_HOURS = float(os.environ.get("LMS_CHECKIN_SYNC_HOURS") or 12)
        self.BABEL_DEFAULT_LOCALE = "id"
        self.BABEL_DEFAULT_TIMEZONE = "UTC"
        self.WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token


class TestingConfig(Config):
    def __init__(self) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "testing"
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("LMS_TEST_DATABASE_URL", "sqlite:///:memory:")
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.SERVER_NAME = None
        # Jobs stay in this process until a test runs them (lms.jobs.queue.run_pending).
        self.LMS_JOBS_URL = "memory://"
        # Links fall back to the request's host unless a test sets an address.
        self.LMS_PUBLIC_URL = ""
        # No e-mail unless a test starts its own SMTP server.
        self.LMS_SMTP_HOST = ""
        self.LMS_CLINIC_STAGES_FILE = ""
