""" "Write to us" about a line whose return window has closed. A concierge product answers a
late customer through their concierge, not a shared inbox: the message opens a return that is
outside the policy (so nothing is approved by itself), which goes to a concierge's queue like
any other, with the customer's words as its comment. The concierge approves it as an
exception, rejects it with a reason, or simply answers in its conversation."""

from __future__ import annotations

from returns_service.domain.access import Caller
from returns_service.domain.cases import Reason, RequestedItem, Resolution, ReturnRequest
from returns_service.domain.errors import Forbidden, InvalidRequest
from returns_service.domain.policy import IneligibleReason
from returns_service.services.cases.opening import open_case
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.eligibility import evaluate_order


async def write_to_store(caller: Caller, body: str, line_id: int | None, rt: Runtime) -> str:
    """Open the outside-policy return the message is about. Returns its number."""
    if caller.order_id is None:
        raise Forbidden("only a customer signed in to an order can write to the store")
    body = body.strip()
    if not body:
        raise InvalidRequest("write what happened", field="body")
    if line_id is None:
        raise InvalidRequest("name the item the message is about", field="line_id")
    order = await evaluate_order(caller, caller.order_id, rt.clock)
    line = order.line(line_id)
    if line is None:
        raise InvalidRequest(f"line {line_id} is not part of order {order.number}", field="line_id")
    if line.view.ineligible_reason is not IneligibleReason.WINDOW_CLOSED:
        raise InvalidRequest(
            "this item's return window is open: start a return for it instead",
            field="line_id",
        )
    # the resolution is a placeholder the concierge settles with the customer
    item = RequestedItem(
        line_id=line_id, quantity=1, reason=Reason.OTHER.value, resolution=Resolution.REFUND
    )
    return await open_case(caller, ReturnRequest(items=[item], comment=body[:4000]), rt)
