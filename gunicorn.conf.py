"""Gunicorn settings for ``make serve`` (production-like serving).

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""
import multiprocessing
import os

# Listen on loopback; a reverse proxy (nginx, Caddy) terminates HTTPS in front of it.
bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")

# Threads share a worker's memory, which suits a small server: a request waiting on the
# database or a slow client does not hold a whole process. 2 workers x 4 threads serve a
# commune portal comfortably on 1 GB of RAM.
worker_class = "gthread"
workers = int(os.environ.get("PORTAL_WORKERS", min(multiprocessing.cpu_count(), 4)))
threads = int(os.environ.get("PORTAL_THREADS", 4))

# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = 2000
max_requests_jitter = 200

# Requests that take longer than this are killed (uploads are streamed within it).
timeout = 60
graceful_timeout = 30
keepalive = 5

# The app writes one structured JSON line per request itself (without IP addresses), so
# gunicorn's own access log is off; its error log goes to stderr.
accesslog = None
errorlog = "-"
loglevel = "info"

# Trust X-Forwarded-* only from the local reverse proxy.
forwarded_allow_ips = "127.0.0.1"

# Each worker builds its own app, so no database connection is ever shared across a fork.
preload_app = False
