"""Configuration classes, chosen by name in ``create_app`` or by ``WAREHOUSE_CONFIG``."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def database_url(value: str | None) -> str | None:
    """Normalise a database URL: hosting platforms still hand out ``postgres://``."""
    if not value:
        return value
    if value.startswith("postgres://"):
        value = "postgresql://" + value[len("postgres://"):]
    if value.startswith("postgresql://"):
        # psycopg 3 is the driver we install; SQLAlchemy would look for psycopg2.
        value = "postgresql+psycopg://" + value[len("postgresql://"):]
    return value


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL")) or (
        f"sqlite:///{INSTANCE_DIR / 'warehouse.sqlite3'}"
    )
    # No ping before every checkout (a round trip per request): after a database restart
    # SQLAlchemy sees the first broken connection, empties the pool, and the ledger posts
    # again on a fresh connection (see warehouse.stock.services.post_document).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": False}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("en", "fr")
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Sign-in throttling. Many volunteers share the warehouse's one address, so the
    # per-address limit is looser than the per-account one.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    LOGIN_LIMIT_PER_ADDRESS = "30 per minute;300 per day"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per minute;30 per day"
    PIN_LIMIT_PER_ADDRESS = "30 per minute"
    PIN_LIMIT_PER_ACCOUNT = "5 per minute;30 per day"
    TABLET_IDLE_MINUTES = int(os.environ.get("TABLET_IDLE_MINUTES", "5"))
    # Days of cover (the dashboard, the needs list, the stock sheet, the weekly report)
    # divide on-hand stock by the average daily outflow over this many days: two whole
    # weeks, so the weekly rhythm of collections evens out, and short enough that the
    # first cold snap or eviction wave shows within days.
    COVER_WINDOW_DAYS = int(os.environ.get("COVER_WINDOW_DAYS", "14"))
    # Without a mail server, messages (password links, invitations) go to the log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") == "1"
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "warehouse@localhost")


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL")) or "sqlite://"
    WTF_CSRF_ENABLED = False


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @classmethod
    def check(cls) -> None:
        """Refuse to start with a guessable secret or without a real database."""
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: "
                + ", ".join(missing)
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
