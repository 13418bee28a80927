"""Settings, all from the environment, with safe development defaults.

IAMWIZARD_ENV          development (default) or production
DJANGO_SECRET_KEY      required in production; development keeps one in the data folder
IAMWIZARD_DATA_DIR     where SQLite, the sandbox state and the dev secret key live (./data)
DATABASE_URL           e.g. postgres://user@127.0.0.1:5432/db (default: SQLite in the data folder)
IAMWIZARD_TARGET       sandbox (default) or aws
IAMWIZARD_SANDBOX_URL  endpoint of a standalone sandbox (`manage.py sandbox`), or several, comma-separated
                       (each emulated account lives on one, see core/sandbox_endpoints.py); unset = embedded
IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY  emulated accounts the embedded sandbox keeps in memory (200)
REDIS_URL              shared cache for rate limits (default: local memory)
IAMWIZARD_TRUSTED_PROXIES  reverse proxies in front whose X-Forwarded-For is trusted (default 0)
IAMWIZARD_RATE_LIMITS  overrides of RATE_LIMITS, e.g. join-wrong-code=300/600,run-start=600/600
IAMWIZARD_RUN_IDLE_DAYS, IAMWIZARD_WORKSHOP_KEEP_DAYS, IAMWIZARD_MAX_SANDBOX_ACCOUNTS  retention (core/retention.py)
ALLOWED_HOSTS          comma separated (production)
"""
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from iamwizard.core import sandbox_endpoints as _sandbox_endpoints
from iamwizard.core import sandbox_memory as _sandbox_memory

BASE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENT = os.environ.get("IAMWIZARD_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
DATA_DIR = Path(os.environ.get("IAMWIZARD_DATA_DIR", BASE_DIR / "data"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key():
    key = os.environ.get("DJANGO_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY: production settings never invent a secret key.")
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = not PRODUCTION and os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    # django.contrib.admin with django_otp's OTPAdminSite: the admin refuses sessions not verified by TOTP.
    "iamwizard.workshops.admin_config.TrainerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "iamwizard.wizard",
    "iamwizard.workshops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "iamwizard.wizard.middleware.SecurityHeadersMiddleware",
    "iamwizard.wizard.middleware.RejectControlCharactersMiddleware",
    "iamwizard.wizard.middleware.RejectUnreadableFormsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the switch's cookie (Django's set_language), else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "iamwizard.wizard.middleware.TimeBudgetMiddleware",
]

ROOT_URLCONF = "iamwizard.urls"
WSGI_APPLICATION = "iamwizard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "iamwizard.wizard.context_processors.page_defaults",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "iamwizard.sqlite3",
            # Take the write lock when a transaction starts, so concurrent requests queue
            # instead of failing with "database is locked" half-way through.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
            # Tests get a file too, as production has: an in-memory database shares one cache
            # between connections and answers "table is locked" at once instead of queueing,
            # so concurrent requests could not be tested on it. One file per test process.
            "TEST": {"NAME": str(Path(tempfile.gettempdir()) / f"iamwizard-test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("REDIS_URL"):
    # Django's Redis cache, one Redis client per pool rather than one per operation (wizard/cache.py).
    CACHES = {"default": {"BACKEND": "iamwizard.wizard.cache.RedisCache", "LOCATION": os.environ["REDIS_URL"]}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rate-limit counters (wizard/ratelimit.py): their own cache, so they can be cleared alone;
# the same Redis as the default cache when there is one, so every worker counts together.
CACHES["ratelimit"] = {**CACHES["default"], "KEY_PREFIX": "ratelimit"} if os.environ.get("REDIS_URL") else {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
# Every rate limit of the app (wizard/ratelimit.py): name -> (how many, window in seconds).
# Limits per client address are ceilings far above a room of 200 behind one address (a NAT),
# which must never be refused, yet low enough to stop a script from that address.
RATE_LIMITS = {
    # New runs (each a new emulated account) per client address: a room starts ~250 at once.
    "run-start": (600, 600),
    # Submits per run (each may call AWS): one person never sends 300 forms in 10 minutes.
    "run-post": (300, 600),
    # Wrong join codes per client address: a room mistypes a few dozen; guessing one of
    # 31**8 codes 300 at a time is hopeless. Correct codes never count.
    "join-wrong-code": (300, 600),
    # Failed trainer sign-ins per client address (the room shares the trainer's address) ...
    "trainer-login-address": (100, 600),
    # ... and per user name, from browsers that never signed in as that trainer (see
    # workshops/services.py: the trainer's own browser is not locked by others' failures).
    "trainer-login-user": (10, 600),
}


def _rate_limits(text: str) -> dict:
    """IAMWIZARD_RATE_LIMITS="join-wrong-code=300/600,run-start=600/600" overrides some of them."""
    limits = dict(RATE_LIMITS)
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        count, _, window = value.partition("/")
        if name.strip() not in RATE_LIMITS or not count.strip().isdigit() or not window.strip().isdigit():
            raise ImproperlyConfigured(f"IAMWIZARD_RATE_LIMITS: {item!r} is not name=COUNT/SECONDS with a name among {', '.join(RATE_LIMITS)}.")
        limits[name.strip()] = (int(count), int(window))
    return limits


RATE_LIMITS = _rate_limits(os.environ.get("IAMWIZARD_RATE_LIMITS", ""))
# How many reverse proxies stand in front of the app: with N > 0 the client address is the N-th
# entry from the right of X-Forwarded-For; with 0 no header is trusted (REMOTE_ADDR).
_proxies = os.environ.get("IAMWIZARD_TRUSTED_PROXIES", "0").strip()
if not _proxies.isdigit():
    raise ImproperlyConfigured("IAMWIZARD_TRUSTED_PROXIES is how many reverse proxies stand in front of the app: 0, 1, 2...")
TRUSTED_PROXIES = int(_proxies)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Every page speaks English, Spanish or Japanese: the language switch in the footer (Django's
# set_language, remembered in a cookie) wins, then the browser's Accept-Language, then English.
# Each browser has its own: a trainer and a participant each read the wizard in theirs.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times in the active language; English keeps the wizard's 24-hour, ISO-like forms.
FORMAT_MODULE_PATH = ["iamwizard.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
# Development serves static files straight from static/; production from collectstatic's output.
WHITENOISE_USE_FINDERS = not PRODUCTION

LOGIN_URL = "/trainer/login/"
# Trainers' second factor (django-otp TOTP): the name authenticator apps show for the entry.
OTP_TOTP_ISSUER = "IAM wizard"
# How often a participant's page asks for the trainer's message (seconds).
WORKSHOP_ROOM_POLL_SECONDS = 15
WORKSHOP_MAX_PARTICIPANTS = int(os.environ.get("WORKSHOP_MAX_PARTICIPANTS", "300"))
# One "Clean up workshop" request works this long, then reports who is left (press again to go on).
WORKSHOP_CLEANUP_SECONDS = int(os.environ.get("WORKSHOP_CLEANUP_SECONDS", "20"))

# Security headers; production adds the HTTPS-only parts.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
# Every run page reads the session (it binds the browser to its runs, links.py): with a shared
# cache (REDIS_URL), from Redis, written through to the database so that a flush loses nothing. A
# per-process cache could serve one worker a session that another has changed: then the database.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if os.environ.get("REDIS_URL") else "db")
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "iamwizard.staticstorage.MinifiedManifestStaticFilesStorage"},
    }

IAMWIZARD_TARGET = os.environ.get("IAMWIZARD_TARGET", "sandbox")
if IAMWIZARD_TARGET not in ("sandbox", "aws"):
    raise ImproperlyConfigured("IAMWIZARD_TARGET must be 'sandbox' or 'aws'.")
IAMWIZARD_SANDBOX_URL = os.environ.get("IAMWIZARD_SANDBOX_URL", "")
try:
    _sandbox_endpoints.parse(IAMWIZARD_SANDBOX_URL)
except _sandbox_endpoints.EndpointsProblem as problem:
    raise ImproperlyConfigured(problem.describe()) from None
# Read by the embedded sandbox (and a standalone one started with this environment).
# Also read by a sandbox started on its own: one rule and default, core/sandbox_memory.py.
try:
    IAMWIZARD_SANDBOX_ACCOUNTS_IN_MEMORY = _sandbox_memory.accounts_in_memory_from_env(os.environ)
except ValueError as _bad:
    raise ImproperlyConfigured(str(_bad)) from None

# Retention (core/retention.py; `manage.py expire_data` removes what is due): an anonymous run
# after this many idle days, a workshop's data this many days after it closed; at most this many
# emulated accounts live at once. A bad value stops the app here, with a sentence that says why.
from iamwizard.core import retention as _retention  # noqa: E402

try:
    IAMWIZARD_RUN_IDLE_DAYS = _retention.setting(_retention.RUN_IDLE_DAYS, os.environ)
    IAMWIZARD_WORKSHOP_KEEP_DAYS = _retention.setting(_retention.WORKSHOP_KEEP_DAYS, os.environ)
    IAMWIZARD_MAX_SANDBOX_ACCOUNTS = _retention.setting(_retention.MAX_SANDBOX_ACCOUNTS, os.environ)
except _retention.BadSetting as _bad:
    raise ImproperlyConfigured(str(_bad)) from None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Resume links' keys are hidden from every line that reaches the console (request lines included).
    "filters": {"hide_url_keys": {"()": "iamwizard.core.redact.HideUrlKeys"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["hide_url_keys"]}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # runserver's request lines: through the filtered handler, not Django's own unfiltered one.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # botocore at DEBUG would print request bodies (passwords, MFA codes): keep it quiet.
        "botocore": {"level": "WARNING"},
        "werkzeug": {"level": "WARNING"},
    },
}
