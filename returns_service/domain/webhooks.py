"""Outbound webhooks' rules: the event types of the contract, which addresses a delivery may go
to, and when a failed delivery is tried again. Pure: addresses are checked as given (the
service resolves names before it sends, see adapters/webhooks.py), time is passed in."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from returns_service.domain.errors import InvalidRequest

EVENT_TYPES = (
    "case.opened",
    "case.approved",
    "case.rejected",
    "case.cancelled",
    "case.assigned",
    "case.expired",
    "parcel.in_transit",
    "parcel.received",
    "case.inspected",
    "refund.issued",
    "credit.issued",
    "exchange.shipped",
    "message.created",
    "case.closed",
)

# Standard Webhooks' recommended schedule: the first attempt at once, then these pauses; the
# last retry comes more than 24 hours after the event (27 h 35 min 5 s).
RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
# A receiver's Retry-After is believed up to this; beyond it the schedule decides.
MAX_RETRY_AFTER = timedelta(hours=10)
# An endpoint that has failed without one success for this long is paused.
PAUSE_AFTER = timedelta(days=3)
URL_MAX_LENGTH = 2000


def check_events(events: list[str]) -> list[str]:
    """The subscribed types, each once, in the contract's order; an unknown one is refused by
    its index."""
    if not events:
        raise InvalidRequest("subscribe to at least one event type", field="events")
    for n, event in enumerate(events):
        if event not in EVENT_TYPES:
            raise InvalidRequest(
                f"{event!r} is not an event type; one of: {', '.join(EVENT_TYPES)}",
                field=f"events[{n}]",
            )
    return [e for e in EVENT_TYPES if e in events]


def is_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Loopback, private, link-local (cloud metadata), multicast, reserved or unspecified:
    an address inside the service's own network that a webhook must not be aimed at."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_private(address.ipv4_mapped)
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_url(url: str, allow_private: bool) -> str:
    """An endpoint's address: https to a public host. With `allow_private` (tests, a private
    network) loopback and private hosts are allowed too, and only those may use plain http.
    A host given by name is checked again when a delivery resolves it."""
    url = url.strip()
    if len(url) > URL_MAX_LENGTH:
        raise InvalidRequest(f"the url is longer than {URL_MAX_LENGTH} characters", field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 -- a port that is not a number raises here
    except ValueError:  # "https://[::1/", a port that is not a number
        raise InvalidRequest("the url is not a valid address", field="url") from None
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidRequest("the url must be an https:// address with a host", field="url")
    if parts.username or parts.password:
        raise InvalidRequest("the url must not carry a user name or password", field="url")
    literal = literal_address(host)
    local = host == "localhost" or host.endswith(".localhost")
    private = local or (literal is not None and is_private(literal))
    if private and not allow_private:
        raise InvalidRequest(
            f"{host} is a loopback or private address (RETURNS_WEBHOOK_ALLOW_PRIVATE=true "
            "allows it)",
            field="url",
        )
    if parts.scheme == "http" and not (allow_private and private):
        raise InvalidRequest("the url must be an https:// address", field="url")
    return url


def next_attempt(attempts: int, now: datetime, retry_after: float | None) -> datetime | None:
    """When to try again after `attempts` failed attempts, or None: give up. A receiver's
    Retry-After (429, 503) is honoured when it asks for longer than the schedule."""
    if attempts >= MAX_ATTEMPTS:
        return None
    pause = RETRY_SCHEDULE[attempts - 1]
    if retry_after is not None:
        pause = max(pause, min(timedelta(seconds=retry_after), MAX_RETRY_AFTER))
    return now + pause


def should_pause(failing_since: datetime | None, now: datetime) -> bool:
    return failing_since is not None and now - failing_since >= PAUSE_AFTER
