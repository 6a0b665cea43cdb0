"""Prepaid return labels: issued when a case is approved (where the policy pays for the
return), re-issued by an agent (the old one voided), served to the customer as a PDF (and a
provider's QR code for label-free drop-off as an image). A provider's label is bought after
the approval commits (services/fulfilment/purchases.py)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import asdict, dataclass
from typing import Literal

import msgspec

from returns_service.adapters.carriers import (
    Address,
    BuiltinCarrier,
    CarrierAdapter,
    LabelRequest,
    MemoryProgress,
    render_pdf,
)
from returns_service.adapters.carriers.base import RETRYABLE
from returns_service.db.engine import DB
from returns_service.db.scope import readable
from returns_service.db.tables import Label, ReturnCase
from returns_service.domain.access import Caller
from returns_service.domain.cases import Actor, CaseStatus
from returns_service.domain.errors import Conflict, NotFound
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.cases import timeline
from returns_service.services.cases.records import LockedCase, actor_for, lock_case
from returns_service.services.fulfilment import parcels, purchases, queries
from returns_service.services.platform import jobs
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


def made_here(carrier: CarrierAdapter) -> bool:
    """The built-in carrier makes its labels locally: nothing is bought from anyone, so its
    label is made in the approving transaction (a rollback loses nothing); a provider's is
    bought by a `label.buy` job after the commit (services/fulfilment/purchases.py)."""
    return carrier.name == BuiltinCarrier.name


async def _request(case: LockedCase, ship_from: Address, rt: Runtime) -> LabelRequest:
    policy = await get_policy(case.store_id)
    ship_to = return_address(policy, ship_from.country, rt)
    units = await parcels.returned_units(case.id, case.store_id)
    parcel = parcels.parcel_for(units)
    return LabelRequest(
        case_number=case.number,
        ship_from=ship_from,
        ship_to=ship_to,
        portal_url=case_link(case.store_id, case.number, rt),  # the QR code opens the case
        weight_grams=parcel.weight_grams,
        # unique per purchase: the provider keeps it on the shipment, and a retried purchase
        # finds the first one by it
        reference=f"{case.number}-{uuid.uuid4().hex[:12]}",
        parcel=parcel,
        customs=parcels.customs_for(units, ship_from.country, ship_to.country),
        service=policy.label_service,
    )


LabelOutcome = Literal["label", "buying", "none"]


async def issue_on_approval(case: LockedCase, policy: ReturnPolicy, rt: Runtime) -> LabelOutcome:
    """Right after approval: a prepaid label where the customer's country is covered,
    otherwise instructions to send the parcel themselves. "buying": a provider's label is
    bought after the commit, and the approval email waits for it (it carries the link)."""
    await writeback.on_approved(case, rt)  # the shop's return object, after commit
    ship_from = await customer_address(case.order_id, case.customer_id)
    if ship_from.country in policy.prepaid_label_countries:
        tracking = await issue(
            case, rt, actor=Actor("system", None, "system"), ship_from=ship_from, announce=True
        )
        return "label" if tracking else "buying"
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
    return "none"


async def issue(
    case: LockedCase,
    rt: Runtime,
    actor: Actor,
    ship_from: Address | None = None,
    announce: bool = False,
) -> str:
    """Make a new label for a locked case, voiding the unused one (or resume a provider's
    purchase that gave up on timeouts, `_resume_gave_up`). Returns its tracking number; '' for
    a provider's label, which a `label.buy` job buys after the commit (`announce`: the
    approval email is sent with it then)."""
    now = rt.clock.now()
    replaces = await void_active(case, rt) > 0
    if await _resume_gave_up(case, rt, replaces=replaces, announce=announce):
        return ""
    ship_from = ship_from or await customer_address(case.order_id, case.customer_id)
    request = await _request(case, ship_from, rt)
    encoded = msgspec.json.encode(request).decode()  # what it shows, to render it later
    if not made_here(rt.carrier):
        row = await Label.insert(
            Label(
                store=case.store_id,
                case=case.id,
                carrier="",
                tracking_number=None,  # the provider gives it when it sells the label
                provider=rt.carrier.name,
                reference=request.reference,
                status="buying",
                request=encoded,
                announce=announce,
                created_at=now,
            )
        ).returning(Label.id)
        await jobs.enqueue(
            store_id=case.store_id,
            case_id=case.id,
            topic="label.buy",
            payload={"label_id": row[0]["id"], "replaces": replaces},
            clock=rt.clock,
        )
        return ""
    for _ in range(5):  # a tracking number that exists already: ask for another
        created = await rt.carrier.buy_return_label(request, MemoryProgress())
        inserted = await queries.insert_label(
            store_id=case.store_id,
            case_id=case.id,
            carrier=created.carrier,
            tracking_number=created.tracking_number,
            pdf=created.pdf,
            zpl=created.zpl,
            request=encoded,
            at=now,
        )
        if inserted is not None:
            break
    else:
        raise Conflict("the carrier kept returning tracking numbers already in use")
    await timeline.record(
        store_id=case.store_id,
        case_id=case.id,
        actor=actor,
        kind="label_replaced" if replaces else "label",
        detail=f"{created.carrier} {created.tracking_number}",
        at=now,
    )
    if replaces:  # the first label goes with the shop's return (shop.return)
        await writeback.on_tracking(case, created.tracking_number, created.carrier, rt, label=True)
    return created.tracking_number


async def _resume_gave_up(case: LockedCase, rt: Runtime, *, replaces: bool, announce: bool) -> bool:
    """A purchase that gave up on timeouts, 5xx or 429s may have been sold all the same (the
    answer was lost, not the sale). A new purchase, with a new reference, would never find
    that sale, nor refund it: the same label row and reference go back to `buying`, and a new
    `label.buy` job starts with the earlier jobs' notes, so the adapter finds the sale or
    buys once. It buys what the failed label asked for (its stored request): a sale made
    then is for that request. A purchase the provider refused (an address, no rates, funds,
    the key) sold nothing: a new one, from the case as it is now, is right for it."""
    gave_up = await queries.newest_gave_up_purchase(case.id, RETRYABLE)
    if gave_up is None:
        return False
    await Label.update(
        {
            Label.status: "buying",
            Label.failure_kind: "",
            Label.failure_message: "",
            Label.announce: announce,
        }
    ).where((Label.id == gave_up.label_id) & (Label.status == "failed"))
    await jobs.enqueue(
        store_id=case.store_id,
        case_id=case.id,
        topic="label.buy",
        payload={
            "label_id": gave_up.label_id,
            "replaces": replaces or gave_up.replaces,
            "progress": gave_up.progress,
        },
        clock=rt.clock,
    )
    return True


async def void_active(case: LockedCase, rt: Runtime) -> int:
    """The case ended before the parcel left, or its label is replaced: the unused label must
    not be used any more. Our record says so now, in the caller's transaction; the provider
    is asked for the refund by a `label.void` job after the commit. A label being bought is
    voided too (its job voids what it buys); a scanned parcel's label is not voided."""
    now = rt.clock.now()
    unused = await Label.select(Label.id, Label.provider, Label.status).where(
        (Label.case == case.id)
        & Label.status.is_in(["active", "buying"])
        & Label.in_transit_at.is_null()
    )
    for label in unused:
        await Label.update({Label.status: "voided", Label.voided_at: now}).where(
            Label.id == label["id"]
        )
        if label["status"] == "active" and label["provider"] not in ("", BuiltinCarrier.name):
            await jobs.enqueue(
                store_id=case.store_id,
                case_id=case.id,
                topic="label.void",
                payload={"label_id": label["id"]},
                clock=rt.clock,
            )
    return len(unused)


async def reissue(caller: Caller, number: str, rt: Runtime) -> str:
    """An agent issues (or re-issues) the label of an approved case, e.g. after correcting the
    address a provider refused, or after a purchase gave up on timeouts (resumed, not bought
    anew). The approval email still waiting for a label that failed waits for this one."""
    async with jobs.after_commit(rt), DB.transaction():
        case = await lock_case(caller, number)
        if case.status not in (CaseStatus.APPROVED, CaseStatus.IN_TRANSIT):
            raise Conflict(
                f"a {case.status.value} case gets no label: only approved cases whose "
                "parcel has not arrived"
            )
        waiting = await Label.exists().where(
            (Label.case == case.id)
            & (Label.announce == True)  # noqa: E712 (a query, not a comparison)
            & Label.status.is_in(["failed", "buying"])
        )
        tracking = await issue(case, rt, await actor_for(caller), announce=waiting)
        # the new label owes the email now; the failed one no longer does
        await Label.update({Label.announce: False}).where(
            (Label.case == case.id) & (Label.status == "failed")
        )
        if waiting and tracking:  # made at once: the email the failed one owed goes now
            await purchases.announce(case, rt)
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


async def qr_code(caller: Caller, number: str) -> bytes:
    """The active label's QR code for label-free drop-off (a PNG the provider made); 404 when
    the label has none."""
    case = await ReturnCase.select(ReturnCase.id).where(
        readable(caller, ReturnCase) & (ReturnCase.number == number)
    )
    if not case:
        raise NotFound(f"there is no case {number}")
    row = await (
        Label.select(Label.qr_code_png)
        .where((Label.case == case[0]["id"]) & (Label.status == "active"))
        .order_by(Label.id, ascending=False)
        .first()
    )
    if row is None or row["qr_code_png"] is None:
        raise NotFound(f"case {number} has no drop-off QR code")
    return bytes(row["qr_code_png"])
