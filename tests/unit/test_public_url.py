"""RETURNS_PUBLIC_URL defaults to where `serve` listens, so links work with `--port` too."""

from __future__ import annotations

import pytest

from returns_service.cli import serve_url


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000"),
        ("127.0.0.1", 9123, "http://127.0.0.1:9123"),
        ("0.0.0.0", 8080, "http://127.0.0.1:8080"),
        ("returns.local", 80, "http://returns.local:80"),
        ("::1", 8000, "http://[::1]:8000"),
    ],
)
def test_the_default_public_url_is_where_serve_listens(host: str, port: int, url: str) -> None:
    assert serve_url(host, port) == url
