"""`returns-service`: serve, migrate, worker, demo, tokens, orders import, i18n."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from returns_service.clock import SystemClock
from returns_service.db.database import migrate, resolve_database
from returns_service.db.embedded import stop_embedded, supervise_embedded
from returns_service.db.engine import close_pool, open_pool
from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import DomainError
from returns_service.settings import Settings, SettingsError

T = TypeVar("T")

# pgserver's platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI): harmless.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def _with_database(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` with the pool open, sized as RETURNS_DB_POOL_MIN/MAX say."""

    async def run() -> T:
        await open_pool(settings.database.pool_min, settings.database.pool_max)
        try:
            return await work()
        finally:
            await close_pool()

    return asyncio.run(run())


async def _default_store_id(settings: Settings) -> int:
    from returns_service.services.store.stores import ensure_default_store

    store = await ensure_default_store(settings.store.name, settings.store.timezone, SystemClock())
    return store.id


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(migrate(verbose=args.verbose))
    print("database is up to date", file=sys.stderr)
    return 0


def cmd_i18n(settings: Settings | None, args: argparse.Namespace) -> int:
    from returns_service.catalogue import COMMANDS

    return COMMANDS[args.step]()


def _print_demo(settings: Settings, public_url: str) -> None:
    from returns_service.demo import DemoReport, load_demo
    from returns_service.services.platform.runtime import runtime_from_settings

    async def work() -> DemoReport:  # the demo's emails carry links signed with our secret
        clock = SystemClock()
        rt = runtime_from_settings(settings, clock)
        return await load_demo(await _default_store_id(settings), clock, rt)

    report = _with_database(settings, work)
    state = "loaded" if report.loaded else "already loaded, kept as it was"
    number, email, _ = report.orders[0]
    lines = [
        f"Demo store {state}. Data lives in {settings.database.data_dir}.",
        "",
        "Customer portal API: sign in with one of these orders",
        *(f"  order {n}  email {e:28s} {hint}" for n, e, hint in report.orders),
        "",
        f"  curl -s -X POST {public_url}/api/v1/portal/sessions \\",
        "       -H 'content-type: application/json' \\",
        f'       -d \'{{"order_number": "{number}", "email": "{email}"}}\'',
        "",
        "Tokens (shown once; running the demo again replaces them):",
        *(f"  {who:28s} {token}" for who, token in report.tokens.items()),
        "",
        f"API documentation: {public_url}/schema  (OpenAPI: {public_url}/schema/openapi.json)",
        "",
    ]
    print("\n".join(lines), flush=True)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(migrate())
    _print_demo(settings, settings.server.public_url)
    return 0


def serve_url(host: str, port: int) -> str:
    """`RETURNS_PUBLIC_URL` by default: where `serve` listens (a wildcard host means this
    machine, which a browser reaches as 127.0.0.1)."""
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    asyncio.run(migrate())
    if "RETURNS_PUBLIC_URL" not in os.environ:
        public_url = serve_url(args.host, args.port)
        # links in emails and labels lead where this server listens; the app (and every
        # uvicorn worker process) reads its settings from the environment
        os.environ["RETURNS_PUBLIC_URL"] = public_url
        settings = dataclasses.replace(
            settings, server=dataclasses.replace(settings.server, public_url=public_url)
        )
    if args.demo:
        _print_demo(settings, settings.server.public_url)
    supervise_embedded(settings.database.postgres_dir, settings.database.embedded_check_seconds)
    uvicorn.run(
        "returns_service.asgi:create",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
        # uvicorn believes X-Forwarded-For from loopback by default; api/proxies.py decides
        # from RETURNS_TRUSTED_PROXIES instead
        proxy_headers=False,
    )
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from dataclasses import replace

    from returns_service.services.platform import worker
    from returns_service.services.platform.runtime import runtime_from_settings

    runtime = runtime_from_settings(settings, SystemClock())
    config = worker.worker_config(settings)
    if args.interval is not None:  # the command line wins over RETURNS_WORKER_INTERVAL_SECONDS
        config = replace(config, interval_seconds=args.interval)

    async def work() -> None:
        if args.once:
            report = await worker.run_once(runtime, config)
            print(
                f"delivered {report.delivered}, failed {report.failed}, assigned {report.assigned}",
                file=sys.stderr,
            )
        else:
            await worker.run_forever(runtime, config)

    asyncio.run(migrate())
    supervise_embedded(settings.database.postgres_dir, settings.database.embedded_check_seconds)
    with contextlib.suppress(KeyboardInterrupt):
        _with_database(settings, work)
    return 0


def cmd_tokens(settings: Settings, args: argparse.Namespace) -> int:
    from returns_service.services.platform import auth

    clock = SystemClock()
    asyncio.run(migrate())

    async def work() -> int:
        store_id = await _default_store_id(settings)
        if args.tokens_command == "create":
            issued = await auth.create_staff_token(store_id, Role(args.role), clock, name=args.name)
            print(issued.token)
        elif args.tokens_command == "list":
            for row in await auth.list_tokens(store_id):
                state = "revoked" if row["revoked_at"] else "active"
                print(f"{row['id']}\t{row['role']}\t{state}\t{row['name']}")
        else:
            await auth.revoke_token(store_id, args.token_id, clock)
            print(f"token {args.token_id} revoked", file=sys.stderr)
        return 0

    return _with_database(settings, work)


def cmd_orders_import(settings: Settings, args: argparse.Namespace) -> int:

    from returns_service.adapters.csv_orders import parse_orders_csv
    from returns_service.services.store.orders import import_orders

    try:
        data = Path(args.file).read_bytes()
    except OSError as error:
        print(f"error: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    parsed = parse_orders_csv(data)  # every row checked before the database is touched
    asyncio.run(migrate())

    async def work() -> int:
        caller = Caller.system(await _default_store_id(settings))
        created = await import_orders(caller, parsed.documents, SystemClock())
        orders = len(parsed.documents)
        print(
            f"imported {orders} orders, {parsed.line_count} lines "
            f"({created} new, {orders - created} updated; read as {parsed.encoding})",
            file=sys.stderr,
        )
        return 0

    return _with_database(settings, work)


def cmd_customers(settings: Settings, args: argparse.Namespace) -> int:
    """A privacy request without the API: export (JSON on stdout) or redact one customer."""
    import msgspec

    from returns_service.services.privacy import export, redaction

    asyncio.run(migrate())
    clock = SystemClock()

    async def work() -> int:
        store_id = await _default_store_id(settings)
        if args.customers_command == "export":
            found = await export.export_customer(store_id, args.email, clock.now())
            sys.stdout.write(msgspec.json.format(msgspec.json.encode(found)).decode() + "\n")
            return 0
        done = await redaction.redact_email(store_id, args.email, clock.now())
        print(f"redacted {done.customers} customer(s), {done.cases} case(s)", file=sys.stderr)
        return 0

    return _with_database(settings, work)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="returns-service", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, then serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="load the demo store first")
    serve.set_defaults(handler=cmd_serve)

    mig = sub.add_parser("migrate", help="apply database migrations")
    mig.add_argument("--verbose", action="store_true")
    mig.set_defaults(handler=cmd_migrate)

    worker = sub.add_parser("worker", help="run background jobs")
    worker.add_argument("--once", action="store_true", help="run one pass and exit")
    worker.add_argument(
        "--interval",
        type=float,
        default=None,
        help="seconds between passes (default: RETURNS_WORKER_INTERVAL_SECONDS, 2)",
    )
    worker.set_defaults(handler=cmd_worker)

    demo = sub.add_parser("demo", help="load demo data and print what to try")
    demo.set_defaults(handler=cmd_demo)

    tokens = sub.add_parser("tokens", help="create, list and revoke API tokens")
    tokens_sub = tokens.add_subparsers(dest="tokens_command", required=True)
    create = tokens_sub.add_parser("create", help="print a new token alone on standard output")
    create.add_argument(
        "--role", required=True, choices=["admin", "warehouse", "agent", "lead", "helpdesk"]
    )
    create.add_argument("--name", default="")
    tokens_sub.add_parser("list")
    revoke = tokens_sub.add_parser("revoke")
    revoke.add_argument("token_id", type=int)
    tokens.set_defaults(handler=cmd_tokens)

    orders = sub.add_parser("orders", help="orders from the shop")
    orders_sub = orders.add_subparsers(dest="orders_command", required=True)
    imp = orders_sub.add_parser("import", help="import orders from a CSV file")
    imp.add_argument("file")
    orders.set_defaults(handler=cmd_orders_import)

    customers = sub.add_parser("customers", help="privacy requests: export or redact a customer")
    customers_sub = customers.add_subparsers(dest="customers_command", required=True)
    for name, text in (
        ("export", "print everything held about the customer as JSON"),
        ("redact", "remove the customer's personal data (money, stock, timeline stay)"),
    ):
        customers_sub.add_parser(name, help=text).add_argument("--email", required=True)
    customers.set_defaults(handler=cmd_customers)
    shopify = sub.add_parser("shopify", help="the Shopify shop (RETURNS_SHOP=shopify)")
    shopify_sub = shopify.add_subparsers(dest="shopify_command", required=True)
    sync = shopify_sub.add_parser("sync", help="backfill orders from Shopify")
    sync.add_argument("--since", help="only orders updated on or after this date (YYYY-MM-DD)")
    sync.add_argument("--bulk", action="store_true", help="one bulk export (big shops)")
    shopify.set_defaults(handler=cmd_shopify_sync)

    i18n = sub.add_parser("i18n", help="the message catalogue: extract, update, compile")
    i18n.add_argument("step", choices=["extract", "update", "compile"])
    i18n.set_defaults(handler=cmd_i18n)
    return parser


def cmd_shopify_sync(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from returns_service.domain.errors import Conflict
    from returns_service.services.platform.runtime import runtime_from_settings
    from returns_service.services.shop.sync import sync_orders, sync_orders_bulk

    if settings.shop.name != "shopify":
        print("error: set RETURNS_SHOP=shopify (and SHOPIFY_*) to sync", file=sys.stderr)
        return 2
    try:
        since = datetime.fromisoformat(args.since).replace(tzinfo=UTC) if args.since else None
    except ValueError:
        print(f"error: --since {args.since!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    asyncio.run(migrate())

    async def work() -> int:
        store_id = await _default_store_id(settings)
        rt = runtime_from_settings(settings, SystemClock())
        sync = sync_orders_bulk if args.bulk else sync_orders
        try:
            report = await sync(store_id, rt, since)
        except Conflict as error:  # the shop refused or failed: said plainly, no traceback
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(
            f"synced {report.orders} orders in {report.pages} pages ({report.created} new)",
            file=sys.stderr,
        )
        return 0

    return _with_database(settings, work)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    # Python's default SIGTERM action kills the process without running `finally` or atexit,
    # which left the embedded PostgreSQL running. uvicorn catches SIGTERM itself, shuts down,
    # then raises it again with this handler restored: the process then exits normally.
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.handler is cmd_i18n:  # works on files only: no settings, no database
        return cmd_i18n(None, args)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if threading.current_thread() is threading.main_thread():  # signals reach only that one
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        resolve_database(settings)
        return int(args.handler(settings, args))
    except DomainError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130  # Ctrl-C: stopped as asked, no traceback
    finally:
        if not settings.database.url:  # release only the server this process started
            stop_embedded(
                settings.database.postgres_dir
            )  # stops it unless another live process holds it
