"""The cases package's requests and responses, as the API (and the pages) send and receive
them: cases and queues, the conversation, the team, the decisions' requests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from returns_service.domain.access import StaffName
from returns_service.domain.amounts import Amounts, SignedMoney
from returns_service.domain.cases import CaseStatus, Resolution
from returns_service.domain.catalog import Sku
from returns_service.domain.money import Money
from returns_service.domain.orders import Language
from returns_service.domain.rules import RuleDecision

Body = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]
# What a customer or an agent writes in the conversation: a long letter fits; a flood of 10 kB
# messages made the agent's case view megabytes.
MESSAGE_MAX_LENGTH = 5_000
MessageBody = Annotated[str, msgspec.Meta(min_length=1, max_length=MESSAGE_MAX_LENGTH)]

# ---------------------------------------------------------------------------------------------
# A case, and lists of cases


class AgentRef(msgspec.Struct, frozen=True):
    id: int
    display_name: str


class CaseItemView(msgspec.Struct, frozen=True):
    line_id: int
    sku: str
    title: str
    quantity: int
    reason: str
    resolution: str
    exchange_sku: str | None
    condition: str | None
    disposition: str | None
    unit_price: Money
    outside_policy_reason: str | None
    price_difference: int = 0  # exchanges, in unit_price's currency: + they pay, - refunded
    # what the policy's rules took from the item and the bonus credit it earns (minor units)
    fees: list[ItemFee] = msgspec.field(default_factory=list)
    bonus_amount: int = 0
    # the reason in the reader's words: the merchant's label for their own code, the
    # catalogue's for a built-in one
    reason_label: str = ""


class ItemFee(msgspec.Struct, frozen=True):
    kind: str  # the rule's fee label (e.g. "restocking") or "return_shipping"
    amount: int  # minor units, in the item's currency


class Decision(msgspec.Struct, frozen=True):
    """What the policy's rules decided for a case when it was opened, and why."""

    rules: list[RuleDecision] = msgspec.field(default_factory=list)
    review: list[str] = msgspec.field(default_factory=list)  # "rule 3", "blocklist (email)"
    keep_it: bool = False
    advance_exchange: str | None = None


class LabelView(msgspec.Struct, frozen=True):
    carrier: str
    tracking_number: str
    label_url: str  # always ours: the PDF the service keeps (a provider's copy is not linked)
    service: str = ""  # the carrier's service, e.g. "Priority" ('' for the built-in carrier)
    cost: Money | None = None  # what the store paid for it (a provider's label)
    qr_code_url: str | None = None  # label-free drop-off: an image of the code, served by us


class LabelPurchaseView(msgspec.Struct, frozen=True):
    """A provider's label that is not ready: being bought, or the purchase failed (staff
    see why; the concierge corrects the address and issues it again)."""

    status: Literal["buying", "failed"]
    reason: str | None = None  # a carrier error kind: invalid_address, no_rates, ...
    message: str | None = None  # the provider's words


class ExchangeView(msgspec.Struct, frozen=True):
    sku: str
    status: str  # waiting | reserved | shipped | delivered | cancelled
    advance: bool
    tracking_number: str | None
    return_deadline: date | None
    price_difference: SignedMoney | None = None  # positive: the customer pays it


class RefundView(msgspec.Struct, frozen=True):
    amount: Money
    method: str
    status: str


class TimelineEntry(msgspec.Struct, frozen=True, omit_defaults=True):
    at: datetime
    kind: str
    params: dict[str, Any]  # what the event is about: amounts, names, codes, dates
    text: str  # rendered for the reader, from kind and params
    from_status: str | None = None
    to_status: str | None = None
    actor: str | None = None  # agents only
    detail: str | None = None  # agents only


class CaseView(msgspec.Struct, frozen=True):
    number: str
    status: CaseStatus
    order_number: str
    created_at: datetime
    updated_at: datetime
    items: list[CaseItemView]
    agent: AgentRef | None
    label: LabelView | None
    exchange: ExchangeView | None
    refund: RefundView | None
    timeline: list[TimelineEntry]
    comment: str
    outside_policy: bool
    approved_as_exception: bool
    reject_reason: str | None
    amounts: Amounts
    label_purchase: LabelPurchaseView | None


class MessageView(msgspec.Struct, frozen=True):
    id: int
    at: datetime
    author: str  # customer | agent
    author_name: str
    body: str


class MessagePage(msgspec.Struct, frozen=True):
    """Messages oldest first; `next_cursor` reads the page of older ones."""

    items: list[MessageView]
    next_cursor: str | None


class NoteView(msgspec.Struct, frozen=True):
    id: int
    at: datetime
    agent: AgentRef
    body: str


class OrderSummary(msgspec.Struct, frozen=True):
    number: str
    placed_at: datetime
    total: Money
    lines: int


class CaseRef(msgspec.Struct, frozen=True):
    number: str
    status: CaseStatus
    created_at: datetime
    agent: AgentRef | None


class CustomerView(msgspec.Struct, frozen=True):
    email: str
    name: str
    language: str
    country: str
    orders: list[OrderSummary]
    cases: list[CaseRef]


class PhotoView(msgspec.Struct, frozen=True):
    """An evidence photo; `url` is where the reader fetches it (their own route)."""

    id: int
    url: str
    source: str  # customer | warehouse
    at: datetime


class AgentCaseView(CaseView, frozen=True):
    customer: CustomerView
    messages: list[MessageView]
    notes: list[NoteView]
    awaiting_reply: bool
    # `messages` are the latest ones; this reads older ones from GET .../messages?cursor=
    messages_next_cursor: str | None
    photos: list[PhotoView] = msgspec.field(default_factory=list)
    decision: Decision = msgspec.field(default_factory=Decision)
    # a task for the concierge or a lead: payment_failed, shop_failed, shop_mismatch
    attention: str | None = None


class CustomerRef(msgspec.Struct, frozen=True):
    email: str
    name: str


class CaseSummary(msgspec.Struct, frozen=True, omit_defaults=True):
    number: str
    status: CaseStatus
    order_number: str
    created_at: datetime
    updated_at: datetime
    items: list[CaseItemView]
    agent: AgentRef | None
    exchange: ExchangeView | None
    awaiting_reply: bool
    outside_policy: bool
    customer: CustomerRef | None = None  # in agents' lists
    attention: str | None = None  # in agents' lists: why a person must look (see AgentCaseView)


class CasePage(msgspec.Struct, frozen=True):
    items: list[CaseSummary]
    next_cursor: str | None


# ---------------------------------------------------------------------------------------------
# What agents and customers send


class MessageIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    body: MessageBody


class ReplyIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    body: MessageBody | None = None
    macro_id: int | None = None


class NoteIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    body: Body


class ApproveIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    comment: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


class RejectIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class ReassignIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    agent_id: int
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


# ---------------------------------------------------------------------------------------------
# Canned replies, and the team


class MacroIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    body: Body


class MacroPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    body: Body | None = None


class MacroView(msgspec.Struct, frozen=True):
    id: int
    name: str
    body: str


class AgentView(msgspec.Struct, frozen=True):
    id: int
    name: str
    display_name: str
    email: str
    role: str
    languages: list[str]
    capacity: int
    available: bool
    open_cases: int


class AgentPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    available: bool | None = None
    capacity: Annotated[int, msgspec.Meta(ge=0, le=10_000)] | None = None
    languages: Annotated[list[Language], msgspec.Meta(max_length=20)] | None = None
    display_name: StaffName | None = None


class ContactIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """ "Write to us" about a line whose return window has closed."""

    body: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
    line_id: Annotated[int, msgspec.Meta(ge=1)]


class ResolutionChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What one item of the case gets now (an exchange names its replacement)."""

    line_id: Annotated[int, msgspec.Meta(ge=1)]
    resolution: Resolution
    exchange_sku: Sku | None = None


class ResolutionChangeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The customer agreed (on the phone, by email) to take something else for items of the
    case: `POST /api/v1/cases/{number}/resolution`."""

    items: Annotated[list[ResolutionChange], msgspec.Meta(min_length=1, max_length=100)]
    comment: Annotated[str, msgspec.Meta(max_length=4000)] | None = None
