"""Settings: every variable is read from the environment by its README name; a value that
does not parse is refused with an error naming its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from returns_service.settings import Settings, SettingsError, variables

README = Path(__file__).parents[2] / "README.md"

# Every variable with a value other than its default, and what the settings then hold.
EVERY_VARIABLE = {
    "DATABASE_URL": ("postgresql://u@db/returns", ("database", "url")),
    "RETURNS_DATA_DIR": ("/srv/returns", ("database", "data_dir")),
    "RETURNS_DB_POOL_MIN": ("2", ("database", "pool_min")),
    "RETURNS_DB_POOL_MAX": ("7", ("database", "pool_max")),
    "RETURNS_EMBEDDED_CHECK_SECONDS": ("0.5", ("database", "embedded_check_seconds")),
    "RETURNS_SECRET_KEY": ("s3cret", ("server", "secret_key")),
    "RETURNS_PUBLIC_URL": ("https://returns.shop.example/", ("server", "public_url")),
    "RETURNS_MAX_BODY_BYTES": ("2048", ("server", "max_body_bytes")),
    "RETURNS_LOG_LEVEL": ("DEBUG", ("server", "log_level")),
    "RETURNS_BENCH": ("yes", ("server", "bench")),
    "RETURNS_TRUSTED_PROXIES": ("10.0.0.0/8, ::1", ("server", "trusted_proxies")),
    "RETURNS_CORS_ORIGINS": (
        "https://shop.example, http://127.0.0.1:3000/",
        ("server", "cors_origins"),
    ),
    "RETURNS_STORE_NAME": ("Harbor Outfitters", ("store", "name")),
    "RETURNS_STORE_TIMEZONE": ("Europe/Berlin", ("store", "timezone")),
    "RETURNS_BRAND_COLOUR": ("#0E7C66", ("store", "brand_colour")),
    "RETURNS_BRAND_LOGO_URL": ("https://cdn.shop.example/logo.png", ("store", "brand_logo_url")),
    "SHOPIFY_WEBHOOK_SECRET": ("shpss", ("store", "shopify_webhook_secret")),
    "RETURNS_PORTAL_SESSION_TTL_MINUTES": ("30", ("portal", "session_ttl_minutes")),
    "RETURNS_LOOKUP_FAILURES_ALLOWED": ("3", ("portal", "lookup_failures_allowed")),
    "RETURNS_LOOKUP_FAILURE_WINDOW_SECONDS": ("60", ("portal", "lookup_failure_window_seconds")),
    "RETURNS_LOOKUP_REQUESTS_PER_MINUTE": ("20", ("portal", "lookup_requests_per_minute")),
    "RETURNS_MAIL_FROM": ("care@shop.example", ("mail", "sender")),
    "RETURNS_MAIL_DROP_DIR": ("/srv/mail", ("mail", "drop_dir")),
    "RETURNS_SMTP_HOST": ("smtp.shop.example", ("mail", "smtp_host")),
    "RETURNS_SMTP_PORT": ("465", ("mail", "smtp_port")),
    "RETURNS_SMTP_USERNAME": ("mailer", ("mail", "smtp_username")),
    "RETURNS_SMTP_PASSWORD": ("pw", ("mail", "smtp_password")),
    "RETURNS_SMTP_TLS": ("TLS", ("mail", "smtp_tls")),
    "RETURNS_CARRIER": ("easypost", ("carrier", "name")),
    "RETURNS_CARRIER_SECRETS": ("easypost=a, shippo = b,", ("carrier", "secrets")),
    "RETURNS_CARRIER_TIMEOUT_SECONDS": ("7.5", ("carrier", "timeout_seconds")),
    "EASYPOST_API_KEY": ("EZTK1", ("carrier", "easypost_api_key")),
    "EASYPOST_API_BASE": ("http://127.0.0.1:9/v2", ("carrier", "easypost_api_base")),
    "EASYPOST_WEBHOOK_SECRET": ("ep-secret", ("carrier", "easypost_webhook_secret")),
    "SHIPPO_API_KEY": ("shippo_test_1", ("carrier", "shippo_api_key")),
    "SHIPPO_API_BASE": ("http://127.0.0.1:9", ("carrier", "shippo_api_base")),
    "SHIPPO_WEBHOOK_SECRET": ("sh-secret", ("carrier", "shippo_webhook_secret")),
    "RETURNS_WAREHOUSE_ADDRESS": ('{"name": "W"}', ("carrier", "warehouse_address")),
    "RETURNS_PAYMENTS": ("stripe", ("payments", "provider")),
    "RETURNS_STRIPE_API_KEY": ("sk_test", ("payments", "stripe_api_key")),
    "RETURNS_FOLLOW_UP_DAYS": ("5", ("cases", "follow_up_days")),
    "RETURNS_AUTO_CLOSE_DAYS": ("21", ("cases", "auto_close_days")),
    "RETURNS_EXPIRE_AFTER_DAYS": ("45", ("cases", "expire_after_days")),
    "RETURNS_REDACT_AFTER_DAYS": ("730", ("cases", "redact_after_days")),
    "RETURNS_RUN_WORKER": ("false", ("worker", "run_in_serve")),
    "RETURNS_WORKER_INTERVAL_SECONDS": ("0.5", ("worker", "interval_seconds")),
    "RETURNS_OUTBOX_LOCK_SECONDS": ("300", ("worker", "outbox_lock_seconds")),
    "RETURNS_SHOP": ("shopify", ("shop", "name")),
    "SHOPIFY_SHOP": ("liv.myshopify.com", ("shop", "shopify_shop")),
    "SHOPIFY_ACCESS_TOKEN": ("shpat_1", ("shop", "shopify_access_token")),
    "SHOPIFY_API_VERSION": ("2026-04", ("shop", "shopify_api_version")),
    "SHOPIFY_API_BASE": ("http://127.0.0.1:9", ("shop", "shopify_api_base")),
    "SHOPIFY_LOCATION_ID": ("gid://shopify/Location/1", ("shop", "shopify_location_id")),
    "RETURNS_PHOTOS_S3_BUCKET": ("shop-photos", ("photos", "s3_bucket")),
    "RETURNS_PHOTOS_S3_ENDPOINT_URL": (
        "https://minio.shop.example:9000/",
        ("photos", "s3_endpoint_url"),
    ),
    "RETURNS_PHOTOS_S3_REGION": ("eu-central-1", ("photos", "s3_region")),
    "RETURNS_PHOTOS_S3_ACCESS_KEY_ID": ("AKIAEXAMPLE", ("photos", "s3_access_key_id")),
    "RETURNS_PHOTOS_S3_SECRET_ACCESS_KEY": ("s3-secret", ("photos", "s3_secret_access_key")),
    "RETURNS_PHOTOS_S3_PREFIX": ("returns/photos/", ("photos", "s3_prefix")),
    "RETURNS_WEBHOOK_ALLOW_PRIVATE": ("true", ("webhooks", "allow_private")),
}

EXPECTED = {
    "DATABASE_URL": "postgresql://u@db/returns",
    "RETURNS_DATA_DIR": Path("/srv/returns"),
    "RETURNS_DB_POOL_MIN": 2,
    "RETURNS_DB_POOL_MAX": 7,
    "RETURNS_EMBEDDED_CHECK_SECONDS": 0.5,
    "RETURNS_SECRET_KEY": "s3cret",
    "RETURNS_PUBLIC_URL": "https://returns.shop.example",
    "RETURNS_MAX_BODY_BYTES": 2048,
    "RETURNS_LOG_LEVEL": "DEBUG",
    "RETURNS_BENCH": True,
    "RETURNS_TRUSTED_PROXIES": ("10.0.0.0/8", "::1"),
    "RETURNS_CORS_ORIGINS": ("https://shop.example", "http://127.0.0.1:3000"),
    "RETURNS_STORE_NAME": "Harbor Outfitters",
    "RETURNS_STORE_TIMEZONE": "Europe/Berlin",
    "RETURNS_BRAND_COLOUR": "#0e7c66",
    "RETURNS_BRAND_LOGO_URL": "https://cdn.shop.example/logo.png",
    "SHOPIFY_WEBHOOK_SECRET": "shpss",
    "RETURNS_PORTAL_SESSION_TTL_MINUTES": 30,
    "RETURNS_LOOKUP_FAILURES_ALLOWED": 3,
    "RETURNS_LOOKUP_FAILURE_WINDOW_SECONDS": 60,
    "RETURNS_LOOKUP_REQUESTS_PER_MINUTE": 20,
    "RETURNS_MAIL_FROM": "care@shop.example",
    "RETURNS_MAIL_DROP_DIR": Path("/srv/mail"),
    "RETURNS_SMTP_HOST": "smtp.shop.example",
    "RETURNS_SMTP_PORT": 465,
    "RETURNS_SMTP_USERNAME": "mailer",
    "RETURNS_SMTP_PASSWORD": "pw",
    "RETURNS_SMTP_TLS": "tls",
    "RETURNS_CARRIER": "easypost",
    "RETURNS_CARRIER_SECRETS": (("easypost", "a"), ("shippo", "b")),
    "RETURNS_CARRIER_TIMEOUT_SECONDS": 7.5,
    "EASYPOST_API_KEY": "EZTK1",
    "EASYPOST_API_BASE": "http://127.0.0.1:9/v2",
    "EASYPOST_WEBHOOK_SECRET": "ep-secret",
    "SHIPPO_API_KEY": "shippo_test_1",
    "SHIPPO_API_BASE": "http://127.0.0.1:9",
    "SHIPPO_WEBHOOK_SECRET": "sh-secret",
    "RETURNS_WAREHOUSE_ADDRESS": '{"name": "W"}',
    "RETURNS_PAYMENTS": "stripe",
    "RETURNS_STRIPE_API_KEY": "sk_test",
    "RETURNS_FOLLOW_UP_DAYS": 5,
    "RETURNS_AUTO_CLOSE_DAYS": 21,
    "RETURNS_EXPIRE_AFTER_DAYS": 45,
    "RETURNS_REDACT_AFTER_DAYS": 730,
    "RETURNS_RUN_WORKER": False,
    "RETURNS_WORKER_INTERVAL_SECONDS": 0.5,
    "RETURNS_OUTBOX_LOCK_SECONDS": 300,
    "RETURNS_PHOTOS_S3_BUCKET": "shop-photos",
    "RETURNS_PHOTOS_S3_ENDPOINT_URL": "https://minio.shop.example:9000",
    "RETURNS_PHOTOS_S3_REGION": "eu-central-1",
    "RETURNS_PHOTOS_S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "RETURNS_PHOTOS_S3_SECRET_ACCESS_KEY": "s3-secret",
    "RETURNS_PHOTOS_S3_PREFIX": "returns/photos/",
    "RETURNS_WEBHOOK_ALLOW_PRIVATE": True,
    "RETURNS_SHOP": "shopify",
    "SHOPIFY_SHOP": "liv.myshopify.com",
    "SHOPIFY_ACCESS_TOKEN": "shpat_1",
    "SHOPIFY_API_VERSION": "2026-04",
    "SHOPIFY_API_BASE": "http://127.0.0.1:9",
    "SHOPIFY_LOCATION_ID": "gid://shopify/Location/1",
}


def _value(settings: Settings, where: tuple[str, str]) -> object:
    return getattr(getattr(settings, where[0]), where[1])


def test_every_variable_is_read_into_its_setting() -> None:
    assert set(EVERY_VARIABLE) == set(variables())  # none forgotten here or there
    settings = Settings.from_env({name: raw for name, (raw, _) in EVERY_VARIABLE.items()})
    for name, (_, where) in EVERY_VARIABLE.items():
        assert _value(settings, where) == EXPECTED[name], name


def test_unset_variables_take_the_readme_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env({"RETURNS_DATA_DIR": str(tmp_path)})
    assert settings.database.url == ""
    assert (settings.database.pool_min, settings.database.pool_max) == (1, 10)
    assert settings.server.public_url == "http://127.0.0.1:8000"
    assert settings.server.max_body_bytes == 1_000_000
    assert settings.store.name == "Demo Store" and settings.store.timezone == "UTC"
    assert (settings.store.brand_colour, settings.store.brand_logo_url) == ("#1f2937", "")
    assert settings.portal.session_ttl_minutes == 120
    assert settings.portal.lookup_failures_allowed == 5
    assert settings.portal.lookup_failure_window_seconds == 900
    assert settings.mail.drop_dir == tmp_path / "mail"  # beside the data, wherever that is
    assert (settings.mail.smtp_port, settings.mail.smtp_tls) == (587, "starttls")
    assert settings.carrier.name == "builtin" and settings.payments.provider == "manual"
    assert (settings.cases.follow_up_days, settings.cases.auto_close_days) == (3, 14)
    assert settings.cases.expire_after_days == 30
    assert settings.worker.run_in_serve is True and settings.worker.interval_seconds == 2.0
    assert settings.worker.outbox_lock_seconds == 120
    assert settings.photos.s3_bucket == "" and settings.photos.s3_endpoint_url == ""  # on disk
    assert (settings.photos.s3_region, settings.photos.s3_prefix) == ("us-east-1", "photos/")


def test_without_a_secret_key_one_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings.from_env({"RETURNS_DATA_DIR": str(tmp_path)})
    again = Settings.from_env({"RETURNS_DATA_DIR": str(tmp_path)})
    assert len(first.server.secret_key) >= 32
    assert again.server.secret_key == first.server.secret_key


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("RETURNS_DB_POOL_MAX", "ten"),
        ("RETURNS_DB_POOL_MIN", "0"),
        ("RETURNS_SMTP_PORT", "5.5"),
        ("RETURNS_MAX_BODY_BYTES", "-1"),
        ("RETURNS_FOLLOW_UP_DAYS", "-3"),
        ("RETURNS_RUN_WORKER", "maybe"),
        ("RETURNS_BENCH", "2"),
        ("RETURNS_TRUSTED_PROXIES", "proxy.internal"),
        ("RETURNS_CORS_ORIGINS", "shop.example"),
        ("RETURNS_CORS_ORIGINS", "https://shop.example/returns"),
        ("RETURNS_WORKER_INTERVAL_SECONDS", "0"),
        ("RETURNS_WORKER_INTERVAL_SECONDS", "soon"),
        ("RETURNS_SMTP_TLS", "ssl"),
        ("RETURNS_PAYMENTS", "paypal"),
        ("RETURNS_BRAND_COLOUR", "teal"),
        ("RETURNS_BRAND_COLOUR", "#0e7c6"),
        ("RETURNS_BRAND_COLOUR", "#0e7c66; background:url(x)"),
        ("RETURNS_BRAND_LOGO_URL", "logo.png"),
        ("RETURNS_BRAND_LOGO_URL", 'https://x.example/a.png" onerror="x'),
        ("RETURNS_PHOTOS_S3_BUCKET", "s3://shop-photos"),
        ("RETURNS_PHOTOS_S3_BUCKET", "shop photos"),
        ("RETURNS_PHOTOS_S3_ENDPOINT_URL", "minio:9000"),
    ],
)
def test_an_invalid_value_is_refused_naming_its_variable(
    tmp_path: Path, name: str, raw: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"RETURNS_DATA_DIR": str(tmp_path), "RETURNS_SECRET_KEY": "k", name: raw})
    assert str(refused.value).startswith(f"{name} ")
    assert repr(raw) in str(refused.value)


def test_secrets_stay_out_of_the_settings_repr(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "RETURNS_DATA_DIR": str(tmp_path),
            "RETURNS_SECRET_KEY": "top-secret-key",
            "RETURNS_SMTP_PASSWORD": "smtp-password",
            "RETURNS_STRIPE_API_KEY": "sk_live_x",
            "SHOPIFY_WEBHOOK_SECRET": "shopify-secret",
            "RETURNS_CARRIER_SECRETS": "easypost=carrier-secret",
            "RETURNS_PHOTOS_S3_SECRET_ACCESS_KEY": "s3-secret-key",
        }
    )
    shown = repr(settings)
    secrets = ("top-secret-key", "smtp-password", "sk_live_x", "shopify-secret", "carrier-")
    for secret in (*secrets, "s3-secret-key"):
        assert secret not in shown


def test_the_readme_documents_every_variable() -> None:
    table = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for name in variables():
        short = name.removeprefix("RETURNS_SMTP")  # the SMTP row abbreviates: `_PORT`
        assert f"`{name}`" in table or (name.startswith("RETURNS_SMTP_") and f"`{short}`" in table)
