"""One frozen settings object, read from the environment once."""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if not raw:
        return default
    return raw.lower() in {"1", "true", "yes", "on"}


def _persistent_secret(data_dir: Path) -> str:
    """A secret kept beside the embedded database, so portal sessions survive a restart."""
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        path.write_text(value)
        path.chmod(0o600)
        return value


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    data_dir: Path = Path(".data")
    secret_key: str = ""
    store_name: str = "Demo Store"
    store_timezone: str = "UTC"
    shopify_webhook_secret: str = ""
    portal_session_ttl_minutes: int = 120
    lookup_failures_allowed: int = 5
    lookup_failure_window_seconds: int = 900
    lookup_requests_per_minute: int = 60  # flood guard on the sign-in lookup, per client
    max_body_bytes: int = 1_000_000
    db_pool_min: int = 1
    db_pool_max: int = 10
    log_level: str = "INFO"
    public_url: str = "http://127.0.0.1:8000"
    mail_from: str = "returns@store.example"
    mail_drop_dir: Path = Path(".data/mail")
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_tls: str = "starttls"  # starttls | tls | none
    carrier: str = "concierge-post"
    carrier_secrets: tuple[tuple[str, str], ...] = ()  # (carrier, webhook secret)
    warehouse_address: str = ""  # JSON: name, line1, line2, city, region, postal_code, country
    payments: str = "manual"  # manual | stripe
    stripe_api_key: str = ""
    follow_up_days: int = 3  # after a replacement is delivered: "did it fit?"
    auto_close_days: int = 14  # a resolved case closes by itself after this
    expire_after_days: int = 30  # an approved return never sent expires after this
    run_worker: bool = True  # the outbox worker also runs inside `serve`
    bench: bool = False  # mounts the raw-asyncpg ceiling endpoint for bench/
    worker_interval_seconds: float = 2.0
    # How long a claimed outbox message waits before another worker may retry it (its worker
    # may have died mid-delivery); must exceed the time to deliver one batch.
    outbox_lock_seconds: int = 120
    # How often `serve` and `worker` check that the embedded PostgreSQL still runs.
    embedded_check_seconds: float = 2.0

    @property
    def postgres_dir(self) -> Path:
        return self.data_dir / "postgres"

    def knows_carrier(self, carrier: str) -> bool:
        """The configured label carrier, and any carrier given a webhook secret."""
        return carrier == self.carrier or any(name == carrier for name, _ in self.carrier_secrets)

    def carrier_secret(self, carrier: str) -> str:
        """The webhook secret of a carrier; without one configured, a secret derived from the
        service's own key (so the built-in carrier works out of the box)."""
        for name, secret in self.carrier_secrets:
            if name == carrier:
                return secret
        return hmac.new(
            self.secret_key.encode(), f"carrier:{carrier}".encode(), "sha256"
        ).hexdigest()

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(_env("RETURNS_DATA_DIR", ".data")).resolve()
        return cls(
            database_url=_env("DATABASE_URL"),
            data_dir=data_dir,
            secret_key=_env("RETURNS_SECRET_KEY") or _persistent_secret(data_dir),
            store_name=_env("RETURNS_STORE_NAME", "Demo Store"),
            store_timezone=_env("RETURNS_STORE_TIMEZONE", "UTC"),
            shopify_webhook_secret=_env("SHOPIFY_WEBHOOK_SECRET"),
            portal_session_ttl_minutes=int(_env("RETURNS_PORTAL_SESSION_TTL_MINUTES", "120")),
            lookup_failures_allowed=int(_env("RETURNS_LOOKUP_FAILURES_ALLOWED", "5")),
            lookup_failure_window_seconds=int(_env("RETURNS_LOOKUP_FAILURE_WINDOW_SECONDS", "900")),
            lookup_requests_per_minute=int(_env("RETURNS_LOOKUP_REQUESTS_PER_MINUTE", "60")),
            max_body_bytes=int(_env("RETURNS_MAX_BODY_BYTES", "1000000")),
            db_pool_min=int(_env("RETURNS_DB_POOL_MIN", "1")),
            db_pool_max=int(_env("RETURNS_DB_POOL_MAX", "10")),
            log_level=_env("RETURNS_LOG_LEVEL", "INFO"),
            public_url=_env("RETURNS_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            mail_from=_env("RETURNS_MAIL_FROM", "returns@store.example"),
            mail_drop_dir=Path(_env("RETURNS_MAIL_DROP_DIR") or data_dir / "mail").resolve(),
            smtp_host=_env("RETURNS_SMTP_HOST"),
            smtp_port=int(_env("RETURNS_SMTP_PORT", "587")),
            smtp_username=_env("RETURNS_SMTP_USERNAME"),
            smtp_password=_env("RETURNS_SMTP_PASSWORD"),
            smtp_tls=_env("RETURNS_SMTP_TLS", "starttls").lower(),
            carrier=_env("RETURNS_CARRIER", "concierge-post"),
            carrier_secrets=tuple(
                (name.strip(), secret.strip())
                for name, _, secret in (
                    pair.partition("=") for pair in _env("RETURNS_CARRIER_SECRETS").split(",")
                )
                if name.strip() and secret.strip()
            ),
            warehouse_address=_env("RETURNS_WAREHOUSE_ADDRESS"),
            payments=_env("RETURNS_PAYMENTS", "manual"),
            stripe_api_key=_env("RETURNS_STRIPE_API_KEY"),
            follow_up_days=int(_env("RETURNS_FOLLOW_UP_DAYS", "3")),
            auto_close_days=int(_env("RETURNS_AUTO_CLOSE_DAYS", "14")),
            expire_after_days=int(_env("RETURNS_EXPIRE_AFTER_DAYS", "30")),
            run_worker=_env_bool("RETURNS_RUN_WORKER", True),
            bench=_env_bool("RETURNS_BENCH", False),
            worker_interval_seconds=float(_env("RETURNS_WORKER_INTERVAL_SECONDS", "2")),
            embedded_check_seconds=float(_env("RETURNS_EMBEDDED_CHECK_SECONDS", "2")),
            outbox_lock_seconds=int(_env("RETURNS_OUTBOX_LOCK_SECONDS", "120")),
        )
