"""Configuration classes. The environment is read here and nowhere else."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEV_SECRET = "dev-not-secret"  # noqa: S105 - refused in production


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _normalise_db_url(url: str) -> str:
    """Heroku-style ``postgres://`` URLs and bare ``postgresql://`` both mean psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY = _env("SECRET_KEY", DEV_SECRET)
    #: Earlier secret keys, comma-separated, still accepted for sessions while a new
    #: SECRET_KEY takes over (README, "Security and operations").
    SECRET_KEY_FALLBACKS = [k for k in (_env("SECRET_KEY_FALLBACKS") or "").split(",") if k]
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(
        _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'engage.db'}")
    )
    #: Statement parameters stay out of error messages and logs: they hold residents'
    #: answers and message bodies.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}
    # Keys for residents' phone numbers: an HMAC key for matching and a Fernet key
    # for the numbers kept with consent. Derived from SECRET_KEY when unset (dev only).
    PHONE_HASH_KEY = _env("PHONE_HASH_KEY")
    PHONE_ENCRYPTION_KEY = _env("PHONE_ENCRYPTION_KEY")
    DEFAULT_REGION = _env("ENGAGE_DEFAULT_REGION", "US")
    CITY_NAME = _env("ENGAGE_CITY_NAME", "Our City")
    CITY_TIMEZONE = _env("ENGAGE_TIMEZONE", "America/Los_Angeles")
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL")
    # Twilio: with no credentials the console backend is used (and the staff simulator).
    TWILIO_ACCOUNT_SID = _env("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = _env("TWILIO_AUTH_TOKEN")
    TWILIO_MESSAGING_SERVICE_SID = _env("TWILIO_MESSAGING_SERVICE_SID")
    TWILIO_FROM_NUMBER = _env("TWILIO_FROM_NUMBER")
    #: Where the REST client sends (tests point it at a fake Twilio on 127.0.0.1).
    TWILIO_API_BASE_URL = _env("TWILIO_API_BASE_URL")
    SMS_PROGRAM_NAME = _env("ENGAGE_SMS_PROGRAM_NAME")  # defaults to the city's name
    SMS_MAX_MISSES = 3
    VOICE_MAX_MISSES = 3
    #: Speech recognised with less confidence than this is asked again.
    VOICE_MIN_CONFIDENCE = 0.4
    VOICE_RECORD_SECONDS = 120
    # -- outreach --------------------------------------------------------------------
    #: The task queue: a redis:// URL, or a SQLite file (default instance/queue.sqlite3).
    QUEUE_URL = _env("ENGAGE_QUEUE_URL")
    #: The sender's pace in message parts per second (US long code 1, toll-free 3,
    #: short code 100); 0 means no limit.
    SMS_SENDER_PER_SECOND = float(_env("ENGAGE_SMS_PER_SECOND") or 1)
    #: Quiet hours (city time) for texts outside campaigns, e.g. close-the-loop updates.
    OUTREACH_QUIET_START = _env("ENGAGE_QUIET_START", "21:00")
    OUTREACH_QUIET_END = _env("ENGAGE_QUIET_END", "08:00")
    #: A text claimed or being sent this long ago belongs to a worker that died (the
    #: API call times out well before).
    OUTREACH_STALE_SECONDS = int(_env("ENGAGE_OUTREACH_STALE_SECONDS") or 120)
    #: US dollars per message part, for the cost estimates staff see.
    SMS_PRICE_PER_PART = float(_env("ENGAGE_SMS_PRICE_PER_PART") or 0.0083)
    #: A finding with no action after this many days is overdue on the dashboards.
    PLANS_RESPONSE_DAYS = int(_env("ENGAGE_PLANS_RESPONSE_DAYS") or 30)
    MAX_CONTENT_LENGTH = 256 * 1024
    MAX_FORM_MEMORY_SIZE = 64 * 1024
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    UI_LOCALES = ("en", "es", "vi", "tl", "zh_Hans", "ar")
    WTF_CSRF_TIME_LIMIT = None  # a resident may take a long time over one page
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    RATELIMIT_STORAGE_URI = _env("REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    #: Redis down: count in each worker's memory until it is back, rather than refuse sign-in.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    #: Refused sign-ins allowed for one account from one address, and from one address
    #: whatever the account (an office behind one NAT shares it).
    LOGIN_RATE_LIMIT = _env("ENGAGE_LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    LOGIN_ADDRESS_LIMIT = _env("ENGAGE_LOGIN_ADDRESS_LIMIT", "30 per minute;300 per hour")
    #: How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (0: none; then
    #: those headers are ignored, as anyone can send them).
    PROXY_HOPS = int(_env("ENGAGE_PROXY_HOPS") or 0)
    #: A staff sign-in lasts this long, however busy: a session left open on a shared
    #: computer ends the same day.
    STAFF_SESSION_HOURS = int(_env("ENGAGE_STAFF_SESSION_HOURS") or 12)
    SUPPRESSION_THRESHOLD = int(_env("ENGAGE_SUPPRESSION_THRESHOLD", "10") or 10)
    PRODUCTION = False


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(
        _env("ENGAGE_TEST_DATABASE_URL", "sqlite:///" + str(INSTANCE_DIR / "test.db"))
    )
    RATELIMIT_STORAGE_URI = "memory://"
    PHONE_HASH_KEY = "test-phone-hash-key"
    TWILIO_AUTH_TOKEN = "test-auth-token"  # noqa: S105 - webhooks are signed with it in tests
    PUBLIC_BASE_URL = "https://engage.example.gov"


class ProductionConfig(Config):
    PRODUCTION = True
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the config class named by ENGAGE_ENV (default: development)."""
    return CONFIGS[_env("ENGAGE_ENV", "development")]
