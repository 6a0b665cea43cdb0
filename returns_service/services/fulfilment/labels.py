"""Prepaid return labels: issued when a case is approved (where the policy pays for the
return), re-issued by an agent (the old one voided), served to the customer as a PDF."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass

import msgspec

from returns_service.adapters.carriers import (
    Address,
    BoughtLabel,
    LabelRequest,
    MemoryProgress,
    render_pdf,
)
from returns_service.db.engine import DB
from returns_service.db.scope import readable
from returns_service.db.tables import Label, ReturnCase
from returns_service.domain.access import Caller
from returns_service.domain.cases import Actor, CaseStatus
from returns_service.domain.errors import Conflict, NotFound
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.cases import timeline
from returns_service.services.cases.records import LockedCase, actor_for, lock_case
from returns_service.services.fulfilment import queries
from returns_service.services.platform.links import case_link
from returns_service.services.platform.runtime import Runtime
from returns_service.services.shop import writeback
from returns_service.services.store.policy import get_policy


@dataclass(frozen=True, slots=True)
class LabelFile:
    tracking_number: str
    content: bytes
    media_type: str
    filename: str


async def customer_address(order_id: int, customer_id: int) -> Address:
    """The customer's address, where their parcel leaves from."""
    row = await queries.ship_from(order_id, customer_id)
    if row is None:
        raise NotFound("the case's order or customer is gone")
    address = msgspec.json.decode(row.address) if row.address else {}
    address = address if isinstance(address, dict) else {}
    return Address(
        name=address.get("name") or f"{row.first_name} {row.last_name}".strip(),
        line1=address.get("line1", ""),
        line2=address.get("line2") or "",
        city=address.get("city", ""),
        region=address.get("region") or "",
        postal_code=address.get("postal_code", ""),
        country=address.get("country") or row.country or "",
    )


def return_address(policy: ReturnPolicy, country: str, rt: Runtime) -> Address:
    """Where the customer's parcel goes: the policy's address for their country, else the
    warehouse (`RETURNS_WAREHOUSE_ADDRESS`)."""
    chosen = policy.return_address(country)
    return Address(**msgspec.structs.asdict(chosen)) if chosen else rt.warehouse


async def _request(store_id: int, number: str, ship_from: Address, rt: Runtime) -> LabelRequest:
    policy = await get_policy(store_id)
    return LabelRequest(
        case_number=number,
        ship_from=ship_from,
        ship_to=return_address(policy, ship_from.country, rt),
        portal_url=case_link(store_id, number, rt),  # the QR code opens the case
    )


async def issue_on_approval(case: LockedCase, policy: ReturnPolicy, rt: Runtime) -> bool:
    """Right after approval: a prepaid label where the customer's country is covered,
    otherwise instructions to send the parcel themselves. Returns whether a label was made."""
    await writeback.on_approved(case, rt)  # the shop's return object, after commit
    ship_from = await customer_address(case.order_id, case.customer_id)
    if ship_from.country in policy.prepaid_label_countries:
        await issue(case, rt, actor=Actor("system", None, "system"), ship_from=ship_from)
        return True
    await timeline.record(
        store_id=case.store_id,
        case_id=case.id,
        actor=Actor("system", None, "system"),
        kind="ship_yourself",
        params={
            "address": asdict(return_address(policy, ship_from.country, rt)),
            "case_number": case.number,
        },
        detail=f"no prepaid label for {ship_from.country or 'an unknown country'}",
        at=rt.clock.now(),
    )
    return False


async def issue(
    case: LockedCase,
    rt: Runtime,
    actor: Actor,
    ship_from: Address | None = None,
) -> str:
    """Make a new label for a locked case, voiding the active one. Returns its tracking number."""
    now = rt.clock.now()
    active = await queries.active_labels(case.id)
    ship_from = ship_from or await customer_address(case.order_id, case.customer_id)
    request = await _request(case.store_id, case.number, ship_from, rt)
    for _ in range(5):  # a tracking number that exists already: ask for another
        created = await rt.carrier.buy_return_label(request, MemoryProgress())
        inserted = await queries.insert_label(
            store_id=case.store_id,
            case_id=case.id,
            carrier=created.carrier,
            tracking_number=created.tracking_number,
            pdf=created.pdf,
            zpl=created.zpl,
            request=msgspec.json.encode(request).decode(),  # what it shows, to render it later
            at=now,
        )
        if inserted is not None:
            break
    else:
        raise Conflict("the carrier kept returning tracking numbers already in use")
    for old in active:
        await rt.carrier.void_label(BoughtLabel(old.carrier, old.tracking_number))
        await Label.update({Label.status: "voided", Label.voided_at: now}).where(Label.id == old.id)
    await timeline.record(
        store_id=case.store_id,
        case_id=case.id,
        actor=actor,
        kind="label_replaced" if active else "label",
        detail=f"{created.carrier} {created.tracking_number}",
        at=now,
    )
    return created.tracking_number


async def void_active(case: LockedCase, rt: Runtime) -> int:
    """The case ended before the parcel left: its label must not be used any more."""
    active = await Label.select(Label.id, Label.carrier, Label.tracking_number).where(
        (Label.case == case.id) & (Label.status == "active")
    )
    for label in active:
        await rt.carrier.void_label(BoughtLabel(label["carrier"], label["tracking_number"]))
        await Label.update({Label.status: "voided", Label.voided_at: rt.clock.now()}).where(
            Label.id == label["id"]
        )
    return len(active)


async def reissue(caller: Caller, number: str, rt: Runtime) -> str:
    """An agent issues (or re-issues) the label of an approved case."""
    async with DB.transaction():
        case = await lock_case(caller, number)
        if case.status not in (CaseStatus.APPROVED, CaseStatus.IN_TRANSIT):
            raise Conflict(
                f"a {case.status.value} case gets no label: only approved cases whose parcel "
                "has not arrived"
            )
        tracking = await issue(case, rt, await actor_for(caller))
    return tracking


async def label_file(caller: Caller, number: str, kind: str = "pdf") -> LabelFile:
    """The active label of a case the caller may read; 404 when it has none."""
    case = await ReturnCase.select(ReturnCase.id).where(
        readable(caller, ReturnCase) & (ReturnCase.number == number)
    )
    if not case:
        raise NotFound(f"there is no case {number}")
    label = await queries.active_label(case[0]["id"])
    if label is None:
        raise NotFound(f"case {number} has no prepaid label")
    if kind == "zpl":
        return LabelFile(label.tracking_number, label.zpl.encode(), "text/plain", f"{number}.zpl")
    pdf = label.pdf
    if pdf is None:  # a built-in label, printed for the first time: render it, keep it
        assert label.request is not None  # a built-in label keeps what it shows
        request = msgspec.json.decode(label.request, type=LabelRequest)
        pdf = await asyncio.to_thread(render_pdf, request, label.tracking_number, label.carrier)
        await queries.keep_pdf(label.id, pdf)
    return LabelFile(label.tracking_number, bytes(pdf), "application/pdf", f"{number}.pdf")
