"""gunicorn settings for production: ``make serve`` or ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be changed through the environment (the app itself reads its ``LMS_*``
settings when a worker starts; README lists them):

- ``LMS_BIND`` (else ``0.0.0.0:$PORT``, ``PORT`` defaulting to 8000): where to listen.
- ``LMS_WORKERS``: worker processes; default 2 x CPUs + 1, at most 8 (each worker holds its
  own database connection pool, so the cap also bounds PostgreSQL connections).
- ``LMS_THREADS``: threads per worker (default 4): a slow upload or download occupies one
  thread, not a whole worker.
- ``LMS_TIMEOUT`` (default 300 s): a 50 MB upload over a 2 Mbit/s link takes about 200 s.
- ``LMS_GRACEFUL_TIMEOUT`` (default 120 s): on a restart, requests under way get this long.
- ``LMS_ACCESS_LOG`` (default ``-``, stdout; ``off`` for none) and ``LMS_LOG_LEVEL`` (info).
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (containers)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


bind = [os.environ.get("LMS_BIND") or f"0.0.0.0:{os.environ.get('PORT') or '8000'}"]
workers = _int("LMS_WORKERS", min(2 * _cpu_count() + 1, 8))
worker_class = "gthread"
threads = _int("LMS_THREADS", 4)
timeout = _int("LMS_TIMEOUT", 300)
graceful_timeout = _int("LMS_GRACEFUL_TIMEOUT", 120)
keepalive = 5

# Not preloaded: each worker imports the app after the fork, so no database connection pool
# or Redis connection is ever shared between processes, and `kill -HUP` loads new code.
# The price is a few MB more per worker and a slower start.
preload_app = False

# Restart workers now and then, spread out, so that slow leaks cannot build up.
max_requests = 2000
max_requests_jitter = 200

# The heartbeat file in memory: a worker never stalls on a slow or full disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

_access_log = os.environ.get("LMS_ACCESS_LOG", "-").strip()
accesslog = None if _access_log.lower() in ("", "off", "none", "0") else _access_log
# Client, time, request (path without the query string), status, bytes, duration in ms,
# user agent and the request id (the same as in the app's lms.request log line).
access_log_format = (
    '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s" rid=%({x-request-id}o)s'
)
errorlog = "-"
loglevel = os.environ.get("LMS_LOG_LEVEL", "info")
proc_name = "kelas-inovasi"
