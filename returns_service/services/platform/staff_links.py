"""The agent console's "email me a sign-in link": an agent types their email on `/agent` and
gets a link, `RETURNS_PUBLIC_URL/agent/l/{token}`, that signs them in once, within 15 minutes.

The answer is the same whether or not an agent has that email. Requests are counted for an
hour, like the portal's link form (store/sign_in_links.py): more than `PER_CLIENT` from one
client is a 429; more than `PER_AGENT` emails to one agent are silently not sent.

A link is a signed claim of (store, request row, expiry); the row makes it good for one use
(the first follower marks it used, in one conditional UPDATE). Following it makes a fresh
staff token for that agent, with the agent's role: the console's cookie holds it, signing out
revokes it, and housekeeping revokes it after a working day (`api_token` has no expiry of its
own), so a forgotten browser does not hold a key for ever."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

import msgspec

from returns_service.clock import Clock
from returns_service.db import locks
from returns_service.db.engine import DB
from returns_service.db.tables import Agent, AgentSignInLink, ApiToken, Store
from returns_service.domain.access import Caller, Role
from returns_service.domain.emails import EmailTemplate, Message
from returns_service.domain.errors import TooManyAttempts
from returns_service.domain.orders import normalize_email
from returns_service.emails.html import Brand
from returns_service.services.platform.auth import b64, create_staff_token, sign, unb64
from returns_service.services.platform.outbox import enqueue_email
from returns_service.services.platform.runtime import Runtime

LINK_PREFIX = "rsa1."
LINK_TTL = timedelta(minutes=15)
SESSION = timedelta(hours=12)  # a working day: the console's cookie lives as long
WINDOW = timedelta(hours=1)
KEPT = timedelta(days=1)  # longer than a session, so housekeeping finds its token
PER_CLIENT = 10
PER_AGENT = 3


class _Claim(msgspec.Struct, frozen=True):
    s: int  # store
    i: int  # the request's row
    e: int  # expiry, unix seconds


def _signature(secret: str, payload: str) -> str:
    # its own purpose: a console link is never a portal link or session, nor the reverse
    return sign("agent-link:" + secret, payload)


def _token(secret: str, claim: _Claim) -> str:
    payload = b64(msgspec.json.encode(claim))
    return f"{LINK_PREFIX}{payload}.{_signature(secret, payload)}"


async def email_sign_in_link(store_id: int, email: str, client: str, rt: Runtime) -> bool:
    """Queue the link when an agent has this email and their hourly allowance is not used
    up. Returns whether an email was queued (for tests and logs, never for the caller)."""
    now = rt.clock.now()
    async with DB.transaction():
        # client before agent, always: two requests never wait for each other in a cycle
        await locks.lock_lookup_client(f"agent-links:{store_id}:client:{client}")
        await AgentSignInLink.delete().where(
            (AgentSignInLink.store == store_id)
            & (AgentSignInLink.requested_at < now - KEPT)
            & AgentSignInLink.token.is_null()
        )
        recent = (AgentSignInLink.store == store_id) & (
            AgentSignInLink.requested_at >= now - WINDOW
        )
        asked = await AgentSignInLink.count().where(recent & (AgentSignInLink.client == client))
        if asked >= PER_CLIENT:
            oldest = await (
                AgentSignInLink.select(AgentSignInLink.requested_at)
                .where(recent & (AgentSignInLink.client == client))
                .order_by(AgentSignInLink.requested_at)
                .first()
            )
            wait = (oldest["requested_at"] + WINDOW - now) if oldest else WINDOW
            raise TooManyAttempts(
                "Too many links asked for from here. Please wait and try again.",
                retry_after_seconds=int(wait.total_seconds()) + 1,
            )
        agent = await (
            Agent.select(Agent.id, Agent.name, Agent.display_name, Agent.email, Agent.languages)
            .where((Agent.store == store_id) & (Agent.email == normalize_email(email)))
            .first()
        )
        sent_to_agent = 0
        if agent is not None:
            await locks.lock_lookup_client(f"agent-links:{store_id}:agent:{agent['id']}")
            sent_to_agent = await AgentSignInLink.count().where(
                recent & (AgentSignInLink.agent == agent["id"])
            )
        rows = await AgentSignInLink.insert(
            AgentSignInLink(
                store=store_id,
                client=client[:128],
                agent=agent["id"] if agent else None,
                requested_at=now,
                expires_at=now + LINK_TTL,
            )
        ).run()
        if agent is None or sent_to_agent >= PER_AGENT:
            return False
        store = await Store.select(Store.name).where(Store.id == store_id).first()
        store_name = store["name"] if store else ""
        expires = int((now + LINK_TTL).timestamp())
        token = _token(rt.secret_key, _Claim(s=store_id, i=rows[0]["id"], e=expires))
        languages = list(agent["languages"] or [])
        await enqueue_email(
            store_id=store_id,
            case_id=None,
            template=EmailTemplate.AGENT_SIGN_IN_LINK,
            recipient=agent["email"],
            language=languages[0] if languages else "en",
            clock=rt.clock,
            brand=Brand(store_name, rt.brand_colour, rt.brand_logo_url),
            first_name=agent["display_name"] or agent["name"],
            agent=Message("email.team", {"store": store_name}),
            store=store_name,
            link=f"{rt.public_url}/agent/l/{token}",
        )
    return True


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The fresh staff token a followed link made, and how long the console keeps it."""

    token: str
    seconds: int


async def follow(store_id: int, token: str, rt: Runtime) -> SignedIn | None:
    """Sign the link's agent in: a new token of their role. None when the link is forged,
    from another store, expired, already used, or its agent is gone."""
    payload, _, signature = token.removeprefix(LINK_PREFIX).partition(".")
    expected = _signature(rt.secret_key, payload)
    if not token.startswith(LINK_PREFIX) or not hmac.compare_digest(
        signature.encode(), expected.encode()
    ):
        return None
    try:
        claim = msgspec.json.decode(unb64(payload), type=_Claim)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
        return None
    now = rt.clock.now()
    if claim.s != store_id or claim.e <= now.timestamp():
        return None
    async with DB.transaction():
        # the first follower wins: a second (a mail scanner that fetched it, a replay) finds
        # it used, even at the same moment (the row lock orders them)
        used = await (
            AgentSignInLink.update({AgentSignInLink.used_at: now})
            .where(
                (AgentSignInLink.store == store_id)
                & (AgentSignInLink.id == claim.i)
                & AgentSignInLink.used_at.is_null()
                & (AgentSignInLink.expires_at > now)
                & AgentSignInLink.agent.is_not_null()
            )
            .returning(AgentSignInLink.agent)
            .run()
        )
        if not used:
            return None
        agent = await (
            Agent.select(Agent.id, Agent.name, Agent.role)
            .where((Agent.store == store_id) & (Agent.id == used[0]["agent"]))
            .first()
        )
        if agent is None:
            return None
        issued = await create_staff_token(
            store_id,
            Role(agent["role"]),
            rt.clock,
            name=f"{agent['name']} (console sign-in link)",
            agent_id=agent["id"],
        )
        await AgentSignInLink.update({AgentSignInLink.token: issued.id}).where(
            AgentSignInLink.id == claim.i
        )
    return SignedIn(issued.token, int(SESSION.total_seconds()))


async def sign_out(caller: Caller, clock: Clock) -> bool:
    """Revoke the caller's token if a console link made it (True). A token pasted by hand is
    left alone: an admin gave it to the agent, who may use it elsewhere (scripts, the API)."""
    if caller.token_id is None:
        return False
    made_by_link = await AgentSignInLink.exists().where(
        (AgentSignInLink.store == caller.store_id) & (AgentSignInLink.token == caller.token_id)
    )
    if not made_by_link:
        return False
    await revoke_tokens([caller.token_id], clock)
    return True


async def revoke_tokens(token_ids: list[int], clock: Clock) -> None:
    if token_ids:
        await ApiToken.update({ApiToken.revoked_at: clock.now()}).where(
            ApiToken.id.is_in(token_ids) & ApiToken.revoked_at.is_null()
        )


async def end_old_link_sessions(clock: Clock) -> int:
    """Housekeeping: revoke the tokens links made more than a working day ago, and forget the
    requests older than a day. Returns how many tokens were revoked."""
    now = clock.now()
    old = await AgentSignInLink.select(AgentSignInLink.token).where(
        AgentSignInLink.token.is_not_null()
        & AgentSignInLink.token.revoked_at.is_null()
        & (AgentSignInLink.used_at <= now - SESSION)
    )
    tokens = [row["token"] for row in old]
    async with DB.transaction():
        await revoke_tokens(tokens, clock)
        await AgentSignInLink.delete().where(AgentSignInLink.requested_at < now - KEPT)
    return len(tokens)
