"""gunicorn's settings for `make serve` (docs/deployment.md), each taken from the environment.

Threads, not just processes: most of a request's time is spent waiting for the postpress API,
and the client keeps one pooled connection per thread.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# With threads, a worker proves it is alive from its main loop, so this restarts a stuck
# worker; it does not limit how long a request (an upload) may take.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On a restart, requests in flight (a large upload being forwarded) get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "180"))
keepalive = 5
# Recycle workers now and then, staggered, so no slow leak can grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The dashboard logs each request itself, with its request id (LOG_FORMAT); no access log twice.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Behind a load balancer: which peers may set X-Forwarded-* (comma-separated addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
