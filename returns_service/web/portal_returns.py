"""The return form's two steps as data: which lines the customer picked with which reason
(no reason is ever assumed), and what each line should become, an exchange being chosen as
size and colour separately and resolved back to one variant here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from returns_service.domain.access import Caller
from returns_service.domain.amounts import DifferentPrice, PriceDifferenceMode, price_difference
from returns_service.domain.cases import RequestedItem, Resolution, ReturnRequest
from returns_service.domain.errors import DomainError
from returns_service.domain.exchanges import Candidate, Picker, resolve
from returns_service.domain.money import Money
from returns_service.services.cases.schemas import CaseView
from returns_service.services.money import amounts
from returns_service.services.money.shown import AmountLine, ShownAmounts
from returns_service.services.money.shown import shown_amounts as _shown
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store import portal, shop_now
from returns_service.services.store.policy import get_policy
from returns_service.services.store.schemas import (
    ExchangeOption,
    OrderLineView,
    OrderView,
    ShopNowItem,
)
from returns_service.translation import Translator

# a photo helps the concierge decide: asked for when the item itself is at fault
PHOTO_REASONS = frozenset({"defective", "wrong_item", "not_as_described"})


@dataclass(slots=True)
class ReviewLine:
    line: OrderLineView
    quantity: int
    reason: str
    picker: Picker
    current: dict[str, str]
    options: list[ExchangeOption]
    resolution: str | None = None  # as chosen on the review step, when it is shown again
    chosen: dict[str, str] = field(default_factory=dict)
    mode: PriceDifferenceMode = "same_price_only"  # the policy's exchange_price_difference
    # shop-now: the item of another product chosen instead (resolution "shop_now" on the page)
    shop_now: ShopNowItem | None = None
    # the bonus the preview offers for each resolution ("store_credit", "exchange"), if any
    bonus: dict[str, Money] = field(default_factory=dict)
    reason_label: str = ""  # the merchant's words for the reason ("": the catalogue's)
    # what the preview takes from the line for what is checked now (the rules' fees)
    fees: tuple[tuple[str, int], ...] = ()

    @property
    def picked(self) -> str:
        """What is checked now: the line's choice, else the suggested exchange, else a refund
        ("shop_now" for another product, "exchange:<sku>" from an older page)."""
        return self.resolution or ("exchange" if self.picker.suggestion else "refund")

    def picked_item(self) -> RequestedItem | None:
        """The checked choice as the request it would send; None for an exchange whose size
        and colour name no variant offered."""
        picked, sku = self.picked, None
        if picked == "shop_now" and self.shop_now is not None:
            picked, sku = "exchange", self.shop_now.sku
        elif picked.startswith("exchange:"):
            picked, sku = "exchange", picked.removeprefix("exchange:")
        elif picked == "exchange":
            candidates = [Candidate(o.sku, o.options, o.in_stock) for o in self.offered]
            found = resolve(self.current, self._checked(), candidates)
            sku = found.sku if found else None
        if picked not in Resolution.__members__.values() or (picked == "exchange" and not sku):
            return None
        return RequestedItem(self.line.id, self.quantity, self.reason, Resolution(picked), sku)

    @property
    def can_shop_now(self) -> bool:
        """Something else from the catalogue: only where the policy settles the difference."""
        return self.mode != "same_price_only"

    @property
    def offered(self) -> list[ExchangeOption]:
        """The variants the picker offers: under `same_price_only`, only those of the price
        paid (a choice is never offered and then refused on submit)."""
        if self.mode != "same_price_only":
            return self.options
        return [o for o in self.options if o.price == self.line.unit_price]

    @property
    def other_price_left_out(self) -> bool:
        """Some variant in stock was not offered for its price: the page says why."""
        return self.mode == "same_price_only" and any(
            o.in_stock and o.price != self.line.unit_price for o in self.options
        )

    def _checked(self) -> dict[str, str]:
        picked = {g.key: self.chosen.get(g.key) or g.chosen for g in self.picker.groups}
        return {key: value for key, value in picked.items() if value}

    def difference_of(self, chosen: dict[str, str]) -> Money | None:
        """What the variant with these options costs more (+) or less (-) for the quantity,
        under the policy, by the same function opening the case uses; None when no offered
        variant has them."""
        candidates = [Candidate(o.sku, o.options, o.in_stock) for o in self.offered]
        found = resolve(self.current, chosen, candidates)
        option = next((o for o in self.offered if found and o.sku == found.sku), None)
        if option is None:
            return None
        paid = self.line.unit_price
        try:
            amount = price_difference(self.mode, paid, option.price, self.quantity, field="")
        except DifferentPrice:  # not offered under same_price_only, so not reached
            return None
        return Money(amount, paid.currency)

    def chip_difference(self, key: str, value: str) -> Money | None:
        """The difference of picking `value` for `key`, the other choices as checked."""
        return self.difference_of({**self._checked(), key: value})

    @property
    def exchange_difference(self) -> Money | None:
        """The difference of the choices checked when the page opens (or as sent back)."""
        return self.difference_of(self._checked()) if self.picker.groups else None

    @property
    def can_exchange(self) -> bool:
        return bool(self.picker.groups)

    @property
    def suggestion_title(self) -> str:
        sku = self.picker.suggestion.sku if self.picker.suggestion else None
        title = next((o.title for o in self.options if o.sku == sku), "")
        # isolated (FSI ... PDI): "41 mm / Black" keeps its order inside an Arabic sentence
        return f"\u2068{title}\u2069" if title else ""


def form_int(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


async def picked_lines(
    caller: Caller, order: OrderView, form: Any, t: Translator
) -> tuple[list[ReviewLine], str | None]:
    """The lines with a quantity, each with its reason; an error naming the first line that
    has a quantity but no reason (the form has no default reason, on purpose)."""
    chosen: list[ReviewLine] = []
    policy = await get_policy(caller.store_id)
    mode = policy.exchange_price_difference
    labels = dict(policy.reason_choices(t.language))  # the merchant's words, as offered
    for line in order.lines:
        quantity = form_int(form.get(f"qty_{line.id}"))
        if quantity <= 0 or line.returnable_quantity <= 0:
            continue
        reason = str(form.get(f"reason_{line.id}", ""))
        if not policy.accepts_reason(reason):
            return [], t("order.reason_missing", item=line.title)
        same_price = line.unit_price if mode == "same_price_only" else None
        picker, current, options = await portal.exchange_picker(
            caller, line.id, reason, t.language, same_price_as=same_price
        )
        review = ReviewLine(
            line, min(quantity, line.returnable_quantity), reason, picker, current, options
        )
        review.mode = mode
        review.reason_label = labels.get(reason) or ""
        resolution = str(form.get(f"resolution_{line.id}", ""))
        wanted = str(form.get(f"shopnow_{line.id}", ""))[:128]
        if wanted and review.can_shop_now:
            review.shop_now = await shop_now.chosen(
                caller, line.id, wanted, review.quantity, t.language
            )
        if resolution == "shop_now" and review.shop_now is None:
            resolution = ""  # back from shop-now without choosing: as if nothing was checked
        elif not resolution and review.shop_now is not None:
            resolution = "shop_now"  # just chosen on the shop-now step
        if resolution:
            review.resolution = resolution
            review.chosen = {
                g.key: str(form.get(f"opt_{line.id}_{g.key}", "")) for g in picker.groups
            }
        chosen.append(review)
    return chosen, None


def requested_items(
    lines: list[ReviewLine], t: Translator
) -> tuple[list[RequestedItem], str | None]:
    """The review step's choices as the request the service takes; an error when a line has
    no resolution or an exchange names a size and colour that is not in stock."""
    items = []
    for review in lines:
        resolution, sku = review.resolution or "", None
        if resolution == "shop_now":  # something else from the catalogue
            if review.shop_now is None:
                return [], t("review.not_available", item=review.line.title)
            resolution, sku = "exchange", review.shop_now.sku
        elif resolution.startswith("exchange:"):  # a page rendered before the size/colour split
            resolution, sku = "exchange", resolution.removeprefix("exchange:")
        elif resolution == "exchange":
            if not all(review.chosen.get(g.key) for g in review.picker.groups):
                return [], t("review.pick_options", item=review.line.title)
            candidates = [Candidate(o.sku, o.options, o.in_stock) for o in review.offered]
            found = resolve(review.current, review.chosen, candidates)
            if found is None:
                return [], t("review.not_available", item=review.line.title)
            sku = found.sku
        if resolution not in Resolution.__members__.values():
            return [], t("review.pick_resolution", item=review.line.title)
        items.append(
            RequestedItem(
                line_id=review.line.id,
                quantity=review.quantity,
                reason=review.reason,
                resolution=Resolution(resolution),
                exchange_sku=sku,
            )
        )
    return items, None


def shown_amounts(currency: str, lines: list[ReviewLine]) -> ShownAmounts:
    """Each line as if it went back for what is checked (an exchange when the suggestion is),
    an exchange with the price difference of the size and colour checked."""
    shown = []
    for r in lines:
        resolution = r.picked.split(":")[0]
        difference = r.exchange_difference if resolution == "exchange" else None
        if resolution == "shop_now" and r.shop_now:
            resolution = "exchange"
            difference = Money(r.shop_now.price_difference.amount, r.line.unit_price.currency)
        if resolution == "exchange":  # as opening it: an exchange's fee is paid with it
            extra = sum(amount for _, amount in r.fees)
            difference = Money((difference.amount if difference else 0) + extra, currency)
        shown.append(
            AmountLine(
                r.line.id,
                resolution,
                r.line.unit_price,
                r.quantity,
                difference.amount if difference else 0,
                r.fees,  # as the preview takes them (fees, like bonus, come from the rules)
                bonus.amount if (bonus := _bonus_of(r)) else 0,
            )
        )
    return _shown(currency, shown)


def unsigned(money: Money) -> Money:
    """A difference to give back, as the amount the customer gets ("30.00 back")."""
    return Money(abs(money.amount), money.currency)


def case_amounts(view: CaseView) -> ShownAmounts | None:
    """The case page's money: what each line gets, and the totals."""
    if not view.items:
        return None
    return _shown(
        view.items[0].unit_price.currency,
        [
            AmountLine(
                i.line_id,
                i.resolution,
                i.unit_price,
                i.quantity,
                i.price_difference,
                tuple((fee.kind, fee.amount) for fee in i.fees),
                i.bonus_amount,
            )
            for i in view.items
        ],
    )


async def offer_bonus(caller: Caller, lines: list[ReviewLine], rt: Runtime) -> None:
    """Ask the preview what each line would earn as store credit and as its exchange, so the
    review step shows the bonus before the customer chooses (and re-offers it against a
    refund). The preview is the one place bonus is computed; a line it refuses earns none."""
    for review in lines:
        sku = review.shop_now.sku if review.shop_now else None
        if sku is None and review.picker.suggestion:
            sku = review.picker.suggestion.sku
        choices: list[tuple[str, str | None]] = [("store_credit", None)]
        if sku:
            choices.append(("exchange", sku))
        for resolution, exchange_sku in choices:
            request = ReturnRequest(
                items=[
                    RequestedItem(
                        line_id=review.line.id,
                        quantity=review.quantity,
                        reason=review.reason,
                        resolution=Resolution(resolution),
                        exchange_sku=exchange_sku,
                    )
                ]
            )
            try:
                bonus = (await amounts.preview(caller, request, rt)).amounts.bonus_credit
            except DomainError:
                continue
            if bonus.amount > 0:
                review.bonus[resolution] = Money(bonus.amount, bonus.currency)
    await checked_fees(caller, lines, rt)


def _bonus_of(review: ReviewLine) -> Money | None:
    picked = review.picked.split(":")[0]
    return review.bonus.get("exchange" if picked in ("exchange", "shop_now") else picked)


def picked_bonus(lines: list[ReviewLine]) -> Money | None:
    """The bonus of what is checked now: the line's own choice, as the review shows it."""
    total, currency = 0, None
    for review in lines:
        bonus = _bonus_of(review)
        if bonus is not None:
            total += bonus.amount
            currency = bonus.currency
    return Money(total, currency) if currency else None


async def checked_fees(caller: Caller, lines: list[ReviewLine], rt: Runtime) -> None:
    """The fees the preview takes for the choices checked now, line by line, so the review's
    totals are the preview's (a return-shipping fee is per case: the whole return is asked
    at once). When a choice cannot be previewed yet, no fee is shown: sending it answers why."""
    items = [review.picked_item() for review in lines]
    if not items or any(item is None for item in items):
        return
    request = ReturnRequest(items=[item for item in items if item is not None])
    try:
        preview = await amounts.preview(caller, request, rt)
    except DomainError:
        return
    fees = {
        i.line_id: tuple((fee.kind, fee.amount.amount) for fee in i.fees) for i in preview.items
    }
    for review in lines:
        review.fees = fees.get(review.line.id, ())
