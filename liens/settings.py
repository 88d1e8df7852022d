"""Liens settings: configured from the environment. The Celery task modules and the beat
schedule, fixed data reviewed as a whole, are in liens/settings_celery.py.

Local defaults are safe and need no server: SQLite and a filesystem Celery broker. Set
DATABASE_URL (PostgreSQL) and REDIS_URL (broker and cache) for real deployments; set
DJANGO_DEBUG=1 only on a developer's machine.
"""

import os
from datetime import time, timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from liens import settings_celery, settings_headers
from liens.lib.secret_key import local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LIENS_VAR_DIR", BASE_DIR / "var"))
# The embedded defaults (SQLite file, filesystem broker, beat schedule, SMS file) live here; a
# fresh clone has no such folder, and SQLite cannot create the folder of its database file.
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(int(default))).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off.")
    # A local run signs with a random key kept in var/ (made on first use), not a published one.
    SECRET_KEY = local_secret_key(VAR_DIR / "secret_key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A refused form (stale or missing security token) gets a page in the site's layout, JSON under /api/.
CSRF_FAILURE_VIEW = "liens.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "liens",
    "volunteers",
    "missions",
    "seeds",
    "benchmarks",
    "simulation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "liens.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "liens.middleware.PrivateNoStoreMiddleware",
    # After authentication: a sign-out clears the site's data on the phone (liens.pwa).
    "liens.pwa.ClearSiteDataMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "liens.accounts.middleware.AccountSecurityMiddleware",
    # Last, so it frames the view: tenant queries raise until the view chooses a scope.
    "liens.scopes.ScopeMiddleware",
]

ROOT_URLCONF = "liens.urls"
WSGI_APPLICATION = "liens.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "liens.context_processors.roles",
            ],
            # {% url %} reversing each pattern once (liens.templatetags.links).
            "builtins": ["liens.templatetags.links"],
        },
    },
    # The partials a page repeats once per row of a long list (liens.jinja), in apps' jinja2/.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "liens.jinja.environment",
            # What those partials call, by name.
            "functions": {
                "mission_row_actions": "missions.association.rows.mission_row_actions",
                "home_plural": "missions.association.rows.home_plural",
                "manages": "missions.templatetags.privacy.manages",
                "unread_badge": "missions.templatetags.conversations.unread_badge",
            },
        },
    },
]
# Every form's fields mark themselves invalid for screen readers, pointing at their message.
FORM_RENDERER = "liens.forms.FormRenderer"

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default; PostgreSQL (psycopg 3) through DATABASE_URL in production
# and CI. The SQLite test database is a file so a separate Celery worker process can share it.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'liens.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-liens.sqlite3")}
    # Without a busy timeout, the web server and the worker trip over SQLite's write lock.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's PostgreSQL backend, told the bound on one statement's parameters that binding
    # them on the server brings (liens.lib.postgresql), so that bulk writes and deletes split.
    DATABASES["default"]["ENGINE"] = "liens.lib.postgresql"
    if env_bool("DB_PREPARED_STATEMENTS", True):
        # Parameters sent apart from the SQL (server-side binding), and psycopg prepares a query once
        # a connection has run it five times, after which PostgreSQL skips parsing and planning it: a
        # page's queries are the same every time. Django turns psycopg's preparing off unless
        # prepare_threshold is named (binding alone prepares nothing): named, it took 2 to 6 ms off
        # each page's wall time (benchmark pages). Turn both off behind a pooler that cannot keep
        # prepared statements (PgBouncer in transaction mode before 1.21, or without
        # max_prepared_statements). A statement prepared before a migration that changes a column's
        # type fails after it: web and workers restart after `migrate`, as deploy/ has them do.
        DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# liens.lib.compiled: each reuse of a compiled query is also compiled afresh and compared (the
# tests turn it on; it costs what the reuse saves).
LIENS_CHECK_COMPILED_QUERIES = env_bool("LIENS_CHECK_COMPILED_QUERIES", False)

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "liens.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, reading the signed-in account in one query with what every page
    # asks of it (liens.accounts.backends).
    "liens.accounts.backends.ModelBackend",
    "liens.accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
# Sign-up asks only first name, email, one password, postcode and an optional phone (the
# extra fields live in volunteers.forms.SignupForm); the rest comes in the profile wizard.
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_ADAPTER = "volunteers.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "volunteers.forms.SignupForm"}
# The verification link confirms on opening (no second tap) and lands in the profile wizard,
# signed in: allauth does this for the browser that signed up; volunteers.email_link does it on
# any browser (a mail app's) while the link is fresh (an hour) and unused, for accounts that need
# nothing more than a password. Later, up to EXPIRE_DAYS, it only confirms.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
# Subjects name Liens themselves (templates/account/email/), not the site's host.
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

# --- Accounts: credential doors, two-factor authentication, sessions, API tokens -----------
# The rules live in liens/accounts/ (policy.py says who needs what).
# One rate limiter for every door: allauth's, kept in the shared cache (Redis in production,
# see CACHES) so it holds across web workers. The sign-in form, the admin (which signs in
# through that form) and the API token endpoint all count failures per address with
# "login_failed": the 6th wrong password within 5 minutes is refused, right or not.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    # The public referral form behind a partner's link (missions.referrals.views.refer).
    "referral": "10/m/ip,60/h/ip",
}
# The per-IP limits need the client's address: behind the TLS proxy (see README), set
# TRUSTED_PROXY_COUNT=1 so it is read from X-Forwarded-For rather than being the proxy's own.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Two-factor authentication: an authenticator app (TOTP) and recovery codes, offered to all,
# required of platform admins and association managers (liens.accounts.policy).
MFA_ADAPTER = "liens.accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Liens"
# Volunteers keep a long session (Django's SESSION_COOKIE_AGE, "remember me" on the form); staff
# (platform admins, association members) get one that ends this long after signing in, whatever
# they ticked.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_DAYS", "14")) * 24 * 3600
LIENS_STAFF_SESSION_AGE = timedelta(hours=int(os.environ.get("LIENS_STAFF_SESSION_HOURS", "12")))
# API tokens die after this many days, on revocation, and with a password change.
LIENS_API_TOKEN_AGE = timedelta(days=int(os.environ.get("LIENS_API_TOKEN_DAYS", "30")))
# The Django admin lives here rather than at the well-known /admin/ (no trailing slash needed).
ADMIN_URL = os.environ.get("ADMIN_URL", "gestion/").strip("/") + "/"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            # Tests and local runs skip the manifest so no collectstatic is needed first.
            if DEBUG or not env_bool("STATIC_MANIFEST", True)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Redis: broker and cache ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Django's Redis backend, building its client once rather than per command (liens.lib.cache).
    CACHES = {"default": {"BACKEND": "liens.lib.cache.RedisCache", "LOCATION": REDIS_URL}}
    # Every signed-in page reads its session: from Redis rather than a database query
    # (liens.sessions: the database stays the record, and each read checks the session's end).
    # Only with a cache all the web workers share: with each process's own memory, a sign-out in
    # one would leave the session alive in the others.
    SESSION_ENGINE = "liens.sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------------
# Redis when REDIS_URL is set; otherwise kombu's filesystem transport, a real broker that needs
# no server, so the default run has a real worker and beat rather than eager mode.
CELERY_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
        # Its exchange tables; kombu's default is a "control" folder in the working directory.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Each worker process reserves one message at a time: a message prefetched by a process busy
# with a long job would wait behind it while another worker of its queue stands idle, and the
# messages a worker had reserved when it died wait for the broker's visibility timeout.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every tasks module, the queues and routes, and the periodic schedule: fixed data, each
# reviewed as a whole there.
CELERY_IMPORTS = settings_celery.CELERY_IMPORTS
LIENS_QUEUES = settings_celery.LIENS_QUEUES
CELERY_TASK_DEFAULT_QUEUE = settings_celery.CELERY_TASK_DEFAULT_QUEUE
CELERY_TASK_ROUTES = settings_celery.CELERY_TASK_ROUTES
CELERY_BEAT_SCHEDULE = settings_celery.CELERY_BEAT_SCHEDULE
# Integration tests only: every interval of the schedule (not the times of day of the crontab
# entries) divided by this, so tests/deploy runs the real schedule in seconds. Never in production.
LIENS_BEAT_SPEEDUP = float(os.environ.get("LIENS_BEAT_SPEEDUP", "1"))
if LIENS_BEAT_SPEEDUP != 1:
    CELERY_BEAT_SCHEDULE = settings_celery.schedule_sped_up(CELERY_BEAT_SCHEDULE, LIENS_BEAT_SPEEDUP)
# With Redis, beat may run on several machines: one holds a lock in Redis and schedules, the
# others stand by (liens/beat.py). The embedded broker is one machine's, with one beat.
if REDIS_URL:
    CELERY_BEAT_SCHEDULER = "liens.beat:LockedScheduler"

# --- Retention of personal data ---------------------------------------------------------------
# One home for every period: the retention jobs (liens.services, missions.privacy.retention)
# and the processing register shown to managers (missions.privacy.register) read these.
# Who saw a person's private details: kept 12 months, then deleted.
LIENS_RETENTION_ACCESS_LOG = timedelta(days=365)
# The text of messages already sent (or given up): kept 90 days, then emptied.
LIENS_RETENTION_SENT_NOTIFICATIONS = timedelta(days=90)
# An uploaded import file and its parsed rows: kept 30 days, then deleted.
LIENS_RETENTION_IMPORT_FILES = timedelta(days=30)
# A person no longer followed: identifying data erased 2 years after their last contact.
LIENS_RETENTION_ENDED_BENEFICIARY = timedelta(days=730)

# How stale the heartbeat may be before /healthz reports the job loop as down.
HEARTBEAT_MAX_AGE = timedelta(minutes=3)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "liens.accounts.tokens.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # liens/api.py: bounded bodies and pages, DomainError as 400, error answers in the schema.
    "DEFAULT_SCHEMA_CLASS": "liens.api_schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "liens.api.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "liens.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "liens.api.JSONParser",
        "liens.api.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_METADATA_CLASS": "liens.api.Metadata",
}
# Request bodies (JSON, forms) up to 1 MB; files uploaded in a multipart form (imports) are not
# counted here and have their own limit, LIENS_IMPORT_MAX_BYTES.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
SPECTACULAR_SETTINGS = {
    "TITLE": "Liens API",
    "DESCRIPTION": "Volunteers, associations, visits and isolation alerts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set shared by several fields, so the schema (and check --deploy,
    # which builds it) has no naming collision.
    "ENUM_NAME_OVERRIDES": {
        "AlertKindEnum": "missions.models.IsolationAlert.Kind",
        "BeneficiaryStatusEnum": "missions.models.Beneficiary.Status",
        "LanguageEnum": "liens.choices.Language",
        "VisitKindEnum": "liens.choices.VisitKind",
        # The channels a person chooses per group of messages (liens.accounts.notifications).
        "NotificationChannelEnum": ["email", "sms", "push"],
        "ReferralStatusEnum": "missions.models.Referral.Status",
        "OrganisationKindEnum": "missions.models.Association.Kind",
        "PartnerKindEnum": "missions.models.Partner.Kind",
    },
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Liens <ne-pas-repondre@liens.example>")

# --- Security headers, HTTPS and caching -----------------------------------------------------
# Production defaults are the secure ones; `make test` serves plain http and turns the HTTPS
# parts off with SECURE_COOKIES=0 (and SECURE_SSL_REDIRECT=0, which follows it by default).
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", env_bool("SECURE_COOKIES", True))
    # Load balancers and monitors probe the health endpoint over plain http inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # Sent on HTTPS answers only. One year, subdomains and preload are what browsers' preload
    # lists ask for; a first deployment unsure of its TLS set-up may start lower (e.g. 3600).
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Content-Security-Policy and Permissions-Policy: fixed data, in liens/settings_headers.py.
CONTENT_SECURITY_POLICY = settings_headers.CONTENT_SECURITY_POLICY
PERMISSIONS_POLICY = settings_headers.PERMISSIONS_POLICY

# Answers under these paths may hold private details whoever asks (a token authenticates
# there): liens.middleware.PrivateNoStoreMiddleware forbids caching them, like every answer to
# a signed-in user.
PRIVATE_PATH_PREFIXES = ("/api/",)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Domain defaults ------------------------------------------------------------------------
LIENS_DEFAULT_CONTACT_TARGET_DAYS = 7
LIENS_DEFAULT_CONTACT_GRACE_DAYS = 2

# --- Volunteers -----------------------------------------------------------------------------
# "offline": postcode centroids shipped with the code; "ban": the French national address API.
GEOCODER = os.environ.get("GEOCODER", "offline")
GEOCODER_BAN_URL = os.environ.get("GEOCODER_BAN_URL", "https://api-adresse.data.gouv.fr/search/")
GEOCODER_TIMEOUT = float(os.environ.get("GEOCODER_TIMEOUT", "3"))
# Shown on the report confirmation page when an urgent concern is flagged.
LIENS_EMERGENCY_NUMBERS = [
    ("15", _("SAMU: medical emergency")),
    ("112", _("European emergency number")),
    ("3977", _("Abuse of older people: listening line")),
    ("3114", _("Suicide prevention line")),
]

# --- Associations ---------------------------------------------------------------------------
# Assessment thresholds: UCLA-3 at or above this counts as lonely; LSNS-6 below this as isolated.
LIENS_UCLA3_LONELY_FROM = int(os.environ.get("LIENS_UCLA3_LONELY_FROM", "6"))
LIENS_LSNS6_ISOLATED_BELOW = int(os.environ.get("LIENS_LSNS6_ISOLATED_BELOW", "12"))
# Reassessment (missions.outcomes.schedule): due 3 and 6 months after a person's first
# assessment, then every 6 months; shown as due this many days before the date, and an
# assessment taken that many days early counts for it.
LIENS_REASSESSMENT_WINDOW_DAYS = int(os.environ.get("LIENS_REASSESSMENT_WINDOW_DAYS", "14"))
# How long a staff invitation link stays valid.
LIENS_INVITATION_DAYS = 14
# Beneficiary imports: the largest file accepted and its most rows (a département's whole
# list: 100,000 people in about 16 MB of CSV), and up to how many rows it is checked at once in
# the request; larger files are checked by a Celery task while the page shows progress. Files
# are read, checked and written a row at a time, so the worker's memory follows the file's
# size, not its rows (`manage.py benchmark import`).
LIENS_IMPORT_MAX_BYTES = 32 * 1024 * 1024
LIENS_IMPORT_MAX_ROWS = 100_000
LIENS_IMPORT_SYNC_ROWS = 200

# --- Isolation alerts -----------------------------------------------------------------------
# No-contact severity: late past target + grace, overdue past OVERDUE x target, critical past
# CRITICAL x target, all counted from the last contact.
LIENS_ALERT_OVERDUE_FACTOR = int(os.environ.get("LIENS_ALERT_OVERDUE_FACTOR", "2"))
LIENS_ALERT_CRITICAL_FACTOR = int(os.environ.get("LIENS_ALERT_CRITICAL_FACTOR", "3"))
# An alert nobody acknowledges within this delay is escalated (coordinators again, then managers).
LIENS_ALERT_ACK_DELAY = timedelta(hours=int(os.environ.get("LIENS_ALERT_ACK_DELAY_HOURS", "24")))
LIENS_ALERT_URGENT_ACK_DELAY = timedelta(hours=int(os.environ.get("LIENS_ALERT_URGENT_ACK_DELAY_HOURS", "1")))
# Beneficiaries claimed per sweep transaction; a row that fails is looked at again this much later.
LIENS_SWEEP_BATCH = int(os.environ.get("LIENS_SWEEP_BATCH", "5000"))
LIENS_SWEEP_RETRY_DELAY = timedelta(hours=1)

# --- Outbox, reminders and visits -----------------------------------------------------------
# The site's public address, for links in emails and text messages ("I can't come", reports).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Email in production goes through django-anymail (pinned in requirements.txt), e.g.
#   EMAIL_BACKEND=anymail.backends.brevo.EmailBackend  with  ANYMAIL = {"BREVO_API_KEY": ...}
# (or .mailjet, .scaleway, .amazon_ses ...). Any Django email backend works: SMTP by default.
ANYMAIL = {key[len("ANYMAIL_") :]: value for key, value in os.environ.items() if key.startswith("ANYMAIL_")}

# SMS: "liens.outbox.channels.ConsoleSmsBackend" (prints), "...FileSmsBackend" (JSON lines in
# SMS_FILE_PATH) or "...HttpSmsBackend" (a provider's JSON API with a bearer token).
SMS_BACKEND = os.environ.get(
    "SMS_BACKEND",
    "liens.outbox.channels.ConsoleSmsBackend" if DEBUG else "liens.outbox.channels.FileSmsBackend",
)
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(VAR_DIR / "sms" / "outbox.jsonl"))
SMS_API_URL = os.environ.get("SMS_API_URL", "https://api.smsfactor.com/send")
SMS_API_TOKEN = os.environ.get("SMS_API_TOKEN", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "Liens")
SMS_API_TIMEOUT = float(os.environ.get("SMS_API_TIMEOUT", "10"))

# Web push: a VAPID key pair (`manage.py vapid_keys` prints one) and a contact for the push
# services (a mailto: or https: address). Without both keys, push is not offered and not sent.
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:contact@liens.invalid")
# How long a push service keeps a message for a phone that is off (a row's expiry shortens it).
PUSH_TTL_SECONDS = int(os.environ.get("PUSH_TTL_SECONDS", str(24 * 3600)))
PUSH_TIMEOUT = 10
# Browsers' push services are HTTPS; a subscription naming another scheme is refused, so the
# site never posts to an address a user typed. Tests add "http" for their loopback service.
PUSH_ENDPOINT_SCHEMES = ("https",)

# Which class sends each channel. OUTBOX_CHANNEL_OVERRIDE replaces them all (integration tests
# and benchmarks only, e.g. liens.outbox.channels.RecordingChannel).
OUTBOX_CHANNELS = {
    "email": "liens.outbox.channels.EmailChannel",
    "sms": "liens.outbox.channels.SmsChannel",
    "push": "liens.outbox.channels.PushChannel",
}
if os.environ.get("OUTBOX_CHANNEL_OVERRIDE"):
    OUTBOX_CHANNELS = dict.fromkeys(OUTBOX_CHANNELS, os.environ["OUTBOX_CHANNEL_OVERRIDE"])
OUTBOX_RECORDING_KEY = os.environ.get("OUTBOX_RECORDING_KEY", "liens:outbox:recorded")
OUTBOX_RECORDING_REDIS_URL = os.environ.get("OUTBOX_RECORDING_REDIS_URL", REDIS_URL)
OUTBOX_RECORDING_DELAY = float(os.environ.get("OUTBOX_RECORDING_DELAY", "0"))
OUTBOX_BATCH_SIZE = int(os.environ.get("OUTBOX_BATCH_SIZE", "200"))
OUTBOX_MAX_ATTEMPTS = 5
OUTBOX_RETRY_BASE_SECONDS = 60  # then 2, 4, 8 minutes...
OUTBOX_RETRY_MAX_SECONDS = 3600
# A row "sending" for longer than this is taken as abandoned by a dead dispatcher. It must stay
# well above CELERY_TASK_TIME_LIMIT, so a slow but living dispatcher is never raced.
OUTBOX_STUCK_AFTER_SECONDS = int(os.environ.get("OUTBOX_STUCK_AFTER_SECONDS", str(15 * 60)))
OUTBOX_SENT_FLUSH_SECONDS = 0.05
# Provider calls one dispatcher has in flight at once, per channel (worker threads; 1 sends in
# the dispatcher's own thread). Providers answer in 50-300 ms, so 20 make 65-400 messages/s each.
OUTBOX_CONCURRENCY = {
    "email": int(os.environ.get("OUTBOX_EMAIL_CONCURRENCY", "20")),
    "sms": int(os.environ.get("OUTBOX_SMS_CONCURRENCY", "20")),
    "push": int(os.environ.get("OUTBOX_PUSH_CONCURRENCY", "20")),
}
# One dispatch run stops taking new batches after this, so runs do not pile up behind beat.
OUTBOX_DISPATCH_TIME_BUDGET = 50
# No SMS or push between these local times unless urgent (a volunteer's own quiet hours take precedence).
OUTBOX_QUIET_HOURS = (time(21, 0), time(8, 0))
# Named relevance checks the dispatcher runs on a batch before sending (payload["guard"]).
OUTBOX_GUARDS = {
    "visit_scheduled": "missions.visits.selectors.visits_still_scheduled",
    "conversation_unread": "missions.conversations.selectors.conversations_still_unread",
}
# Who may vet volunteers: the demand side's one rule (staff of a validated association, never on
# their own profile), asked by volunteers.vetting without importing missions.
LIENS_VETTING_RULE = "missions.scoping.vetting_refusal"
# What a volunteer's pause and departure mean for their matches, called by volunteers.services
# inside the same transaction: the demand side's functions, named here so that `volunteers`
# never imports `missions` (dependencies point missions -> volunteers -> liens).
LIENS_VOLUNTEER_PAUSED = "missions.matching.services.cover_propose_for_pause"
LIENS_VOLUNTEER_LEAVING = "missions.volunteer.services.volunteer_matches_end"
# A volunteer's own quiet hours: the outbox (liens) asks the profile that holds them
# (volunteers) through this, rather than reading its fields. (How a person wants to be reached
# is liens' own: User.notify_channels.)
OUTBOX_QUIET_WINDOWS = "volunteers.selectors.quiet_windows"

# Reminder plan, in the association's local time; an association overrides any of these in
# Association.preferences["reminders"] with the same names in lower case, without the prefix.
LIENS_REMINDER_EVENING_HOUR = 18
LIENS_REMINDER_BEFORE_HOURS = 2
LIENS_REPORT_NUDGE_AFTER_HOURS = 2
LIENS_REPORT_NUDGE_MORNING_HOUR = 9
LIENS_REPORT_UNCONFIRMED_AFTER_HOURS = 48
LIENS_VISITS_AHEAD_WEEKS = 4
# How long a one-tap "I can't come" link stays valid at most (it also dies when the visit starts).
LIENS_CANT_COME_LINK_DAYS = 35
# An open mission still short of volunteers after this many days shows in the coordinators' digest.
LIENS_UNFILLED_AFTER_DAYS = 7

# --- Matching -------------------------------------------------------------------------------
# Default weights of the score's named parts; an association overrides any of them in
# Association.preferences["matching_weights"] (same names, numbers >= 0).
LIENS_MATCHING_WEIGHTS = {
    "distance": 0.30,
    "interests": 0.20,
    "slack": 0.10,
    "continuity": 0.20,
    "load": 0.10,
    "reliability": 0.10,
}
# The farthest the engine looks: travel radii are capped at this, and it is the reach of phone
# calls and group events (people are matched locally even when nobody travels). It also sizes
# the indexed latitude/longitude box of the suggestion queries.
LIENS_MATCHING_MAX_RADIUS_KM = float(os.environ.get("LIENS_MATCHING_MAX_RADIUS_KM", "20"))
# Reviews of an active match: a first one this many weeks after the start, then every N months.
LIENS_MATCH_FIRST_REVIEW_WEEKS = 6
LIENS_MATCH_REVIEW_EVERY_MONTHS = 3
# A proposal nobody answered in this many days expires (and the mission is offered again).
LIENS_PROPOSAL_EXPIRY_DAYS = 10
# Batch proposals keep each mission's best N candidates per open place (plus greedy's picks)
# before solving: the exact solver stays fast on a dense city and never does worse than greedy.
LIENS_MATCHING_BATCH_CANDIDATES_PER_PLACE = 10
# Calls and group events look at this many of the nearest volunteers free at that time (plus
# everyone who already knows the person), rather than at everyone within the horizon.
LIENS_MATCHING_REMOTE_CANDIDATES = 100
