"""The helpdesk sidebar (roles `helpdesk`, `agent`, `lead`): a customer's returns beside a
ticket in Gorgias, Zendesk or Front, asked for by the requester's email. A `helpdesk` token
is admitted here and nowhere else (every other route's guard leaves its role out)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from returns_service.api.auth import allow
from returns_service.domain.access import Caller, Role
from returns_service.domain.text import EMAIL
from returns_service.services.cases import helpdesk
from returns_service.services.cases.schemas import HelpdeskView
from returns_service.services.platform.runtime import Runtime

# an address as the portal's sign-in takes it; 320 characters is the longest an address is
Email = Annotated[str, QueryParameter(min_length=3, max_length=320, pattern=EMAIL)]


class HelpdeskController(Controller):
    path = "/api/v1/helpdesk"
    tags = ["helpdesk"]
    guards = [allow(Role.HELPDESK, Role.AGENT, Role.LEAD)]

    @get("/customer", summary="A customer's returns, for a helpdesk's sidebar (by email)")
    async def customer(
        self, caller: NamedDependency[Caller], email: Email, runtime: NamedDependency[Runtime]
    ) -> HelpdeskView:
        return await helpdesk.customer_cases(caller, email, runtime.clock, runtime.public_url)
