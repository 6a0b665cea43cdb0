"""A concierge at a desk: opens a case, answers from a macro (the preview fills in the
customer's name and the case number), refunds part of the price after a confirmation that
says the amount, moves with the keyboard; a lead hands a case to a colleague with a reason.
Every page and every confirmation passes axe-core."""

from __future__ import annotations

import re

import msgspec
import pytest
from playwright.async_api import expect

from returns_service.clock import FrozenClock
from returns_service.db.tables import (
    CaseEvent,
    CaseMessage,
    Macro,
    OutboxMessage,
    Payment,
    ReturnCase,
)
from returns_service.domain.access import Caller, Role
from returns_service.domain.catalog import ProductDocument
from returns_service.domain.orders import OrderDocument
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.store.catalog import put_product
from returns_service.services.store.orders import upsert_order
from returns_service.services.store.policy import put_policy
from returns_service.services.store.schemas import NewAgent
from returns_service.services.store.staff import create_agent
from tests.browser.conftest import DESKTOP, assert_no_serious_axe_violations, shot
from tests.browser.test_station import open_return
from tests.integration.helpers import WATCH_POLICY, order_doc, ring_product, watch_product

pytestmark = pytest.mark.browser


async def seed(clock: FrozenClock, *names: tuple[str, str]) -> dict[str, tuple[int, str]]:
    """The catalogue, the policy, order 1001 and the team; each member's id and token."""
    admin = Caller(Role.ADMIN, 1)
    await put_product(admin, "ring", msgspec.convert(ring_product(), ProductDocument), clock)
    await put_product(admin, "watch", msgspec.convert(watch_product(), ProductDocument), clock)
    await put_policy(admin, msgspec.convert(WATCH_POLICY, ReturnPolicy), clock)
    await upsert_order(admin, msgspec.convert(order_doc(), OrderDocument), clock)
    team = {}
    for name, role in names:
        made = await create_agent(
            admin,
            NewAgent(name=name, email=f"{name.lower()}@store.test", role=role),
            clock,  # type: ignore[arg-type]
        )
        team[name] = (made.id, made.token)
    return team


async def sign_in_console(page, token: str) -> None:  # type: ignore[no-untyped-def]
    await page.context.clear_cookies()
    await page.set_viewport_size(DESKTOP)
    await page.goto("/agent")
    await page.locator("#token").fill(token)
    await page.locator("#token").press("Enter")
    await page.wait_for_url("**/agent/queue")


async def test_an_agent_answers_from_a_macro_and_refunds_part(page, clock: FrozenClock) -> None:  # type: ignore[no-untyped-def]
    team = await seed(clock, ("Ioana", "agent"))
    await Macro.insert(
        Macro(
            store=1,
            name="Label on its way",
            body="Hi {{customer.first_name}}, your return {{case.number}} is approved.",
            created_at=clock.now(),
            updated_at=clock.now(),
        )
    )
    number = await open_return(page, "Size 8 / Black")
    await sign_in_console(page, team["Ioana"][1])
    await page.goto(f"/agent/cases/{number}")
    await expect(page.locator("h1")).to_have_text(f"Case {number}")
    await expect(page.locator("#customer-name")).to_have_text("Ana Pop")
    await expect(page.locator("#lifetime-value")).to_have_text("$460.00")
    await shot(page, "agent-case")
    await assert_no_serious_axe_violations(page)

    # keyboard: r opens the reply box (not while typing), ? the help, Escape closes it
    await page.locator("body").click(position={"x": 5, "y": 5})
    await page.keyboard.press("r")
    await expect(page.locator("#reply-body")).to_be_focused()
    await page.keyboard.type("n")  # typing in a field types, it moves nowhere
    await expect(page.locator("#reply-body")).to_have_value("n")
    await page.locator("#reply-body").fill("")
    await page.locator("h1").click()
    await page.keyboard.press("?")
    await expect(page.locator("#shortcuts")).to_be_visible()
    await expect(page.locator("#shortcuts-close")).to_be_focused()
    await page.keyboard.press("Tab")  # the only control: focus stays in the dialog
    await expect(page.locator("#shortcuts-close")).to_be_focused()
    await assert_no_serious_axe_violations(page)
    await page.keyboard.press("Escape")
    await expect(page.locator("#shortcuts")).to_be_hidden()
    await page.keyboard.press("n")
    await expect(page.locator("#note-body")).to_be_focused()

    # the macro, filled in for this case, edited, sent
    await page.locator("#macro").select_option(label="Label on its way")
    filled = f"Hi Ana, your return {number} is approved."
    await expect(page.locator("#reply-body")).to_have_value(filled)
    await expect(page.locator("#reply-body")).to_be_focused()
    await page.keyboard.press("End")
    await page.keyboard.type(" Print the label, please.")
    await shot(page, "agent-macro-preview")
    await page.locator("#send-reply").click()
    await page.wait_for_url(re.compile(r".*done=reply.*"))
    await expect(page.locator("#flash")).to_be_visible()
    sent = filled + " Print the label, please."
    await expect(page.locator("#conversation")).to_contain_text(sent)
    assert await CaseMessage.select(CaseMessage.body) == [{"body": sent}]
    emails = await OutboxMessage.select(OutboxMessage.body).where(
        OutboxMessage.template == "concierge_message"
    )
    assert len(emails) == 1 and "Print the label, please." in emails[0]["body"]

    # a partial refund: the confirmation says the amount; only its button pays, once
    await page.locator("h1").click()
    await page.keyboard.press("f")
    await expect(page.locator("#refund-amount")).to_be_focused()
    await page.keyboard.type("10.5")
    await page.keyboard.press("Enter")
    await expect(page.locator("#confirmation")).to_contain_text(
        "Refunds $10.50 to the original payment; this cannot be undone."
    )
    assert await Payment.count() == 0
    await shot(page, "agent-refund-confirm")
    await assert_no_serious_axe_violations(page)
    await page.locator("#confirm").click()
    await page.wait_for_url(re.compile(r".*done=refund"))
    await expect(page.locator("#flash")).to_have_text("Refunded.")
    await expect(page.locator("#payments")).to_contain_text("$10.50")
    assert await Payment.select(Payment.kind, Payment.amount) == [
        {"kind": "refund", "amount": 1050}
    ]
    # going back and confirming the same page again pays nothing more
    await page.go_back()
    await page.locator("#confirm").click()
    await page.wait_for_url(re.compile(r".*done=refund"))
    assert await Payment.count() == 1


async def test_a_lead_reassigns_a_case_and_every_confirmation_reads_well(  # type: ignore[no-untyped-def]
    page, clock: FrozenClock
) -> None:
    team = await seed(clock, ("Ioana", "agent"), ("Maria", "lead"))
    number = await open_return(page, "Size 8 / Black")
    sam_id, _ = (await seed_more(clock, "Sam"))["Sam"]
    await sign_in_console(page, team["Maria"][1])
    await page.goto(f"/agent/cases/{number}")
    await assert_no_serious_axe_violations(page)

    # each confirmation the case offers, then back without doing it
    await ReturnCase.update({ReturnCase.status: "requested"}).where(ReturnCase.number == number)
    await page.reload()
    await page.locator("#approve-comment").fill("Loyal customer")
    for form, fill in (("approve", None), ("reject", ("#reject-reason", "Worn")), ("close", None)):
        if fill:
            await page.locator(fill[0]).fill(fill[1])
        await page.locator(f"#action-{form} button[type=submit]").click()
        await expect(page.locator("#confirmation")).to_be_visible()
        await assert_no_serious_axe_violations(page)
        await page.locator("#cancel-confirm").click()
        await page.wait_for_url(f"**/agent/cases/{number}")
    await ReturnCase.update({ReturnCase.status: "approved"}).where(ReturnCase.number == number)
    await page.reload()
    for form in ("label", "refund"):
        await page.locator(f"#action-{form} button[type=submit]").click()
        await expect(page.locator("#confirmation")).to_be_visible()
        await assert_no_serious_axe_violations(page)
        await page.locator("#cancel-confirm").click()
    assert await CaseEvent.count().where(CaseEvent.kind == "handover") == 0

    # the hand-over: to Sam, with the reason
    await page.locator("#reassign-agent").select_option(str(sam_id))
    await page.locator("#reassign-reason").fill("Ioana is on holiday")
    await page.locator("#action-reassign button[type=submit]").click()
    await expect(page.locator("#confirmation")).to_contain_text(
        f"Hands {number} to Sam with the reason “Ioana is on holiday”"
    )
    await assert_no_serious_axe_violations(page)
    await shot(page, "agent-reassign")
    await page.locator("#confirm").click()
    await page.wait_for_url(re.compile(r".*done=reassign"))
    await expect(page.locator("#case-owner")).to_have_text("Sam")
    assert await ReturnCase.select(ReturnCase.agent) == [{"agent": sam_id}]


async def seed_more(clock: FrozenClock, name: str) -> dict[str, tuple[int, str]]:
    """A colleague who joins after the case was assigned (so it stays with Ioana)."""
    made = await create_agent(
        Caller(Role.ADMIN, 1), NewAgent(name=name, email=f"{name.lower()}@store.test"), clock
    )
    return {name: (made.id, made.token)}
