"""Every setting of the portal, with its default and what it is for.

Values are layered at app creation (never at import), each layer overriding the one before:

1. this module;
2. ``instance/config.py`` (optional, git-ignored);
3. environment variables ``PORTAL_<KEY>`` (``PORTAL_DATABASE_URL``, ``PORTAL_SECRET_KEY`` …),
   parsed as JSON when they look like JSON (``true``, ``15``, ``{"a": 1}``);
4. the ``test_config`` mapping passed to :func:`portal.create_app`.

Only upper-case names become settings.
"""
from __future__ import annotations

# --- Identity of the deployment -------------------------------------------------------------

#: Signs sessions and CSRF tokens. Leave unset to have the portal generate one and keep it in
#: ``instance/secret_key`` (mode 0600). Set it explicitly when several hosts serve the portal.
SECRET_KEY: str | None = None

#: The portal's public address, scheme and host only (``https://dichvucong.minhhoa.gov.vn``).
#: Links in e-mail and SMS (account verification, password reset, dossier pages) are built
#: from it, never from the Host header a request happens to carry. Empty: Flask's
#: ``SERVER_NAME`` if set; otherwise ``http://127.0.0.1:8000`` in demo mode, debug and tests,
#: and a production portal (``wsgi.py``) refuses to start.
BASE_URL = ""

#: True on demonstration installs (``make run``): allows ``flask seed-demo`` and the demo
#: accounts. A portal with DEMO_MODE off refuses to start while demo accounts exist.
DEMO_MODE = False

#: Name of the authority shown in the header, titles and slips until editors set their own.
AUTHORITY_NAME = "Ủy ban nhân dân xã Minh Họa"
#: Its name on English pages (empty: the Vietnamese name).
AUTHORITY_NAME_EN = "Minh Hoa Commune People's Committee"

#: The place name on official slips: "<place>, ngày … tháng … năm …".
SLIP_PLACE = "Minh Họa"
#: The head of the authority, who signs the apology with a new date (Mẫu 04): the title as
#: printed over the signature ("CHỦ TỊCH", "GIÁM ĐỐC") and the name (empty: written by
#: hand). Administrators change both at /quan-tri/thong-tin.
HEAD_TITLE = "CHỦ TỊCH"
HEAD_NAME = ""

#: Public contact details shown in the footer (TT32-11.x-MAIL, ND42-04.1e).
AUTHORITY_ADDRESS = "Số 1 đường Trung tâm, xã Minh Họa, tỉnh Quảng Ninh"
AUTHORITY_PHONE = "0203 3800 000"
FEEDBACK_EMAIL = "gopy@minhhoa.example.gov.vn"

#: Office hours of the one-stop desk, Monday to Friday unless WORKING_WEEKDAYS says otherwise
#: (shown on the contact page; used to compute official receipt times and deadlines).
OFFICE_HOURS = (("07:00", "11:30"), ("13:30", "17:00"))
#: Working weekdays, Monday = 0.
WORKING_WEEKDAYS = (0, 1, 2, 3, 4)
#: Dossiers received after this time count from the next working day (same-day procedures).
SAME_DAY_CUTOFF = "15:00"
#: Local decisions on top of the national calendar (ISO dates): extra days off, and days
#: worked in exchange (the Government's swapped Saturdays are already known). In the
#: environment, a JSON list: PORTAL_EXTRA_DAYS_OFF='["2026-12-31"]'. Prefer the calendar
#: page (/quan-tri/lich-lam-viec): its days carry their decision, are audited, and win over
#: these.
EXTRA_DAYS_OFF: tuple[str, ...] = ()
EXTRA_WORKING_DAYS: tuple[str, ...] = ()

# --- Database ---------------------------------------------------------------------------------

#: SQLAlchemy URL. Relative SQLite paths live in the instance folder. For PostgreSQL use
#: ``postgresql+psycopg://user:password@host:5432/dbname``.
DATABASE_URL = "sqlite:///portal.sqlite3"

#: Extra keyword arguments for ``sqlalchemy.create_engine`` (pool sizes and the like). On
#: PostgreSQL the portal adds ``pool_pre_ping=True`` (connections are checked when taken from
#: the pool, so a database restart costs no failed request once it is back) unless set here.
DATABASE_ENGINE_OPTIONS: dict = {}
#: Longest wait for a new PostgreSQL connection (seconds, at least 2): while the database is
#: unreachable, requests are answered 503 after at most this long, not left hanging.
DATABASE_CONNECT_TIMEOUT = 3
#: While the database cannot answer (down, restarting, SQLite write lock not granted in time)
#: requests get 503 with ``Retry-After`` this many seconds (JSON for JSON clients).
UNAVAILABLE_RETRY_AFTER = 5

#: Log every SQL statement (development only: it is very verbose).
SQLALCHEMY_ECHO = False

# --- Files ------------------------------------------------------------------------------------

#: Where uploaded and generated files are kept, content-addressed (relative to the instance
#: folder unless absolute). Never inside ``portal/static``.
UPLOAD_FOLDER = "uploads"

#: Largest request body accepted, in bytes (uploads included).
MAX_CONTENT_LENGTH = 20 * 1024 * 1024

# --- Languages and time -----------------------------------------------------------------------

#: Languages offered; the first is the default.
LANGUAGES = ("vi", "en")
BABEL_DEFAULT_LOCALE = "vi"
#: Times are stored in UTC and shown in this zone.
BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"

# --- Sessions and cookies ---------------------------------------------------------------------

#: ``None`` means "decide per request": cookies are marked Secure when the request came over
#: HTTPS (directly or through a proxy named in PROXY_FIX_X_FOR). Set True to force it.
SESSION_COOKIE_SECURE: bool | None = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
#: Number of reverse proxies in front of the app whose X-Forwarded-For and -Proto headers
#: are trusted (client address, HTTPS detection).
PROXY_FIX_X_FOR = 0
#: Trust X-Forwarded-Host too (only if the proxy always sets it itself).
PROXY_FIX_X_HOST = 0
#: Host names the portal answers to, e.g. ``["dichvucong.minhhoa.gov.vn"]``; requests for any
#: other host get 400. None accepts any host (development). Set it in production.
TRUSTED_HOSTS = None

# --- Accounts and sessions --------------------------------------------------------------

#: A session stays (with its CSRF token and anything typed but not yet saved) this long.
PERMANENT_SESSION_LIFETIME = 30 * 24 * 3600
#: A login ends after this many minutes without activity…
IDLE_TIMEOUT_MINUTES = 30
#: …and this many minutes before that, an accessible warning offers to stay logged in.
IDLE_WARNING_MINUTES = 2
#: "Remember me" (off unless ticked) keeps a login across browser restarts this long.
REMEMBER_COOKIE_DURATION = 14 * 24 * 3600
REMEMBER_COOKIE_HTTPONLY = True
#: Like SESSION_COOKIE_SECURE: ``None`` marks the cookie Secure when the request came over HTTPS.
REMEMBER_COOKIE_SECURE: bool | None = None
REMEMBER_COOKIE_SAMESITE = "Lax"
#: Failed logins that cost nothing; each further one doubles the wait, up to the maximum.
LOGIN_FREE_FAILURES = 5
LOGIN_MAX_DELAY_SECONDS = 300
#: Lifetimes of e-mailed links (seconds).
VERIFY_TOKEN_MAX_AGE = 7 * 24 * 3600
RESET_TOKEN_MAX_AGE = 3600
#: How long what someone typed is kept for them when their login had expired (seconds).
PENDING_FORM_MAX_AGE = 24 * 3600
#: Rate limits (Flask-Limiter syntax), per client address.
RATELIMIT_LOGIN = "20 per minute;200 per day"
RATELIMIT_REGISTER = "10 per hour"
RATELIMIT_RESET = "10 per hour"
RATELIMIT_LOOKUP = "30 per minute"
#: Autosaves and field checks of the e-forms, per address (a fast typist makes ~1 per second).
RATELIMIT_EFORM = "240 per minute"
#: E-mailing a draft's link, per address.
RATELIMIT_DRAFT_LINK = "5 per hour"
#: Survey answers sent, per address (one per person is kept; this stops floods).
RATELIMIT_SURVEY = "20 per hour"
#: Feedback and petitions (PAKN) and citizens' questions sent, per address.
RATELIMIT_FEEDBACK = "5 per hour"
RATELIMIT_QUESTION = "5 per hour"

# --- E-forms and drafts ---------------------------------------------------------------------
#: A draft is deleted this many days after its last save.
DRAFT_LIFETIME_DAYS = 90
#: Its owner is e-mailed this many days before (``flask drafts housekeeping``, run daily).
DRAFT_WARNING_DAYS = 14

# --- Dossiers and attachments ------------------------------------------------------------

#: File types accepted for a dossier component that names none (keys of
#: ``portal.services.uploads.FILE_TYPES``), and the largest file, in MB.
UPLOAD_DEFAULT_TYPES = "pdf,jpg,png,docx,odt"
UPLOAD_MAX_MB = 10
#: Files are kept as received, so what could harm the officer who opens them is refused
#: (``portal.services.upload_content``): PDFs with JavaScript or launch actions; office
#: documents (DOCX, XLSX, ODT, ODS are ZIP archives) that inflate beyond this many MB (also
#: the most a PDF's object streams may inflate to), hold more parts than
#: UPLOAD_MAX_ZIP_ENTRIES, or have a part over 1 MB inflating more than UPLOAD_MAX_ZIP_RATIO
#: times (ZIP bombs; sizes are counted while inflating, never taken on trust)…
UPLOAD_MAX_UNZIPPED_MB = 100
UPLOAD_MAX_ZIP_ENTRIES = 1000
UPLOAD_MAX_ZIP_RATIO = 200
#: …and images of more than this many million pixels (read from the PNG or JPEG header,
#: never decoded; a 12-megapixel phone photo is well below).
UPLOAD_MAX_IMAGE_MEGAPIXELS = 40
#: A request over MAX_CONTENT_LENGTH is refused with a 413 page; up to this many bytes of
#: its body are read and thrown away first, so that the browser shows the page instead of
#: "connection reset". Bigger bodies are cut off.
UPLOAD_DRAIN_BYTES = 200 * 1024 * 1024
#: Virus scanning with ClamAV before a file is accepted: clamd's Unix socket
#: (``/run/clamav/clamd.ctl``) or ``host:port``. Empty: no scanning. When set and clamd does
#: not answer, uploads are refused (never accepted unscanned).
CLAMAV_SOCKET = ""
CLAMAV_ADDRESS = ""
CLAMAV_TIMEOUT = 30
#: With JavaScript, photos larger than this (pixels on the longer side) are offered to be
#: shrunk in the browser before they are sent.
IMAGE_SHRINK_MAX_SIDE = 2000
#: Requests for the public statistics (each computes the year's figures), per address.
RATELIMIT_STATS = "60 per minute"
#: Messages a citizen may send about dossiers, per address.
RATELIMIT_MESSAGE = "30 per hour"

# --- Editors ---------------------------------------------------------------------------------

#: A maintenance notice must be published at least this many working days before the
#: services stop (TT32-11.x-MAINT: 1 in the seed documents; ND64-16 asks for 7).
MAINTENANCE_NOTICE_WORKING_DAYS = 1

# --- Background jobs and notifications ---------------------------------------------------

#: Who runs background jobs and sends queued e-mail/SMS:
#: ``thread``: a background thread in each web process (one small server, the default);
#: ``worker``: a separate ``flask jobs worker`` process (several web processes or hosts);
#: ``inline``: right after the request's commit, in the request (tests only).
JOBS_RUNNER = "thread"
#: How often an idle runner looks for work it was not told about (seconds).
JOBS_POLL_SECONDS = 5.0
#: A job or message taken by a runner that stopped answering is taken again after this.
JOBS_STALE_SECONDS = 600
#: Sends SMS (and Zalo) texts: ``module:Class`` implementing
#: ``portal.services.messaging.TextSender``. The default writes each text to a file of
#: ``<OUTBOX_FOLDER>/sms/`` (texts carry one-time codes: never to the log).
TEXT_SENDER = "portal.services.messaging:FileTextSender"

# --- E-mail -------------------------------------------------------------------------------

#: SMTP server; empty (the default) writes each message to a file of
#: ``<OUTBOX_FOLDER>/mail/`` (``.eml``, opens in any mail program) instead of sending it.
MAIL_SERVER = ""
MAIL_PORT = 587
MAIL_USE_TLS = True
MAIL_USE_SSL = False
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
MAIL_SENDER = "Cổng Dịch vụ công xã Minh Họa <no-reply@minhhoa.example.gov.vn>"
MAIL_TIMEOUT = 10
#: Where e-mail and texts go when no mail server or SMS gateway takes them (development,
#: demo), relative to the instance folder unless absolute; files are readable by the
#: portal's user only (0600), since they hold reset links and one-time codes.
OUTBOX_FOLDER = "outbox"

# --- Security ---------------------------------------------------------------------------------

#: CSRF tokens stay valid for the whole session (forms may be filled slowly on a phone).
WTF_CSRF_TIME_LIMIT = None
#: Redis, when several workers or hosts must share rate-limit counters
#: (``redis://127.0.0.1:6379/0``); empty keeps them in each process's memory.
REDIS_URL = ""
#: Redis must answer within these (seconds), else the request goes on without it: while Redis
#: is unreachable, rate limits count in each process's memory (a warning is logged) and Redis
#: is tried again after 1, 2, 4 … 32 seconds.
REDIS_CONNECT_TIMEOUT = 0.25
REDIS_TIMEOUT = 0.5
#: Flask-Limiter settings for that: fall back to memory, and never fail a request because of
#: the counters.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
RATELIMIT_SWALLOW_ERRORS = True
#: Send ``Strict-Transport-Security`` (only when served over HTTPS).
HSTS_SECONDS = 31536000
#: The audit log keeps each event's client address this many days, then clears it (daily,
#: by the background runner or ``flask audit housekeeping``). None keeps addresses.
AUDIT_ADDRESS_DAYS: int | None = 180

# --- Page cache -------------------------------------------------------------------------------

#: Finished public pages kept per worker for anonymous visitors (0 turns the cache off).
PAGE_CACHE_ENTRIES = 512
#: Upper bound of the memory those pages take, per worker.
PAGE_CACHE_BYTES = 16 * 1024 * 1024
#: How often a worker checks whether public content changed (seconds): the longest an
#: edit takes to show on every worker and host.
PAGE_CACHE_CHECK_SECONDS = 1.0

# --- Monitoring -------------------------------------------------------------------------------

#: ``/healthz`` gives each dependency check (the database's ``SELECT 1``, the Redis and ClamAV
#: pings) at most this long (seconds).
HEALTHZ_TIMEOUT = 2.0

# --- Logging ----------------------------------------------------------------------------------

#: Level of the application logger (``DEBUG``, ``INFO``, ``WARNING`` …).
LOG_LEVEL = "INFO"
#: Write one JSON line per request to the ``portal.request`` logger.
LOG_REQUESTS = True

# --- Logs -------------------------------------------------------------------------------------

#: Also write the application and request logs (the same JSON lines) to this file, rotated by
#: size; a relative path lives in the instance folder (``logs/portal.log``). Empty: standard
#: error only. The web processes of one host may share the file (they rotate it in turn,
#: under a lock). Request lines never hold IP addresses, query strings, cookies or secret
#: links. Keep gunicorn's own access log off (``gunicorn.conf.py``): it writes addresses.
LOG_FILE = ""
#: The file is rotated before it grows past this many bytes…
LOG_FILE_MAX_BYTES = 10 * 1024 * 1024
#: …and this many rotated files are kept (``portal.log.1`` is the newest), older ones deleted.
LOG_FILE_BACKUPS = 5

# --- Shared catalogues ------------------------------------------------------------------------

#: National code of the province whose communes are offered first in address pick-lists, and
#: whose units the demo authority belongs to (22 = Quảng Ninh).
HOME_PROVINCE_CODE = "22"

#: First part of sector codes ``MX1X2-LV`` (TT01-20): the province's level-1 unit code in
#: QCVN 102:2016 (H49 = Quảng Ninh).
SECTOR_CODE_PREFIX = "H49"
