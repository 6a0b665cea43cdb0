"""ASGI entry point for uvicorn (`returns_service.asgi:create`, a factory)."""

from litestar import Litestar

from returns_service.app import create_app


def create() -> Litestar:
    return create_app()
