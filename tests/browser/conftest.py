"""Browser tests: Debian's Chromium driven by Playwright against the service served by uvicorn
in this test's event loop (so the tests can seed through the services directly).

Playwright's own browser download cannot work here; `.ci/run` installs `chromium` with apt.
The tests are skipped, loudly, only when no Chromium binary exists at all."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn

from returns_service.app import create_app
from returns_service.clock import FrozenClock
from returns_service.settings import Settings
from tests.conftest import _empty_all_tables

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# axe-core, vendored (tests/browser/vendor/README.md says which version and why): the
# accessibility check every page of the browser suite runs
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
async def live_server(schema: None, settings: Settings, clock: FrozenClock) -> AsyncIterator[str]:
    application = create_app(settings, clock)
    started = asyncio.Event()

    async def ready() -> None:
        started.set()

    application.on_startup.append(ready)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections wait in the backlog until uvicorn serves them
    server = uvicorn.Server(uvicorn.Config(application, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await started.wait()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        await _empty_all_tables()
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[object]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (once per session)
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        await instance.close()


@pytest.fixture
async def page(browser, live_server: str):  # type: ignore[no-untyped-def]
    # bypass_csp: the pages' Content-Security-Policy rightly refuses inline scripts, and
    # axe-core is put into the page as one; the pages themselves still run under it
    context = await browser.new_context(viewport=PHONE, base_url=live_server, bypass_csp=True)
    tab = await context.new_page()
    tab.console_errors = []  # every page must load without JavaScript errors
    tab.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.console_errors.append(str(e)))
    yield tab
    errors = list(tab.console_errors)
    await context.close()
    assert errors == []


async def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def assert_no_serious_axe_violations(page) -> None:  # type: ignore[no-untyped-def]
    """axe-core run in the page as it is now: no violation of serious or critical impact."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:5])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{page.url}: {serious}"
