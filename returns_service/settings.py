"""Settings from the environment, read once, grouped by concern.

Each setting is declared exactly once, as a field of its group: the field's default is the
default, and `env(...)` names its environment variable, how its text is parsed and what it
means. `Settings.from_env()` reads every group from that one declaration; a value that does
not parse stops the service with an error naming the variable. The README's Configuration
table lists the same variables."""

from __future__ import annotations

import dataclasses
import hmac
import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

G = TypeVar("G")
_DATA_DIR = Path(".data")


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


def _text(raw: str) -> str:
    return raw


def _integer(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"must be a whole number, got {raw!r}") from None


def _count(raw: str) -> int:
    value = _integer(raw)
    if value < 0:
        raise ValueError(f"must not be negative, got {raw!r}")
    return value


def _positive_integer(raw: str) -> int:
    value = _integer(raw)
    if value < 1:
        raise ValueError(f"must be at least 1, got {raw!r}")
    return value


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"must be a number of seconds, got {raw!r}") from None
    if not value > 0:  # also refuses nan
        raise ValueError(f"must be more than 0 seconds, got {raw!r}")
    return value


def _flag(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"must be true or false, got {raw!r}")


def _path(raw: str) -> Path:
    return Path(raw).resolve()


def _url(raw: str) -> str:
    return raw.rstrip("/")


def _colour(raw: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", raw):
        raise ValueError(f"must be a colour written #rrggbb, got {raw!r}")
    return raw.lower()


def _image_url(raw: str) -> str:
    # an email client fetches the logo itself: only an absolute web address can work there
    if not re.fullmatch(r"https?://[^\s\"'<>]+", raw):
        raise ValueError(f"must be an http(s) address, got {raw!r}")
    return raw


def _http_url(raw: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", raw):
        raise ValueError(f"must be an http(s) address, got {raw!r}")
    return raw.rstrip("/")


def _bucket(raw: str) -> str:
    # S3's own rules are stricter; this keeps out what can never be a bucket (a path, a URL)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]", raw):
        raise ValueError(f"must be a bucket name, got {raw!r}")
    return raw


def _one_of(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        lowered = raw.lower()
        if lowered not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {raw!r}")
        return lowered

    return parse


def _networks(raw: str) -> tuple[str, ...]:
    """Comma-separated addresses or networks (`10.0.0.5`, `10.0.0.0/8`, `::1`), checked now."""
    found = tuple(part.strip() for part in raw.split(",") if part.strip())
    for part in found:
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ValueError(f"must list addresses or networks, got {part!r}") from None
    return found


def _origins(raw: str) -> tuple[str, ...]:
    """Comma-separated origins (`https://shop.example.com`, `http://127.0.0.1:3000`): a
    scheme and a host, no path; `*` in the host matches any part of it."""
    found = tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())
    for part in found:
        scheme, sep, host = part.partition("://")
        if scheme not in ("http", "https") or not sep or not host or "/" in host:
            raise ValueError(f"must list origins like https://shop.example.com, got {part!r}")
    return found


def _carrier_secrets(raw: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name.strip(), secret.strip())
        for name, _, secret in (pair.partition("=") for pair in raw.split(","))
        if name.strip() and secret.strip()
    )


def env(
    name: str,
    default: Any,
    parse: Callable[[str], Any] = _text,
    doc: str = "",
    secret: bool = False,
) -> Any:
    """A field read from the environment variable `name`; unset or blank means `default`.
    A secret is left out of the settings' repr, so it never reaches a log line."""
    return field(
        default=default, repr=not secret, metadata={"env": name, "parse": parse, "doc": doc}
    )


def _read(group: type[G], environ: Mapping[str, str], derived: Mapping[str, Any]) -> G:
    """One group from the environment; `derived` holds defaults computed from other groups."""
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(group):  # type: ignore[arg-type]
        raw = environ.get(spec.metadata["env"], "").strip()
        if not raw:
            if spec.name in derived:
                values[spec.name] = derived[spec.name]
            continue
        try:
            values[spec.name] = spec.metadata["parse"](raw)
        except ValueError as error:
            raise SettingsError(f"{spec.metadata['env']} {error}") from None
    return group(**values)


def variables() -> dict[str, str]:
    """Every environment variable the service reads, with what it means."""
    return {
        spec.metadata["env"]: spec.metadata["doc"]
        for group in GROUPS
        for spec in dataclasses.fields(group)
    }


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = env("DATABASE_URL", "", doc="a PostgreSQL URL; unset means the embedded server")
    data_dir: Path = env(  # noqa: RUF009 (a Path is immutable)
        "RETURNS_DATA_DIR", _DATA_DIR, _path, "the embedded PostgreSQL and generated secret"
    )
    pool_min: int = env("RETURNS_DB_POOL_MIN", 1, _positive_integer, "connections kept open")
    pool_max: int = env("RETURNS_DB_POOL_MAX", 10, _positive_integer, "connections at most")
    embedded_check_seconds: float = env(
        "RETURNS_EMBEDDED_CHECK_SECONDS",
        2.0,
        _seconds,
        "how often serve and worker check that the embedded PostgreSQL runs",
    )

    @property
    def postgres_dir(self) -> Path:
        return self.data_dir / "postgres"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    secret_key: str = env(
        "RETURNS_SECRET_KEY", "", doc="signs portal sessions and CSRF tokens", secret=True
    )
    public_url: str = env(
        "RETURNS_PUBLIC_URL", "http://127.0.0.1:8000", _url, "links in emails, labels and pages"
    )
    max_body_bytes: int = env(
        "RETURNS_MAX_BODY_BYTES", 1_000_000, _positive_integer, "larger bodies get 413"
    )
    log_level: str = env("RETURNS_LOG_LEVEL", "INFO", doc="one JSON line per request")
    bench: bool = env("RETURNS_BENCH", False, _flag, "mount the raw-asyncpg ceiling endpoint")
    trusted_proxies: tuple[str, ...] = env(
        "RETURNS_TRUSTED_PROXIES", (), _networks, "peers whose X-Forwarded-For is believed"
    )
    cors_origins: tuple[str, ...] = env(
        "RETURNS_CORS_ORIGINS", (), _origins, "shop origins that may call /api/v1/portal/*"
    )


@dataclass(frozen=True, slots=True)
class StoreSettings:
    name: str = env("RETURNS_STORE_NAME", "Demo Store", doc="the store made on first start")
    timezone: str = env("RETURNS_STORE_TIMEZONE", "UTC", doc="return windows count in it")
    brand_colour: str = env(
        "RETURNS_BRAND_COLOUR", "#1f2937", _colour, "emails' header and button colour, #rrggbb"
    )
    brand_logo_url: str = env(
        "RETURNS_BRAND_LOGO_URL", "", _image_url, "logo in emails; unset: the store's name"
    )
    shopify_webhook_secret: str = env(
        "SHOPIFY_WEBHOOK_SECRET", "", doc="verifies the Shopify order webhook", secret=True
    )


@dataclass(frozen=True, slots=True)
class PortalSettings:
    session_ttl_minutes: int = env(
        "RETURNS_PORTAL_SESSION_TTL_MINUTES", 120, _positive_integer, "portal session lifetime"
    )
    lookup_failures_allowed: int = env(
        "RETURNS_LOOKUP_FAILURES_ALLOWED", 5, _count, "wrong lookups before 429"
    )
    lookup_failure_window_seconds: int = env(
        "RETURNS_LOOKUP_FAILURE_WINDOW_SECONDS", 900, _positive_integer, "counted over this"
    )
    # a flood guard on the sign-in lookup, per client
    lookup_requests_per_minute: int = env(
        "RETURNS_LOOKUP_REQUESTS_PER_MINUTE", 60, _positive_integer, "sign-in lookups a minute"
    )


@dataclass(frozen=True, slots=True)
class MailSettings:
    sender: str = env("RETURNS_MAIL_FROM", "returns@store.example", doc="sender of emails")
    # unset: `mail/` in the data directory (see Settings.from_env)
    drop_dir: Path = env(  # noqa: RUF009 (a Path is immutable)
        "RETURNS_MAIL_DROP_DIR", _DATA_DIR / "mail", _path, ".eml files when no SMTP host"
    )
    smtp_host: str = env("RETURNS_SMTP_HOST", "", doc="SMTP delivery; unset: the drop dir")
    smtp_port: int = env("RETURNS_SMTP_PORT", 587, _positive_integer, "SMTP port")
    smtp_username: str = env("RETURNS_SMTP_USERNAME", "", doc="SMTP user")
    smtp_password: str = env("RETURNS_SMTP_PASSWORD", "", doc="SMTP password", secret=True)
    smtp_tls: str = env(
        "RETURNS_SMTP_TLS", "starttls", _one_of("starttls", "tls", "none"), "SMTP encryption"
    )


@dataclass(frozen=True, slots=True)
class CarrierSettings:
    name: str = env(
        "RETURNS_CARRIER",
        "builtin",
        _one_of("builtin", "concierge-post", "easypost", "shippo"),
        "who makes return labels: builtin, easypost or shippo",
    )
    easypost_api_key: str = env(
        "EASYPOST_API_KEY", "", doc="for RETURNS_CARRIER=easypost", secret=True
    )
    easypost_api_base: str = env(
        "EASYPOST_API_BASE", "https://api.easypost.com/v2", doc="EasyPost's API address"
    )
    easypost_webhook_secret: str = env(
        "EASYPOST_WEBHOOK_SECRET", "", doc="checks EasyPost's X-Hmac-Signature", secret=True
    )
    shippo_api_key: str = env("SHIPPO_API_KEY", "", doc="for RETURNS_CARRIER=shippo", secret=True)
    shippo_api_base: str = env(
        "SHIPPO_API_BASE", "https://api.goshippo.com", doc="Shippo's API address"
    )
    shippo_webhook_secret: str = env(
        "SHIPPO_WEBHOOK_SECRET", "", doc="checks Shippo's tracking webhooks", secret=True
    )
    timeout_seconds: float = env(
        "RETURNS_CARRIER_TIMEOUT_SECONDS", 20.0, _seconds, "a provider call gives up after"
    )
    # (carrier, webhook secret) pairs
    secrets: tuple[tuple[str, str], ...] = env(
        "RETURNS_CARRIER_SECRETS",
        (),
        _carrier_secrets,
        "carrier=secret,... for webhooks",
        secret=True,
    )
    # JSON: name, line1, line2, city, region, postal_code, country
    warehouse_address: str = env(
        "RETURNS_WAREHOUSE_ADDRESS", "", doc="where returns go; unset: a demo address"
    )


@dataclass(frozen=True, slots=True)
class PaymentSettings:
    provider: str = env(
        "RETURNS_PAYMENTS", "manual", _one_of("manual", "stripe"), "how refunds are paid"
    )
    stripe_api_key: str = env(
        "RETURNS_STRIPE_API_KEY", "", doc="for RETURNS_PAYMENTS=stripe", secret=True
    )


@dataclass(frozen=True, slots=True)
class ShopSettings:
    """The shop the service writes back to (docs/shopify.md)."""

    name: str = env(
        "RETURNS_SHOP", "none", _one_of("none", "shopify"), "what is written back: none, shopify"
    )
    shopify_shop: str = env("SHOPIFY_SHOP", "", doc="the shop's myshopify.com domain")
    shopify_access_token: str = env(
        "SHOPIFY_ACCESS_TOKEN", "", doc="the custom app's Admin API token", secret=True
    )
    shopify_api_version: str = env(
        "SHOPIFY_API_VERSION", "2026-01", doc="the Admin GraphQL API version, pinned"
    )
    shopify_api_base: str = env(
        "SHOPIFY_API_BASE", "", _http_url, "unset: https://SHOPIFY_SHOP (a stand-in's in tests)"
    )
    shopify_location_id: str = env(
        "SHOPIFY_LOCATION_ID", "", doc="where returned units are restocked; unset: the first"
    )


@dataclass(frozen=True, slots=True)
class CaseSettings:
    follow_up_days: int = env("RETURNS_FOLLOW_UP_DAYS", 3, _count, '"did it fit?" after delivery')
    auto_close_days: int = env(
        "RETURNS_AUTO_CLOSE_DAYS", 14, _count, "a resolved case closes after"
    )
    expire_after_days: int = env(
        "RETURNS_EXPIRE_AFTER_DAYS", 30, _count, "an unsent approved return expires"
    )
    redact_after_days: int = env(
        "RETURNS_REDACT_AFTER_DAYS",
        0,
        _count,
        "remove the personal data of cases final for longer; 0: never",
    )


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    run_in_serve: bool = env("RETURNS_RUN_WORKER", True, _flag, "run the worker inside serve")
    interval_seconds: float = env(
        "RETURNS_WORKER_INTERVAL_SECONDS", 2.0, _seconds, "pause between worker passes"
    )
    # How long a claimed outbox message waits before another worker may retry it (its worker
    # may have died mid-delivery); must exceed the time to deliver one batch.
    outbox_lock_seconds: int = env(
        "RETURNS_OUTBOX_LOCK_SECONDS", 120, _positive_integer, "retry a dead worker's claim"
    )


@dataclass(frozen=True, slots=True)
class PhotoSettings:
    """Where evidence photos go: on disk under the data directory unless a bucket is set."""

    s3_bucket: str = env(
        "RETURNS_PHOTOS_S3_BUCKET", "", _bucket, "S3-compatible bucket; unset: the data dir"
    )
    s3_endpoint_url: str = env(
        "RETURNS_PHOTOS_S3_ENDPOINT_URL", "", _http_url, "MinIO, R2...; unset: AWS"
    )
    s3_region: str = env("RETURNS_PHOTOS_S3_REGION", "us-east-1", doc="the bucket's region")
    s3_access_key_id: str = env(
        "RETURNS_PHOTOS_S3_ACCESS_KEY_ID", "", doc="unset: boto3's own credential chain"
    )
    s3_secret_access_key: str = env(
        "RETURNS_PHOTOS_S3_SECRET_ACCESS_KEY", "", doc="its secret", secret=True
    )
    s3_prefix: str = env("RETURNS_PHOTOS_S3_PREFIX", "photos/", doc="put before every key")


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    # Webhooks to loopback and private addresses reach inside the service's own network;
    # only tests and private deployments turn this on.
    allow_private: bool = env(
        "RETURNS_WEBHOOK_ALLOW_PRIVATE", False, _flag, "webhooks to loopback/private addresses"
    )


GROUPS: tuple[type, ...] = (
    DatabaseSettings,
    ServerSettings,
    StoreSettings,
    PortalSettings,
    MailSettings,
    CarrierSettings,
    PaymentSettings,
    CaseSettings,
    WorkerSettings,
    PhotoSettings,
    WebhookSettings,
    ShopSettings,
)


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


@dataclass(frozen=True, slots=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    portal: PortalSettings = field(default_factory=PortalSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    carrier: CarrierSettings = field(default_factory=CarrierSettings)
    payments: PaymentSettings = field(default_factory=PaymentSettings)
    cases: CaseSettings = field(default_factory=CaseSettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    photos: PhotoSettings = field(default_factory=PhotoSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    shop: ShopSettings = field(default_factory=ShopSettings)

    def knows_carrier(self, carrier: str) -> bool:
        """The configured label carrier (the built-in one's labels say "concierge-post"), and
        any carrier given a webhook secret."""
        builtin = self.carrier.name in ("builtin", "concierge-post")
        return carrier == ("concierge-post" if builtin else self.carrier.name) or any(
            name == carrier for name, _ in self.carrier.secrets
        )

    def carrier_secret(self, carrier: str) -> str:
        """The webhook secret of a carrier; without one configured, a secret derived from the
        service's own key (so the built-in carrier works out of the box)."""
        for name, secret in self.carrier.secrets:
            if name == carrier:
                return secret
        return hmac.new(
            self.server.secret_key.encode(), f"carrier:{carrier}".encode(), "sha256"
        ).hexdigest()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        database = _read(DatabaseSettings, environ, {"data_dir": _DATA_DIR.resolve()})
        data_dir = database.data_dir
        server = _read(ServerSettings, environ, {})
        if not server.secret_key:
            server = dataclasses.replace(server, secret_key=_persistent_secret(data_dir))
        return cls(
            database=database,
            server=server,
            store=_read(StoreSettings, environ, {}),
            portal=_read(PortalSettings, environ, {}),
            mail=_read(MailSettings, environ, {"drop_dir": (data_dir / "mail").resolve()}),
            carrier=_read(CarrierSettings, environ, {}),
            payments=_read(PaymentSettings, environ, {}),
            cases=_read(CaseSettings, environ, {}),
            worker=_read(WorkerSettings, environ, {}),
            photos=_read(PhotoSettings, environ, {}),
            webhooks=_read(WebhookSettings, environ, {}),
            shop=_read(ShopSettings, environ, {}),
        )
