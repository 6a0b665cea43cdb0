"""The opaque cursor of a list paged by one id: a letter naming the list (so a cursor of one
list is never read by another) and the id, base64url without padding. A cursor this service
did not give out is a 400 naming the `cursor` field, never a 5xx."""

from __future__ import annotations

import base64

from returns_service.domain.errors import InvalidRequest


def encode_id_cursor(tag: str, last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{tag}{last_id}".encode()).decode().rstrip("=")


def decode_id_cursor(tag: str, cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw[: len(tag)] != tag or not raw[len(tag) :].isdigit():
            raise ValueError(raw)
        return int(raw[len(tag) :])
    except ValueError as error:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise InvalidRequest(
            "the cursor is not one this service gave out", field="cursor"
        ) from error
