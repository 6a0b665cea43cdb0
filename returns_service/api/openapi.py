"""Finishing touches on the generated OpenAPI document, applied once at startup, so that what
it promises is what the service does: every error is a documented RFC 9457 problem, public
routes need no token, and request bodies reject unknown fields (as our msgspec Structs do)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

ERRORS = {
    "400": "Malformed JSON or invalid fields",
    "401": "No token, or an unknown, revoked or expired one",
    "403": "A token of a role that may not do this",
    "404": "Not found, or not yours to see",
    "409": "Not possible in the current state (or an Idempotency-Key still in use)",
    "413": "The request body is too large",
    "422": "Well-formed, but against a rule",
    "429": "Too many attempts: see Retry-After",
    "503": "The database is busy or unreachable; nothing was saved: see Retry-After",
}
PUBLIC_ERRORS = ("400", "404", "409", "413", "422", "429", "503")
WEBHOOK_ERRORS = ("401", *PUBLIC_ERRORS)  # webhooks answer 401 to a bad signature


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def _close_objects(node: Any, components: dict[str, Any], seen: set[str]) -> None:
    """Mark every object schema reachable from `node` as allowing no extra properties."""
    if isinstance(node, list):
        for child in node:
            _close_objects(child, components, seen)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name not in seen and name in components:
            seen.add(name)
            _close_objects(components[name], components, seen)
        return
    if node.get("type") == "object" and "properties" in node:
        node.setdefault("additionalProperties", False)
    for key in ("properties", "items", "anyOf", "oneOf", "allOf", "prefixItems"):
        value = node.get(key)
        if isinstance(value, dict) and key == "properties":
            for child in value.values():
                _close_objects(child, components, seen)
        elif value is not None:
            _close_objects(value, components, seen)


def _our_structs() -> dict[str, type[msgspec.Struct]]:
    found: dict[str, type[msgspec.Struct]] = {}
    pending = list(msgspec.Struct.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("returns_service."):
            found.setdefault(cls.__name__, cls)
    return found


def _msgspec_components(names: set[str]) -> dict[str, Any]:
    """msgspec's own JSON schema of our Structs: it keeps every constraint (Litestar's
    generated schema loses those on optional fields and list items)."""
    structs = _our_structs()
    wanted = [structs[name] for name in sorted(names) if name in structs]
    if not wanted:
        return {}
    _, components = msgspec.json.schema_components(
        wanted, ref_template="#/components/schemas/{name}"
    )
    return components


def complete(schema: dict[str, Any], public_paths: set[tuple[str, str]]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    # replace ours, and add the nested ones msgspec refers to that Litestar had inlined
    components.update(_msgspec_components(set(components)))
    components["Problem"] = PROBLEM_SCHEMA
    closed: set[str] = set()
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            public = (method.upper(), path) in public_paths
            codes = (
                (WEBHOOK_ERRORS if "/webhooks/" in path else PUBLIC_ERRORS)
                if public
                else tuple(ERRORS)
            )
            for code in codes:
                operation["responses"][code] = _problem(ERRORS[code])
            if public:
                operation["security"] = []
            for parameter in operation.get("parameters", []):
                if parameter.get("name", "").lower() == "idempotency-key":
                    # Litestar drops the bounds of an optional header; API.md sets them
                    parameter["schema"] = {"type": "string", "minLength": 8, "maxLength": 255}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                _close_objects(body.get("schema"), components, closed)


def finish_openapi(app: Litestar) -> None:
    """Called on startup: complete the cached OpenAPI document in place."""
    from litestar._openapi.plugin import OpenAPIPlugin

    plugin = app.plugins.get(OpenAPIPlugin)
    public = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.opt.get("public"):
                for method in handler.http_methods:
                    public.add((method.upper(), route.path_format))
    complete(plugin.provide_openapi_schema(), public)
