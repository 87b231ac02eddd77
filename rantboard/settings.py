"""Rantboard settings: everything comes from the environment, with safe defaults for a local run.

Debug is off unless DJANGO_DEBUG says otherwise, and with debug off the site refuses to start without
DJANGO_SECRET_KEY, so a forgotten variable fails loudly instead of running with a known key.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (production) or set DJANGO_DEBUG=1 for a local run."
        )
    # Local development only: a key that changes each start is fine for a debug server.
    SECRET_KEY = "dev-only-" + os.urandom(24).hex()
# Earlier keys, still accepted for what they signed (commenters' nic-ownership cookies, open comment forms, editors'
# sessions) while a new key takes over: docs/deployment.md, "Changing the secret key".
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not ALLOWED_HOSTS and not DEBUG:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is not set: name the host(s) the board answers to.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

SITE_NAME = os.environ.get("SITE_NAME", "Rantboard")
# Stories take comments for this many days after publication unless an editor sets another close-at time.
COMMENTS_OPEN_DAYS = int(os.environ.get("COMMENTS_OPEN_DAYS", "14"))

INSTALLED_APPS = [
    # First, so that its admin templates (rantboard/templates/admin/: the newsroom front page, the admin's own
    # stylesheet, error pages) take the place of Django's.
    "rantboard",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "articles",
    "comments",
    "search",
]

MIDDLEWARE = [
    # Response headers only: first, so that every response, the page cache's and the health check's included,
    # carries them.
    "rantboard.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before anything reads the Host or redirects to HTTPS: a load balancer's probe is answered whatever Host and
    # scheme it comes with (rantboard/health.py).
    "rantboard.health.HealthzMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous readers' cached pages and 304s, before sessions, authentication and the view (rantboard/pagecache.py).
    "rantboard.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication, which it asks whether the response is a logged-in user's.
    "rantboard.middleware.PrivateForEditorsMiddleware",
    # Last, so that it sees the views' exceptions first: a database that is away is a 503, not a 500.
    "rantboard.health.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "rantboard.urls"

TEMPLATES = [
    {
        # The public pages (templates/): Jinja2 through Django's backend, for speed (docs/decisions.md).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "rantboard.jinja2.environment",
            "context_processors": ["rantboard.context_processors.site"],
        },
    },
    {
        # The admin, the feeds and the forms' widgets: Django's own engine, templates in the apps' templates/.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

WSGI_APPLICATION = "rantboard.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=env_bool("DATABASE_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while a comment is written; IMMEDIATE takes the write lock up front so
    # two writers queue instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def redis_cache(url: str, prefix: str) -> dict:
    return {
        "BACKEND": "rantboard.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
        # A Redis that stalls must not hold every request for long: its reads and writes give up after this, and
        # the error is a miss (rantboard/cache.py).
        "OPTIONS": {
            "socket_connect_timeout": float(os.environ.get("REDIS_TIMEOUT", "0.25")),
            "socket_timeout": float(os.environ.get("REDIS_TIMEOUT", "0.25")),
        },
    }


def one_machine_caches(cache_dir: str, counters_dir: str) -> dict:
    """Without Redis: files shared by every process on the machine (gunicorn workers), unlike the per-process
    local-memory cache, so an invalidation in one worker holds in all. More than one machine needs REDIS_URL."""
    return {
        "default": {
            "BACKEND": "rantboard.cache.FileBasedCache",
            "LOCATION": cache_dir,
            # Pages are stored per version, so a busy board keeps many; Django's default of 300 culls live ones.
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "3000"))},
        },
        # Rate counters and the admin login limiter, apart from the pages, which would cull them: atomic between
        # the workers, and only expired entries are ever removed (rantboard/cache.py).
        "counters": {
            "BACKEND": "rantboard.cache.CounterFileCache",
            "LOCATION": counters_dir,
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        },
    }


REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # The counters under their own prefix, in COUNTERS_REDIS_URL when given: a Redis that never evicts
    # (maxmemory-policy noeviction), since an evicted counter lets its limit start again (docs/scaling.md).
    CACHES = {
        "default": redis_cache(REDIS_URL, "rantboard"),
        "counters": redis_cache(os.environ.get("COUNTERS_REDIS_URL", "") or REDIS_URL, "rantboard-counters"),
    }
else:
    CACHES = one_machine_caches(
        os.environ.get("CACHE_DIR", str(BASE_DIR / "var" / "cache")),
        os.environ.get("COUNTERS_DIR", str(BASE_DIR / "var" / "counters")),
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"
# Inside the admin, a failed CSRF check answers in the admin's look with a way back (rantboard/errors.py).
CSRF_FAILURE_VIEW = "rantboard.errors.csrf_failure"

# Security. HTTPS-only settings switch on when the site says it is served over HTTPS (the default in production).
SECURE_HTTPS = env_bool("DJANGO_SECURE_HTTPS", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # the comment and admin scripts read the token from the form, never the cookie
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if SECURE_HTTPS:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    # The preload directive alone enrolls nothing: a domain joins browsers' list only when someone submits it.
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Where readers reach the board (scheme, host and port if any; no path): every absolute address the board writes
# (feeds, sitemap, robots.txt, canonical links) starts with it, never with the Host header of a request, which anyone
# can set and a cached page would pass on. Unset: the local server with debug on, else the first allowed host
# (`check --deploy` asks for it to be set).
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
if not SITE_URL:
    if DEBUG:
        SITE_URL = "http://127.0.0.1:8000"
    elif ALLOWED_HOSTS[0].startswith(".") or "*" in ALLOWED_HOSTS[0]:
        raise ImproperlyConfigured("SITE_URL is not set: give the board's address, e.g. https://board.example.com.")
    else:
        SITE_URL = f"{'https' if SECURE_HTTPS else 'http'}://{ALLOWED_HOSTS[0]}"
_site = urlsplit(SITE_URL)
if _site.scheme not in ("http", "https") or not _site.netloc or _site.path or _site.query or _site.fragment:
    raise ImproperlyConfigured(f"SITE_URL must be http(s)://host[:port] with nothing after it, not {SITE_URL!r}.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Close every story to comments at once (an emergency switch); per-story closing is an editor's admin action.
COMMENTS_CLOSED_SITEWIDE = env_bool("COMMENTS_CLOSED_SITEWIDE", False)

# The comment form's defences (docs/security.md). Rate limits are (posts, seconds) windows, each applied per IP
# address and per nic; the benchmark raises them through these variables.
COMMENT_MIN_SECONDS = float(os.environ.get("COMMENT_MIN_SECONDS", "3"))
COMMENT_FORM_MAX_AGE = int(os.environ.get("COMMENT_FORM_MAX_AGE", str(6 * 60 * 60)))
COMMENT_RATE_LIMITS = [
    (int(os.environ.get("COMMENT_RATE_PER_MINUTE", "6")), 60),
    (int(os.environ.get("COMMENT_RATE_PER_HOUR", "60")), 60 * 60),
]
COMMENT_MAX_LINKS = int(os.environ.get("COMMENT_MAX_LINKS", "5"))
# Readers' flags on comments: at most this many per address in this many seconds.
COMMENT_FLAG_LIMIT = (int(os.environ.get("COMMENT_FLAGS_PER_HOUR", "20")), 60 * 60)
COMMENT_DUPLICATE_WINDOW = int(os.environ.get("COMMENT_DUPLICATE_WINDOW", "600"))
# How long the browser that posted a comment may edit it (while the story is open and no editor has stepped in).
COMMENT_EDIT_MINUTES = int(os.environ.get("COMMENT_EDIT_MINUTES", "10"))
# Full IP addresses are kept this long for moderation, then shortened by `manage.py truncate_ips` (run it daily).
IP_RETENTION_DAYS = int(os.environ.get("IP_RETENTION_DAYS", "30"))
# How many reverse proxies stand in front of the app (rantboard/client_ip.py); 0 = use the connection's address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ADMIN_LOGIN_ATTEMPTS = int(os.environ.get("ADMIN_LOGIN_ATTEMPTS", "5"))
ADMIN_LOGIN_WINDOW = int(os.environ.get("ADMIN_LOGIN_WINDOW", str(15 * 60)))

# Whole pages for anonymous readers are cached this long at most (rantboard/pagecache.py); every visible write
# retires them at once. 0 turns page caching off (the benchmark's "uncached" run).
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "60"))
# How many pages each app server process also keeps in its own memory (a few MB); 0 keeps none.
PAGE_CACHE_LOCAL_PAGES = int(os.environ.get("PAGE_CACHE_LOCAL_PAGES", "64"))
# A process takes the page versions it read this recently as current (a change elsewhere shows this much later to
# other readers; never to its author): the shared cache's round trip was most of a cached page's own time.
PAGE_CACHE_VERSIONS_SECONDS = float(os.environ.get("PAGE_CACHE_VERSIONS_SECONDS", "0.25"))
# While one request renders a page after a write, others asking for it wait this long at most, then render it too.
PAGE_RENDER_WAIT_SECONDS = float(os.environ.get("PAGE_RENDER_WAIT_SECONDS", "2"))
# Story views (articles.readership): each process adds its views to the database this often, so the figure on the
# story's page is this late at most (the lists': PAGE_CACHE_SECONDS more); a browser opening a story again within
# VIEW_REPEAT_SECONDS is not counted again.
VIEW_FLUSH_SECONDS = float(os.environ.get("VIEW_FLUSH_SECONDS", "20"))
VIEW_REPEAT_SECONDS = int(os.environ.get("VIEW_REPEAT_SECONDS", str(30 * 60)))
