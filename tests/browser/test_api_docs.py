"""The API docs at /schema render in Chromium from the service alone: no request leaves
the service's own address, and the Content-Security-Policy refuses nothing."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


async def test_the_api_docs_render_with_no_request_to_another_host(page, live_server) -> None:  # type: ignore[no-untyped-def]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.goto("/schema")
    await page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = await page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/portal/sessions" in [p.strip().replace("\u200b", "") for p in paths]
    own = urlsplit(live_server).netloc
    elsewhere = [url for url in requested if urlsplit(url).scheme in ("http", "https")]
    assert elsewhere and all(urlsplit(url).netloc == own for url in elsewhere), elsewhere
    # the page fixture fails the test on any console error, a CSP refusal included
