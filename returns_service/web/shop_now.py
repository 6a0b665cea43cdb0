"""The return form's "choose something else" step (shop-now) and the bonus offers of the
review step. Without JavaScript: the review form posts here with everything chosen so far,
this page carries it along in hidden fields while the customer searches, and choosing an
item posts it all back to the review step with `shopnow_<line>` set."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import SkipValidation
from litestar.response import Template

from returns_service.clock import Clock
from returns_service.domain.access import Caller
from returns_service.domain.catalog import shown_on_pages
from returns_service.domain.errors import DomainError
from returns_service.services.store import portal, shop_now
from returns_service.web.i18n import Translator
from returns_service.web.pages import SignedInPortal, order_page, render_page
from returns_service.web.portal_returns import form_int, unsigned

# the review form's fields this step carries along (never the CSRF token: the page has its own)
CARRIED = re.compile(r"^(qty|reason|resolution|opt|shopnow)_\d+(_[\w-]{1,50})?$|^comment$")
PAGE_SIZE = 12


def carried_fields(form: Any, line_id: int) -> list[tuple[str, str]]:
    """What the review form had, less this line's resolution and shop-now choice: choosing an
    item sets both (the review checks the item chosen)."""
    dropped = {f"shopnow_{line_id}", f"resolution_{line_id}"}
    return [
        (key, str(value)[:4000])
        for key, value in form.multi_items()
        if CARRIED.match(key) and key not in dropped
    ]


class PortalShopNowPages(SignedInPortal):
    """Shop-now inside the return form."""

    @post("/return/shop")
    async def shop(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        t: NamedDependency[Translator],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> Template:
        form = await request.form()
        line_id = form_int(form.get("shop_line")) or next(
            (
                form_int(key.removeprefix("shop_line_"))
                for key in form
                if key.startswith("shop_line_")
            ),
            0,
        )
        order = await portal.order_view(caller, clock, t.language)
        line = next((v for v in order.lines if v.id == line_id), None)
        if line is None or line.returnable_quantity <= 0:
            return await order_page(request, caller, t, clock, error=t("order.pick_one"))
        q = str(form.get("q", "")).strip()[:100]
        quantity = max(1, min(form_int(form.get(f"qty_{line_id}")), line.returnable_quantity))
        try:
            page = await shop_now.browse(
                caller,
                line_id,
                q=q,
                cursor=str(form.get("cursor") or "") or None,
                limit=PAGE_SIZE,
                quantity=quantity,
                language=t.language,
            )
        except DomainError as refused:  # the policy does not allow it, or a stale cursor
            return await order_page(
                request, caller, t, clock, error=t("error.generic", detail=refused.detail)
            )
        return render_page(
            request,
            "portal/shop.html",
            t,
            line=line,
            quantity=quantity,
            q=q,
            page=page,
            carried=carried_fields(form, line_id),
            on_page=shown_on_pages,
            unsigned=unsigned,
            # isolated (FSI ... PDI): a Latin title and price keep their order in Arabic
            isolate=lambda text: f"\u2068{text}\u2069",
        )
