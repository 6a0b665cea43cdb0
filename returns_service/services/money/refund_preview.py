"""What an agent's refund would pay back, worked out the way `refunds.refund_case` will do it,
before anything moves: the console's confirmation states these exact amounts. Refused as the
refund itself would be (a case in the wrong status: 409; more than can still go back: 422)."""

from __future__ import annotations

from dataclasses import dataclass

from returns_service.db.engine import DB
from returns_service.domain.access import Caller
from returns_service.domain.cases import CaseStatus
from returns_service.domain.errors import Conflict
from returns_service.domain.money import Money
from returns_service.services.cases.records import lock_case
from returns_service.services.money.refunds import MONEY_STATUSES, plan_money_items


@dataclass(frozen=True, slots=True)
class RefundPreview:
    refund: Money  # back to the original payment
    credit: Money  # as store credit (items the customer chose credit for)

    @property
    def total(self) -> Money:
        return self.refund + self.credit


async def preview_refund(caller: Caller, number: str, amount: int | None) -> RefundPreview:
    # the same plan under the same locks as the refund; the transaction writes nothing
    async with DB.transaction():
        case = await lock_case(caller, number)
        if case.status not in MONEY_STATUSES and case.status is not CaseStatus.RESOLVED:
            raise Conflict(f"a {case.status.value} case is not refunded")
        plan = await plan_money_items(case, amount=amount)
    credit_lines = {i["line"] for i in plan.items if i["resolution"] == "store_credit"}
    credit = sum(part for line, part in plan.parts if line in credit_lines)
    refund = sum(part for line, part in plan.parts if line not in credit_lines)
    return RefundPreview(Money(refund, plan.currency), Money(credit, plan.currency))
