"""Piccolo tables. Every table carries `store_id` and every unique key includes it, so one
deployment can later serve several stores (and PostgreSQL can be distributed by store)."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    UUID,
    Array,
    BigInt,
    BigSerial,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from returns_service.db.engine import DB


class Store(Table, tablename="store", db=DB):
    id = BigSerial(primary_key=True)
    slug = Varchar(length=64, unique=True)
    name = Varchar(length=200)
    timezone = Varchar(length=64, default="UTC")
    created_at = Timestamptz()


class Agent(Table, tablename="agent", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    name = Varchar(length=200)
    display_name = Varchar(length=200, default="")  # how customers see them, e.g. "Kari"
    email = Varchar(length=320)
    role = Varchar(length=16)  # agent | lead
    languages = Array(Varchar(length=16))
    capacity = Integer(default=20)
    available = Boolean(default=True)
    last_assigned_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()

    agent_unique_email = Unique(["store", "email"])
    agent_capacity_not_negative = Check("capacity >= 0")
    agent_role_known = Check("role IN ('agent', 'lead')")


class Station(Table, tablename="station", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    name = Varchar(length=200)
    created_at = Timestamptz()

    station_unique_name = Unique(["store", "name"])


class ApiToken(Table, tablename="api_token", db=DB):
    """Bearer tokens for staff and stations; only a SHA-256 of the token is kept."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    token_hash = Varchar(length=64, unique=True)
    role = Varchar(length=16)  # admin | agent | lead | warehouse | helpdesk
    name = Varchar(length=200, default="")
    agent = ForeignKey(Agent, on_delete=OnDelete.restrict, null=True)
    station = ForeignKey(Station, on_delete=OnDelete.restrict, null=True)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)

    api_token_role_known = Check("role IN ('admin', 'agent', 'lead', 'warehouse', 'helpdesk')")


class RevokedSession(Table, tablename="revoked_session", db=DB):
    """Portal sessions signed out before they expire. A session is a signed claim that needs
    no row while it is valid; signing out keeps the SHA-256 of the token here until the
    claim would have expired anyway (then housekeeping drops it). Every portal request asks
    this table one indexed question."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    token_hash = Varchar(length=64)
    expires_at = Timestamptz()
    revoked_at = Timestamptz()

    revoked_session_unique_token = Unique(["store", "token_hash"])


class Product(Table, tablename="product", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    product_key = Varchar(length=128)  # the shop's product id, as in PUT /catalog/products/{id}
    title = Varchar(length=300)
    category = Varchar(length=100, default="")
    updated_at = Timestamptz()
    translations = JSONB(default={})  # {"ro": {"title": ...}}: shown in the reader's language
    image_url = Varchar(length=1000, default="")  # the product's picture ("" when none)

    # the defaults of its variants' return parcel and customs facts (issue 12); null: unknown
    weight_grams = Integer(null=True, default=None)
    dimensions_cm = JSONB(null=True, default=None)  # {"length", "width", "height"}
    hs_code = Varchar(length=16, null=True, default=None)
    origin_country = Varchar(length=2, null=True, default=None)

    product_unique_key = Unique(["store", "product_key"])


class Variant(Table, tablename="variant", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    product = ForeignKey(Product, on_delete=OnDelete.cascade, null=False, index=True)
    sku = Varchar(length=128)
    title = Varchar(length=300)
    options = JSONB(default={})
    price_amount = BigInt()
    currency = Varchar(length=3)
    stock = Integer(default=0)
    position = Integer(default=0)
    translations = JSONB(default={})  # {"ar": {"title": ...}}
    image_url = Varchar(length=1000, default="")  # this colour's picture; else the product's

    # the return parcel and customs facts (issue 12); null: the product's, else unknown
    weight_grams = Integer(null=True, default=None)
    dimensions_cm = JSONB(null=True, default=None)  # {"length", "width", "height"}
    hs_code = Varchar(length=16, null=True, default=None)
    origin_country = Varchar(length=2, null=True, default=None)

    variant_unique_sku = Unique(["store", "sku"])
    variant_stock_not_negative = Check("stock >= 0")
    variant_price_not_negative = Check("price_amount >= 0")


class Customer(Table, tablename="customer", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    email = Varchar(length=320)  # trimmed and lower-cased
    first_name = Varchar(length=200, default="")
    last_name = Varchar(length=200, default="")
    language = Varchar(length=16, default="en")
    country = Varchar(length=2, default="")
    created_at = Timestamptz()
    # their personal data was removed (a privacy request): their sessions and links end
    redacted_at = Timestamptz(null=True, default=None)

    tags = JSONB(default=[])  # the shop's customer tags, tested by policy rules

    customer_unique_email = Unique(["store", "email"])


class ShopOrder(Table, tablename="shop_order", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    shop_order_id = Varchar(length=128)
    number = Varchar(length=64)
    customer = ForeignKey(Customer, on_delete=OnDelete.restrict, null=False, index=True)
    placed_at = Timestamptz()
    currency = Varchar(length=3)
    shipping_address = JSONB(default={})
    payment_reference = Varchar(length=200, default="")  # e.g. the Stripe PaymentIntent
    created_at = Timestamptz()
    updated_at = Timestamptz()

    shop_order_unique_shop_order_id = Unique(["store", "shop_order_id"])
    shop_order_unique_number = Unique(["store", "number"])


class OrderLine(Table, tablename="order_line", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    order = ForeignKey(ShopOrder, on_delete=OnDelete.cascade, null=False, index=True)
    shop_line_id = Varchar(length=128)
    sku = Varchar(length=128)
    product_key = Varchar(length=128, null=True, default=None)
    quantity = Integer()
    unit_price_amount = BigInt()
    currency = Varchar(length=3)
    final_sale = Boolean(default=False)
    delivered_at = Timestamptz(null=True, default=None)

    order_line_unique_shop_line = Unique(["order", "shop_line_id"])
    order_line_quantity_positive = Check("quantity > 0")
    order_line_price_not_negative = Check("unit_price_amount >= 0")


class StorePolicy(Table, tablename="store_policy", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False, unique=True)
    document = JSONB()
    version = Integer(default=1)
    updated_at = Timestamptz()


class LookupFailure(Table, tablename="lookup_failure", db=DB):
    """Failed portal lookups per client and per order number (`client` is the counter's
    key: `client:<address>` or `order:<number>`), to slow down guessing of order/email
    pairs; `locked_until` ends the current lockout."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    client = Varchar(length=128)
    window_started_at = Timestamptz()
    failures = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)

    lookup_failure_unique_client = Unique(["store", "client"])


class ReturnCase(Table, tablename="return_case", db=DB):
    """A customer's request to return lines of one order. One owner agent, one status."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    number = Varchar(length=16)
    order = ForeignKey(ShopOrder, on_delete=OnDelete.restrict, null=False, index=True)
    customer = ForeignKey(Customer, on_delete=OnDelete.restrict, null=False, index=True)
    status = Varchar(length=16)
    agent = ForeignKey(Agent, on_delete=OnDelete.restrict, null=True)  # None: waiting
    assigned_at = Timestamptz(null=True, default=None)
    language = Varchar(length=16, default="en")
    comment = Text(default="")
    outside_policy = Boolean(default=False)  # some item is outside the policy: a person decides
    approved_as_exception = Boolean(default=False)
    reject_reason = Text(null=True, default=None)
    awaiting_reply = Boolean(default=False)  # the customer wrote last
    overdue = Boolean(default=False)  # an advance replacement's original is late
    # why a person must look (payment_failed, shop_mismatch...): a task in the queue
    attention = Varchar(length=32, null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    redacted_at = Timestamptz(null=True, default=None)  # its personal data was removed
    # the store owes the customer a first answer by then (the policy's first_response_hours);
    # answered by the first reply or decision of a person (first_response_agent), or at once
    # by an automatic approval (first_response_agent None)
    first_response_due_at = Timestamptz(null=True, default=None)
    first_responded_at = Timestamptz(null=True, default=None)
    first_response_agent = ForeignKey(Agent, on_delete=OnDelete.restrict, null=True)

    # what the policy's rules decided when the case was opened, and why (domain/rules.py)
    decision = JSONB(default={})
    # the policy_version that decided it (issue 16); null for cases opened before versions
    policy_version = Integer(null=True, default=None)

    return_case_unique_number = Unique(["store", "number"])
    return_case_status_known = Check(
        "status IN ('requested', 'approved', 'in_transit', 'received', 'inspected', "
        "'resolved', 'closed', 'rejected', 'cancelled', 'expired')"
    )


class CaseItem(Table, tablename="case_item", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.cascade, null=False, index=True)
    line = ForeignKey(OrderLine, on_delete=OnDelete.restrict, null=False, index=True)
    quantity = Integer()
    reason = Varchar(length=40)  # a built-in code or the store's own (policy `reasons`)
    resolution = Varchar(length=16)
    exchange_sku = Varchar(length=128, null=True, default=None)
    exchange_reserved = Boolean(default=False)  # a unit of exchange_sku is held for this item
    outside_policy_reason = Varchar(length=32, null=True, default=None)
    unit_price_amount = BigInt(default=0)  # what the customer paid per unit
    # an exchange's replacement minus the original, for the quantity, as the customer saw it
    # before confirming: positive they pay it, negative it is refunded (0: same price/absorbed)
    price_difference = BigInt(default=0)
    settled = Boolean(default=False)  # refunded, credited or its replacement shipped
    currency = Varchar(length=3, default="USD")
    condition = Varchar(length=16, null=True, default=None)
    disposition = Varchar(length=24, null=True, default=None)
    # the rules' fees taken from what the item gets back, [{kind, amount}] in minor units (its
    # share of the return-shipping fee included), and the bonus credit it earns
    fees = JSONB(default=[])
    bonus_amount = BigInt(default=0)
    # the merchant's words for their own reason code when the case was opened ({language:
    # label}; {} for a built-in code, which the catalogue words), kept past policy changes
    reason_labels = JSONB(default={})
    # what the customer asked for when the case was opened; `resolution` is what they get
    # (an agent may change it with their agreement: a "save" when a refund became credit,
    # an exchange or a keep)
    requested_resolution = Varchar(length=16, default="")

    case_item_quantity_positive = Check("quantity > 0")


class CaseEvent(Table, tablename="case_event", db=DB):
    """The case's timeline: append-only (a trigger refuses UPDATE and DELETE)."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=False, index=True)
    at = Timestamptz()
    actor_kind = Varchar(length=16)  # customer | agent | warehouse | system
    actor_id = BigInt(null=True, default=None)
    actor_name = Varchar(length=200, default="")
    kind = Varchar(length=32)
    from_status = Varchar(length=16, null=True, default=None)
    to_status = Varchar(length=16, null=True, default=None)
    params = JSONB(default={})  # the values the event is about; its text is rendered from
    # kind + params for each reader. `text` holds the English prose of events written before
    # they had params (empty for newer ones).
    text = Text()
    detail = Text(default="")  # for agents only
    customer_visible = Boolean(default=True)


class CaseMessage(Table, tablename="case_message", db=DB):
    """The conversation between the customer and their concierge (never internal notes)."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=False, index=True)
    at = Timestamptz()
    author_kind = Varchar(length=16)  # customer | agent
    agent = ForeignKey(Agent, on_delete=OnDelete.restrict, null=True)
    body = Text()


class CaseNote(Table, tablename="case_note", db=DB):
    """Internal notes between agents. Kept apart from messages so no query can leak them."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=False, index=True)
    at = Timestamptz()
    agent = ForeignKey(Agent, on_delete=OnDelete.restrict, null=False)
    body = Text()


class Macro(Table, tablename="macro", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    name = Varchar(length=200)
    body = Text()
    # who wrote it: an agent changes only their own (None: a lead, an admin or before owners
    # were kept, so only a lead or an admin)
    created_by = ForeignKey(Agent, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()

    macro_unique_name = Unique(["store", "name"])


class IdempotencyKey(Table, tablename="idempotency_key", db=DB):
    """A request made with an Idempotency-Key, and the response it got (kept >= 24 h)."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    scope = Varchar(length=64)  # the caller: "customer:12", "token:5"
    key = Varchar(length=255)
    fingerprint = Varchar(length=64)  # method, path and body, hashed
    state = Varchar(length=8)  # running | done
    response_status = Integer(null=True, default=None)
    response_body = Text(null=True, default=None)
    created_at = Timestamptz()
    completed_at = Timestamptz(null=True, default=None)

    idempotency_key_unique = Unique(["store", "scope", "key"])


class OutboxMessage(Table, tablename="outbox_message", db=DB):
    """An email to send or a job to run (a carrier, the shop, a webhook), written in the
    transaction of the change that causes it; the worker delivers it. `event_id` never
    changes, so retries are recognisable."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    event_id = UUID(unique=True)
    kind = Varchar(length=16, default="email")  # email | job
    template = Varchar(length=64)
    # a job (a call to an outside system, services/platform/jobs.py): what to do and with what
    topic = Varchar(length=64, default="")
    payload = JSONB(null=True, default=None)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=True)
    recipient = Varchar(length=320)
    language = Varchar(length=16, default="en")
    subject = Text()
    body = Text()
    html = Text(default="")  # the HTML alternative; '' for rows queued before it existed
    created_at = Timestamptz()
    available_at = Timestamptz()
    locked_until = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    last_error = Text(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
    failed_at = Timestamptz(null=True, default=None)


class Label(Table, tablename="label", db=DB):
    """A prepaid return label. Its tracking number is the barcode the warehouse scans."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=False, index=True)
    carrier = Varchar(length=32)
    # null while a provider's label is being bought (status buying) or when that failed;
    # such rows are inserted with an explicit None (the default stays as it was)
    tracking_number = Varchar(length=64, unique=True, null=True)
    # active | voided | buying (a label.buy job is under way) | failed (it gave up)
    status = Varchar(length=16, default="active")
    pdf = Bytea(null=True, default=None)  # built-in labels: rendered when first printed
    zpl = Text(default="")
    request = JSONB(null=True, default=None)  # what the label shows (LabelRequest)
    created_at = Timestamptz()
    voided_at = Timestamptz(null=True, default=None)
    in_transit_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)  # delivered to the warehouse
    # issue 12: a label bought from a provider (services/fulfilment/purchases.py)
    provider = Varchar(length=32, default="")  # concierge-post | easypost | shippo
    reference = Varchar(length=64, default="")  # the purchase's, kept on the provider's shipment
    service = Varchar(length=64, default="")  # the carrier's service, e.g. "Priority"
    cost_amount = BigInt(null=True, default=None)  # what the store pays, in minor units
    cost_currency = Varchar(length=3, default="")
    provider_label_url = Text(default="")  # the provider's copy; customers get ours
    qr_code_png = Bytea(null=True, default=None)  # label-free drop-off code, served by us
    shipment_id = Varchar(length=64, default="")  # the provider's ids, to void and find it
    provider_label_id = Varchar(length=64, default="")
    tracker_id = Varchar(length=64, default="")
    # the approval email waits for this label (sent once it is bought, with its link)
    announce = Boolean(default=False)
    failure_kind = Varchar(length=32, default="")  # a CarrierError kind, when status is failed
    failure_message = Text(default="")


class CustomerTracking(Table, tablename="customer_tracking", db=DB):
    """The customer's own tracking number for a case sent without our label: the case's inbound
    parcel, followed by carrier events the same way a label is."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=False, unique=True)
    carrier = Varchar(length=32)
    tracking_number = Varchar(length=64)
    created_at = Timestamptz()
    in_transit_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
    tracker_id = Varchar(length=64, default="")  # the provider following it (issue 12)

    customer_tracking_unique_number = Unique(["store", "carrier", "tracking_number"])


class PortalLinkRequest(Table, tablename="portal_link_request", db=DB):
    """One "email me a link" request, kept an hour to limit them per client and per order."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    client = Varchar(length=128)
    order = ForeignKey(ShopOrder, on_delete=OnDelete.cascade, null=True, index=True)
    requested_at = Timestamptz(index=True)


class TrackingEvent(Table, tablename="tracking_event", db=DB):
    """A carrier's tracking event, kept once per (carrier, event id): replays change nothing."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    carrier = Varchar(length=32)
    event_id = Varchar(length=128)
    tracking_number = Varchar(length=64)
    status = Varchar(length=16)  # in_transit | delivered
    occurred_at = Timestamptz()
    received_at = Timestamptz()

    tracking_event_unique = Unique(["store", "carrier", "event_id"])


class Shipment(Table, tablename="shipment", db=DB):
    """An outbound replacement for an exchange. `advance` when it left before the original
    arrived; then the original is due back by `return_deadline`."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=False, index=True)
    item = ForeignKey(CaseItem, on_delete=OnDelete.restrict, null=False, unique=True)
    customer = ForeignKey(Customer, on_delete=OnDelete.restrict, null=False, index=True)
    sku = Varchar(length=128)
    quantity = Integer()
    value_amount = BigInt()
    currency = Varchar(length=3)
    tracking_number = Varchar(length=64, unique=True)
    advance = Boolean(default=False)
    shipped_at = Timestamptz()
    return_deadline = Date(null=True, default=None)
    original_received_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
    reminded_7_at = Timestamptz(null=True, default=None)
    reminded_2_at = Timestamptz(null=True, default=None)
    overdue_at = Timestamptz(null=True, default=None)
    follow_up_sent_at = Timestamptz(null=True, default=None)


class Payment(Table, tablename="payment", db=DB):
    """Money that moved (or must be moved by hand in the shop): refunds to the customer,
    store credit issued, charges for replacements never returned, and their reversals."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=False, index=True)
    line = ForeignKey(OrderLine, on_delete=OnDelete.restrict, null=True, index=True)
    shipment = ForeignKey(Shipment, on_delete=OnDelete.restrict, null=True)
    # refund | store_credit | charge | charge_reversal | difference_charge | difference_refund
    kind = Varchar(length=24)
    amount = BigInt()
    currency = Varchar(length=3)
    provider = Varchar(length=24)  # manual | stripe | ledger
    provider_reference = Varchar(length=200, default="")
    status = Varchar(length=24)  # pending | succeeded | to_do_in_shop | failed | unknown
    idempotency_key = Varchar(length=200, unique=True)
    created_at = Timestamptz()

    payment_amount_positive = Check("amount > 0")


class StoreCredit(Table, tablename="store_credit", db=DB):
    """A store-credit code with its balance; every movement is a StoreCreditMovement row."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    customer = ForeignKey(Customer, on_delete=OnDelete.restrict, null=False, index=True)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=True, unique=True)
    code = Varchar(length=32, unique=True)
    currency = Varchar(length=3)
    balance = BigInt(default=0)
    created_at = Timestamptz()

    store_credit_balance_not_negative = Check("balance >= 0")


class StoreCreditMovement(Table, tablename="store_credit_movement", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    credit = ForeignKey(StoreCredit, on_delete=OnDelete.restrict, null=False, index=True)
    amount = BigInt()  # + issued, - spent
    reason = Varchar(length=200)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=True)
    at = Timestamptz()


class Receipt(Table, tablename="receipt", db=DB):
    """A parcel received at the warehouse: one per case, whatever is scanned again."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=False, unique=True)
    barcode = Varchar(length=64)
    station = ForeignKey(Station, on_delete=OnDelete.restrict, null=True)
    received_at = Timestamptz()


class UnexpectedParcel(Table, tablename="unexpected_parcel", db=DB):
    """A scan that matched no case: for a lead to sort out."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    barcode = Varchar(length=200)
    station = ForeignKey(Station, on_delete=OnDelete.restrict, null=True)
    scanned_at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None)
    note = Text(default="")


class FollowUp(Table, tablename="follow_up", db=DB):
    """The "did it fit?" rating after a replacement arrived."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=False, unique=True)
    rating = Integer()
    comment = Text(default="")
    at = Timestamptz()

    follow_up_rating_range = Check("rating BETWEEN 1 AND 5")


class CasePhoto(Table, tablename="case_photo", db=DB):
    """Evidence photos of a case (a defect, a wrong item; the warehouse's inspection). The
    image itself is in the photo storage under `storage_key`, re-encoded without metadata."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=False, index=True)
    at = Timestamptz()
    source = Varchar(length=16)  # customer | warehouse
    storage_key = Varchar(length=80)
    content_type = Varchar(length=32)
    size_bytes = Integer()
    width = Integer()
    height = Integer()

    case_photo_source_known = Check("source IN ('customer', 'warehouse')")


class PhotoDeletion(Table, tablename="photo_deletion", db=DB):
    """A photo file to remove from the photo storage: written in the transaction that removed
    its row (a redaction), deleted by the worker after the commit, retried until it goes."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    storage_key = Varchar(length=80)
    created_at = Timestamptz()
    available_at = Timestamptz()
    attempts = Integer(default=0)
    last_error = Text(null=True, default=None)


class WebhookEndpoint(Table, tablename="webhook_endpoint", db=DB):
    """Where a store's outbound webhooks go (services/events/). `secret` signs every delivery
    (Standard Webhooks); it is shown once, at creation."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False, index=True)
    url = Varchar(length=2000)
    description = Varchar(length=500, default="")
    events = Array(Varchar(length=32))
    secret = Varchar(length=100, secret=True)
    status = Varchar(length=16, default="active")  # active | paused
    paused_reason = Varchar(length=16, default="")  # '' | by_admin | failing
    # the first failed delivery since the last success: three days of it pause the endpoint
    failing_since = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class WebhookDelivery(Table, tablename="webhook_delivery", db=DB):
    """One event for one endpoint: the webhooks' outbox, written in the transaction of the
    change and its delivery log. `event_id` is the `webhook-id`, the same on every attempt."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    endpoint = ForeignKey(WebhookEndpoint, on_delete=OnDelete.cascade, null=False, index=True)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=False)
    event_id = UUID(unique=True)
    event_type = Varchar(length=32)
    payload = Text()  # the exact body signed and sent, rendered at the change
    # pending | delivered | failed; indexed because the worker reads only the few pending ones
    status = Varchar(length=16, default="pending", index=True)
    attempts = Integer(default=0)
    available_at = Timestamptz()
    locked_until = Timestamptz(null=True, default=None)
    response_code = Integer(null=True, default=None)
    last_error = Text(null=True, default=None)
    created_at = Timestamptz()
    last_attempt_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
    failed_at = Timestamptz(null=True, default=None)


class ShopRecord(Table, tablename="shop_record", db=DB):
    """What was written to (or seen in) the shop, once per key: a case's return object, a
    restock, a replacement order, a refund made by hand in the shop's admin, a day's
    reconciliation. The key makes every write-back idempotent on our side."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=True, index=True)
    kind = Varchar(length=32)  # return | restock | replacement | manual_refund | reconciled
    key = Varchar(length=200)
    reference = Varchar(length=200, default="")  # the shop's id (a gid)
    created_at = Timestamptz()

    shop_record_unique_key = Unique(["store", "key"])


class InboundEmail(Table, tablename="inbound_email", db=DB):
    """An email that reached the service (a customer's reply, a bounce, an auto-reply), kept
    as it came: raw bytes and what was read from it. The same Message-ID twice is one row."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    received_at = Timestamptz()
    message_id = Varchar(length=998)
    from_address = Text(default="")
    to_address = Text(default="")  # the addresses it was sent to, comma-separated
    subject = Text(default="")
    # accepted (a case message) | held (for a lead) | bounce | auto_reply | discarded
    status = Varchar(length=16)
    reason = Text(default="")  # why it is held, or what bounced
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=True, index=True)
    message = ForeignKey(CaseMessage, on_delete=OnDelete.restrict, null=True)
    body = Text(default="")  # the customer's own words (quoted history taken off)
    raw_mime = Bytea()  # the email exactly as it came
    decided_at = Timestamptz(null=True, default=None)
    decided_by = ForeignKey(Agent, on_delete=OnDelete.restrict, null=True)

    inbound_email_unique_message_id = Unique(["store", "message_id"])
    inbound_email_status_known = Check(
        "status IN ('accepted', 'held', 'bounce', 'auto_reply', 'discarded')"
    )


class CaseAttachment(Table, tablename="case_attachment", db=DB):
    """A file that came with a customer's email; the bytes are in the photo storage under
    `storage_key`. `message` is set once the email is a message on the case."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    inbound_email = ForeignKey(InboundEmail, on_delete=OnDelete.restrict, null=False, index=True)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.restrict, null=True, index=True)
    message = ForeignKey(CaseMessage, on_delete=OnDelete.restrict, null=True, index=True)
    filename = Varchar(length=200)
    content_type = Varchar(length=127)
    size_bytes = Integer()
    storage_key = Varchar(length=80)


class AgentSignInLink(Table, tablename="agent_sign_in_link", db=DB):
    """One "email me a sign-in link" request on the agent console, kept a day: to limit
    requests per client and per agent, to let a link be used once, and to revoke the token a
    used link made after a working day (services/platform/staff_links.py). `agent` is null
    when the email matched nobody (the request still counts against the client)."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    client = Varchar(length=128)
    agent = ForeignKey(Agent, on_delete=OnDelete.cascade, null=True, index=True)
    requested_at = Timestamptz(index=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    token = ForeignKey(ApiToken, on_delete=OnDelete.cascade, null=True, index=True)


class PolicyVersion(Table, tablename="policy_version", db=DB):
    """Every published policy, kept (issue 16): version 1, 2, ... per store, who published it
    (role + name: an agent's name, "admin token <name>", "system") and when."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    version = Integer()
    document = JSONB()
    published_at = Timestamptz()
    published_by_role = Varchar(length=16)
    published_by_name = Varchar(length=240, default="")

    policy_version_unique_version = Unique(["store", "version"])


class AnalyticsDay(Table, tablename="analytics_day", db=DB):
    """A past day (in the store's time zone) whose lines delivered are summed up in the
    analytics rollups below (services/analytics/rollup.py); a day not here, or marked
    dirty, is read from the live tables instead."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    day = Date()
    rolled_at = Timestamptz()

    analytics_day_unique = Unique(["store", "day"])


class AnalyticsDirtyDay(Table, tablename="analytics_dirty_day", db=DB):
    """A day whose history changed after it was rolled up (written by triggers on the tables
    the figures read, so no writer can forget it): read live until rolled up again. A mark,
    not a key: every change writes its own row (no unique key, so a writer never waits for
    another's mark, and the worker's DELETE never removes a mark whose change it could not
    see yet); the worker deletes them all when it rolls the day up."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    day = Date(index=True)


class AnalyticsDelivered(Table, tablename="analytics_delivered", db=DB):
    """Units delivered on a day, per SKU, the line's product key, country and currency."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    day = Date(index=True)
    sku = Varchar(length=128)
    product_key = Varchar(length=128, null=True, default=None)  # the line's own
    country = Text()  # the customer's, else the shipping address's (as policy rules read it)
    currency = Varchar(length=3)
    units = BigInt()


class AnalyticsReturned(Table, tablename="analytics_returned", db=DB):
    """Of the lines delivered on a day, what came back (cases that count as returns) and the
    money for it, per SKU, product key, country, currency, reason and resolution."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    day = Date(index=True)
    sku = Varchar(length=128)
    product_key = Varchar(length=128, null=True, default=None)
    country = Text()
    currency = Varchar(length=3)
    reason = Varchar(length=40)
    resolution = Varchar(length=16)
    units = BigInt()
    refunded = BigInt()
    credited = BigInt()
    exchanged = BigInt()


class AnalyticsCaseDay(Table, tablename="analytics_case_day", db=DB):
    """The outcomes and concierges' figures of the cases opened on a past day (store time
    zone), for every case (`category` '') and per category, as the report's statements
    return them (services/analytics/rollup.py); read while the day is not dirty."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    day = Date()
    category = Text(default="")
    outcomes = JSONB()
    agents = JSONB(default=[])
    rolled_at = Timestamptz()

    analytics_case_day_unique = Unique(["store", "day", "category"])


class AnalyticsDirtyCaseDay(Table, tablename="analytics_dirty_case_day", db=DB):
    """A day whose cases changed after it was rolled up (marked by triggers; a mark, not a
    key, as AnalyticsDirtyDay's)."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    day = Date(index=True)


ALL_TABLES: list[type[Table]] = [
    Store,
    Agent,
    Station,
    ApiToken,
    RevokedSession,
    Product,
    Variant,
    Customer,
    ShopOrder,
    OrderLine,
    StorePolicy,
    LookupFailure,
    ReturnCase,
    CaseItem,
    CaseEvent,
    CaseMessage,
    CaseNote,
    Macro,
    IdempotencyKey,
    OutboxMessage,
    Label,
    CustomerTracking,
    PortalLinkRequest,
    TrackingEvent,
    Shipment,
    Payment,
    StoreCredit,
    StoreCreditMovement,
    Receipt,
    UnexpectedParcel,
    FollowUp,
    CasePhoto,
    PhotoDeletion,
    WebhookEndpoint,
    WebhookDelivery,
    ShopRecord,
    InboundEmail,
    CaseAttachment,
    AgentSignInLink,
    PolicyVersion,
    AnalyticsDay,
    AnalyticsDirtyDay,
    AnalyticsDelivered,
    AnalyticsReturned,
    AnalyticsCaseDay,
    AnalyticsDirtyCaseDay,
]
