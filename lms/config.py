"""Settings, read from ``LMS_*`` environment variables (README lists every one)."""

from __future__ import annotations

import os
from datetime import timedelta

DEFAULT_SECRET_KEY = "dev-only-change-me"


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
        # Whole-request cap; uploads of member lists are far smaller.
        self.MAX_CONTENT_LENGTH = _env_int("LMS_MAX_UPLOAD_MB", 250) * 1024 * 1024
        self.LMS_IMPORT_MAX_BYTES = _env_int("LMS_IMPORT_MAX_KB", 2048) * 1024
        self.LMS_ATTACHMENT_MAX_BYTES = _env_int("LMS_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
        self.LMS_VIDEO_MAX_BYTES = _env_int("LMS_VIDEO_MAX_MB", 200) * 1024 * 1024
        #: Hosts a video link may point at (subdomains included), space or comma separated.
        self.LMS_VIDEO_HOSTS = os.environ.get(
            "LMS_VIDEO_HOSTS", "youtube.com youtu.be drive.google.com vimeo.com"
        )
        self.LMS_LOGIN_FAILURES = os.environ.get("LMS_LOGIN_FAILURES", "10 per 15 minutes")
        #: Unknown certificate codes looked up per client address before 429.
        self.LMS_VERIFY_MISSES = os.environ.get("LMS_VERIFY_MISSES", "20 per 10 minutes")
        #: Who issues the certificates in their Open Badges documents.
        self.LMS_ISSUER_NAME = os.environ.get("LMS_ISSUER_NAME", "Kelas Inovasi")
        self.LMS_ISSUER_EMAIL = os.environ.get("LMS_ISSUER_EMAIL", "")
        self.RATELIMIT_STORAGE_URI = os.environ.get("LMS_RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = False
        # A Redis outage falls back to per-process limits instead of failing every login.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        #: Reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        self.LMS_PROXY_COUNT = int(os.environ.get("LMS_PROXY_COUNT", "0") or 0)
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
