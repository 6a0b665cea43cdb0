"""What handlers receive by typed parameter (`runtime: NamedDependency[Runtime]`) instead of
reading `request.app.state`. The app factory builds these once; this module is the one place
that knows where they are kept, for the middleware and page helpers that see only a
connection.

The clock is asked for as `NamedDependency[SkipValidation[Clock]]`: `Clock` is a Protocol,
which Litestar's check of injected values cannot test an instance against."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide

from returns_service.api.idempotency import provide_idempotency
from returns_service.clock import Clock
from returns_service.domain.access import Caller
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.stores import StoreInfo
from returns_service.settings import Settings


def app_state(settings: Settings, clock: Clock, runtime: Runtime) -> State:
    """The app's state, filled once here (and the store once by the lifespan)."""
    return State({"settings": settings, "clock": clock, "runtime": runtime})


def settings_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Settings:
    settings: Settings = connection.app.state.settings
    return settings


def clock_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Clock:
    clock: Clock = connection.app.state.clock
    return clock


def store_of(connection: ASGIConnection[Any, Any, Any, Any]) -> StoreInfo:
    """The store this deployment serves, made or found by the lifespan at start."""
    store: StoreInfo = connection.app.state.store
    return store


def _provide_caller(request: Request[Any, Any, Any]) -> Caller:
    caller: Caller = request.user  # put there by the bearer authentication middleware
    return caller


def _provide_store(state: State) -> StoreInfo:
    store: StoreInfo = state.store  # set by the lifespan, after the providers are made
    return store


def _constant(value: Any) -> Provide:
    def provide() -> Any:
        return value

    return Provide(provide, use_cache=True, sync_to_thread=False)


def app_dependencies(settings: Settings, clock: Clock, runtime: Runtime) -> dict[str, Provide]:
    """Every app-level dependency, by the parameter name handlers ask for it with."""
    return {
        "caller": Provide(_provide_caller, sync_to_thread=False),
        "settings": _constant(settings),
        "clock": _constant(clock),
        "runtime": _constant(runtime),
        "store": Provide(_provide_store, sync_to_thread=False),
        "idempotency": provide_idempotency,
    }
