"""What a return would be worth before the customer confirms it: the same checks as opening
it (eligibility, quantities, the replacement and its price difference, the policy's rules:
fees and bonus credit), nothing written."""

from __future__ import annotations

from returns_service.db.engine import DB
from returns_service.domain.access import Caller, Role
from returns_service.domain.amounts import Fee, LineAmount, SignedMoney, amounts_of
from returns_service.domain.cases import Resolution, ReturnRequest
from returns_service.domain.errors import Forbidden, InvalidRequest
from returns_service.domain.money import Money
from returns_service.services.cases import rules_applied
from returns_service.services.cases.opening import check_quantity, exchange_difference
from returns_service.services.money.schemas import Preview, PreviewItem
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.eligibility import evaluate_order


async def preview(caller: Caller, request: ReturnRequest, rt: Runtime) -> Preview:
    """The amounts a return would have, refused as opening it would be refused."""
    if caller.role is not Role.CUSTOMER or caller.order_id is None:
        raise Forbidden("only a customer signed in to an order previews a return")
    request.check()
    async with DB.transaction():  # one snapshot of the order and the catalogue
        order = await evaluate_order(caller, caller.order_id, rt.clock)
        items: list[PreviewItem] = []
        lines: list[LineAmount] = []
        for n, item in enumerate(request.items):
            line = order.line(item.line_id)
            if line is None:
                raise InvalidRequest(
                    f"line {item.line_id} is not part of order {order.number}",
                    field=f"items[{n}].line_id",
                )
            check_quantity(item, line, n)
        outcome = rules_applied.decide(order, request.items)
        for n, item in enumerate(request.items):
            line = order.line(item.line_id)
            assert line is not None  # checked above
            paid = line.view.unit_price
            difference: SignedMoney | None = None
            fees = rules_applied.item_fees(outcome, item.line_id)
            if item.resolution is Resolution.EXCHANGE:
                _, amount = await exchange_difference(caller.store_id, line, item, n, order.policy)
                # as opening it: a fee a rule takes from an exchange is paid with the difference
                amount += sum(fee for _, fee in fees)
                difference = SignedMoney(amount, paid.currency)
            total = 0 if difference is not None else paid.amount * item.quantity
            items.append(
                PreviewItem(
                    line_id=item.line_id,
                    quantity=item.quantity,
                    resolution=item.resolution.value,
                    exchange_sku=item.exchange_sku,
                    unit_price=paid,
                    total=Money(total, paid.currency),
                    price_difference=difference,
                    fees=[Fee(kind, Money(amount, paid.currency)) for kind, amount in fees],
                )
            )
            lines.append(
                LineAmount(
                    item.resolution.value,
                    paid.amount,
                    item.quantity,
                    difference.amount if difference else 0,
                    fees,
                    outcome.lines[item.line_id].bonus,
                )
            )
    return Preview(items, amounts_of(order.currency, lines))
