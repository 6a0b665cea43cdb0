"""A path parameter the schema allows reaches its own route. A value of "." or ".." is a
dot segment HTTP clients remove before sending (RFC 3986 section 5.2.4): `POST
/api/v1/cases/./refund` leaves as `POST /api/v1/cases/refund` and met the `GET` route of a
case (405), which the schema fuzzer reported as a schema-valid request rejected (ST202).
Case numbers are documented with the pattern they have, which excludes dot segments."""

from __future__ import annotations

import re

import httpx

from returns_service.domain.cases import CASE_NUMBER_PATTERN, new_case_number


def remove_dot_segments(path: str) -> str:
    """What a client sends for `path` (RFC 3986 5.2.4, as urllib3 and browsers do)."""
    out: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    trailing = path.endswith(("/.", "/.."))
    return "/" + "/".join(out) + ("/" if trailing else "")


def test_case_numbers_match_their_pattern_and_dot_segments_do_not() -> None:
    pattern = re.compile(CASE_NUMBER_PATTERN)
    assert all(pattern.search(new_case_number()) for _ in range(200))
    assert not pattern.search(".") and not pattern.search("..") and not pattern.search("a/b")


async def test_no_documented_path_value_reaches_another_route(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["in"] != "path" or schema.get("type") != "string":
                    continue
                for value in (".", ".."):
                    allowed = re.search(schema["pattern"], value) if "pattern" in schema else True
                    if not allowed:
                        continue
                    concrete = re.sub(
                        r"\{[^}]*\}", "1", path.replace(f"{{{parameter['name']}}}", value)
                    )
                    sent = remove_dot_segments(concrete)
                    response = await client.request(method.upper(), sent)
                    if response.status_code == 405:
                        found.append(f"{method.upper()} {path} with {parameter['name']}={value!r}")
    assert not found, found


async def test_every_case_number_in_a_path_is_documented_with_its_pattern(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    numbers = [
        p["schema"]
        for operations in document["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for p in operation.get("parameters", [])
        if p["in"] == "path" and p["name"] == "number"
    ]
    assert numbers and all(s.get("pattern") == CASE_NUMBER_PATTERN for s in numbers)
