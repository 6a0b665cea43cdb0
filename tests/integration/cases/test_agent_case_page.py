"""The console's case page (/agent/cases/{number}): what an agent sees of a case, the macro
preview and the reply, notes, and who may see it. The actions are in test_agent_case_actions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseMessage, CaseNote, OutboxMessage, ReturnCase
from returns_service.domain.access import Role
from returns_service.web.sessions import AGENT_COOKIE
from tests.integration.helpers import (
    Client,
    add_agent,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)


@dataclass
class Console:
    """A signed-in agent's browser: their cookie, the form token, their bearer for the API."""

    client: Client
    csrf: str
    bearer: dict[str, str]
    token: str

    def sign_in(self) -> None:
        self.client.cookies.set(AGENT_COOKIE, self.token, path="/agent")

    async def post(self, path: str, data: dict[str, str], **headers: str):  # type: ignore[no-untyped-def]
        self.sign_in()
        return await self.client.post(
            path, data=data, headers={"x-csrftoken": self.csrf, **headers}
        )

    async def get(self, path: str):  # type: ignore[no-untyped-def]
        self.sign_in()
        return await self.client.get(path)


async def console(client: Client, bearer: dict[str, str]) -> Console:
    await client.get("/agent")  # the sign-in page sets the form token's cookie
    csrf = client.cookies["csrftoken"]
    return Console(client, csrf, bearer, bearer["Authorization"].removeprefix("Bearer "))


@dataclass
class Store:
    admin: dict[str, str]
    ioana: Console
    customer: dict[str, str]
    lines: dict[str, int]


@pytest.fixture
async def store(client: Client, clock: FrozenClock) -> Store:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, ioana = await add_agent(client, admin, "Ioana")
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    return Store(admin, await console(client, ioana), customer, lines)


async def with_sam(client: Client, store: Store) -> Console:
    _, sam = await add_agent(client, store.admin, "Sam")
    return await console(client, sam)


async def test_the_case_page_shows_the_case_with_the_customer_beside_it(
    client: Client, store: Store
) -> None:
    number = (await open_return(client, store.customer, refund_item(store.lines["RING-8-BLK"])))[
        "number"
    ]
    await client.post(
        f"/api/v1/portal/returns/{number}/messages",
        json={"body": "Can I send it next week?"},
        headers=store.customer,
    )
    await client.post(
        f"/api/v1/cases/{number}/notes", json={"body": "Loyal; be kind"}, headers=store.ioana.bearer
    )
    page = await store.ioana.get(f"/agent/cases/{number}")
    assert page.status_code == 200, page.text
    html = page.text
    assert f'data-case="{number}"' in html.split("<main", 1)[0]  # on <body>, for live updates
    assert f'<section id="conversation" class="card" data-case="{number}"' in html
    assert "Ana Pop" in html and "ana@example.com" in html and "United States" in html
    # the customer 360: order 1001 with its lines, and what Ana has bought in all
    assert "RING-8-BLK" in html and "Genesis chronograph" in html and "$395.00" in html
    assert re.search(r'id="lifetime-value"><bdi>\$460\.00</bdi>', html)
    # the conversation, newest last, the note marked internal
    thread = html.split('id="conversation"', 1)[1].split("</section>", 1)[0]
    assert thread.index("Can I send it next week?") < thread.index("Loyal; be kind")
    assert 'class="entry note"' in thread and ">internal<" in thread
    # timeline, label, amounts, payments
    assert "Approved" in html or "approved" in html
    assert 'id="label-tracking"' in html and f"/agent/cases/{number}/label.pdf" in html
    assert 'id="refund-total"><bdi>$25.00</bdi>' in html and "No money has moved yet." in html
    label = await store.ioana.get(f"/agent/cases/{number}/label.pdf")
    assert label.status_code == 200 and label.content.startswith(b"%PDF")


async def test_the_conversation_is_served_alone_for_live_updates(
    client: Client, store: Store
) -> None:
    number = (await open_return(client, store.customer, refund_item(store.lines["RING-8-BLK"])))[
        "number"
    ]
    await client.post(
        f"/api/v1/portal/returns/{number}/messages", json={"body": "Hello?"}, headers=store.customer
    )
    fragment = await store.ioana.get(f"/agent/cases/{number}/conversation")
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith(
        f'<section id="conversation" class="card" data-case="{number}"'
    )
    assert "Hello?" in fragment.text and "<html" not in fragment.text


async def test_another_agents_case_is_the_same_404_as_the_api(client: Client, store: Store) -> None:
    number = (await open_return(client, store.customer, refund_item(store.lines["RING-8-BLK"])))[
        "number"
    ]
    sam = await with_sam(client, store)
    api = await client.get(f"/api/v1/cases/{number}", headers=sam.bearer)
    for path in ("", "/conversation", "/label.pdf"):
        page = await sam.get(f"/agent/cases/{number}{path}")
        assert (page.status_code, page.headers["content-type"]) == (
            404,
            api.headers["content-type"],
        )
        assert page.json()["type"] == api.json()["type"]
    for action, data in (("messages", {"body": "hi"}), ("notes", {"body": "x"}), ("refund", {})):
        refused = await sam.post(f"/agent/cases/{number}/{action}", data)
        assert refused.status_code == 404
    confirm = await sam.post(f"/agent/cases/{number}/close/confirm", {"idempotency_key": "k" * 16})
    assert confirm.status_code == 404
    assert await CaseMessage.count() == 0 and await CaseNote.count() == 0
    assert (await ReturnCase.select(ReturnCase.status))[0]["status"] == "approved"


async def test_without_a_session_the_case_page_sends_to_sign_in(
    client: Client, store: Store
) -> None:
    response = await client.get("/agent/cases/R-NOPE")
    assert (response.status_code, response.headers["location"]) == (303, "/agent")


@pytest.mark.parametrize(
    "status",
    [
        "requested",
        "approved",
        "in_transit",
        "received",
        "inspected",
        "resolved",
        "closed",
        "rejected",
        "cancelled",
        "expired",
    ],
)
async def test_a_case_page_renders_in_every_status(
    client: Client, store: Store, status: str
) -> None:
    number = (await open_return(client, store.customer, refund_item(store.lines["RING-8-BLK"])))[
        "number"
    ]
    await ReturnCase.update({ReturnCase.status: status}).where(ReturnCase.number == number)
    page = await store.ioana.get(f"/agent/cases/{number}")
    assert page.status_code == 200, page.text
    assert f'class="status status-{status}" id="case-status"' in page.text
    offered = set(re.findall(r'id="action-(\w+)"', page.text))
    expected = {
        "requested": {"approve", "reject", "close"},
        "approved": {"label", "refund", "close"},
        "in_transit": {"label", "refund"},
        "received": {"refund"},
        "inspected": {"refund"},
        "resolved": {"refund", "close"},
        "closed": set(),
        "rejected": {"close"},
        "cancelled": set(),
        "expired": {"close"},
    }[status]
    assert offered == expected


async def test_a_macro_is_filled_for_the_case_edited_and_sent(client: Client, store: Store) -> None:
    number = (await open_return(client, store.customer, refund_item(store.lines["RING-8-BLK"])))[
        "number"
    ]
    macro = await client.post(
        "/api/v1/macros",
        json={"name": "Label", "body": "Hi {{customer.first_name}}, case {{case.number}} is ok."},
        headers=store.ioana.bearer,
    )
    macro_id = str(macro.json()["id"])
    filled = f"Hi Ana, case {number} is ok."
    # the page's script asks for JSON; without JavaScript the page comes back filled in
    as_json = await store.ioana.post(
        f"/agent/cases/{number}/macro-preview", {"macro_id": macro_id}, accept="application/json"
    )
    assert as_json.status_code == 200 and as_json.json() == {"body": filled}
    page = await store.ioana.post(f"/agent/cases/{number}/macro-preview", {"macro_id": macro_id})
    assert page.status_code == 200 and f">{filled}</textarea>" in page.text
    assert f'<option value="{macro_id}" selected>' in page.text
    assert await CaseMessage.count() == 0  # a preview sends nothing

    sent = await store.ioana.post(
        f"/agent/cases/{number}/messages", {"body": filled + " Thanks!", "macro_id": macro_id}
    )
    assert (sent.status_code, sent.headers["location"]) == (
        303,
        f"/agent/cases/{number}?done=reply#conversation",
    )
    messages = await CaseMessage.select(CaseMessage.body, CaseMessage.author_kind)
    assert messages == [{"body": filled + " Thanks!", "author_kind": "agent"}]
    emails = await OutboxMessage.select(OutboxMessage.body).where(
        OutboxMessage.template == "concierge_message"
    )
    assert len(emails) == 1 and "Thanks!" in emails[0]["body"]


async def test_an_unknown_macro_or_an_empty_reply_is_said_on_the_page(
    client: Client, store: Store
) -> None:
    number = (await open_return(client, store.customer, refund_item(store.lines["RING-8-BLK"])))[
        "number"
    ]
    unknown = await store.ioana.post(f"/agent/cases/{number}/macro-preview", {"macro_id": "999"})
    assert unknown.status_code == 422 and "there is no macro 999" in unknown.text
    empty = await store.ioana.post(f"/agent/cases/{number}/messages", {"body": "   "})
    assert empty.status_code == 422 and "write the reply first" in empty.text
    assert await CaseMessage.count() == 0


async def test_a_note_stays_internal(client: Client, store: Store) -> None:
    number = (await open_return(client, store.customer, refund_item(store.lines["RING-8-BLK"])))[
        "number"
    ]
    noted = await store.ioana.post(f"/agent/cases/{number}/notes", {"body": "Call her Friday"})
    assert noted.status_code == 303
    assert await CaseNote.select(CaseNote.body) == [{"body": "Call her Friday"}]
    customer_view = await client.get(f"/api/v1/portal/returns/{number}", headers=store.customer)
    assert "Call her Friday" not in customer_view.text
    assert await OutboxMessage.count().where(OutboxMessage.template == "concierge_message") == 0


async def test_a_late_return_is_offered_for_approval_as_an_exception(
    client: Client, store: Store, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 9, 10, 12, tzinfo=UTC))  # the rings' window closed on 4 Sep
    customer = await portal_headers(client)  # the session of 1 September has expired
    number = (await open_return(client, customer, refund_item(store.lines["RING-8-BLK"])))["number"]
    page = await store.ioana.get(f"/agent/cases/{number}")
    assert "outside the policy" in page.text and 'id="action-approve"' in page.text
