"""The Stripe adapter passes our idempotency key, so a retried refund or charge never repeats.
Stripe cannot be reached from here: a recording stand-in for its client takes the calls."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from returns_service.adapters.payments import ManualPayments, MoneyRequest, StripePayments
from returns_service.domain.money import Money


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def _record(self, name: str, result: Any):  # type: ignore[no-untyped-def]
        def call(params: Any = None, options: dict[str, Any] | None = None) -> Any:
            self.calls.append(
                (name, params if isinstance(params, dict) else {"id": params}, options or {})
            )
            return result

        return call


def stripe_client(recorder: Recorder) -> Any:
    return SimpleNamespace(
        refunds=SimpleNamespace(
            create=recorder._record("refund", SimpleNamespace(id="re_1", status="succeeded"))
        ),
        payment_intents=SimpleNamespace(
            retrieve=recorder._record(
                "retrieve", SimpleNamespace(customer="cus_1", payment_method="pm_1")
            ),
            create=recorder._record("charge", SimpleNamespace(id="pi_2", status="succeeded")),
        ),
    )


async def test_stripe_refunds_and_charges_carry_our_idempotency_key() -> None:
    recorder = Recorder()
    adapter = StripePayments("sk_test_x", client=stripe_client(recorder))
    request = MoneyRequest(Money(2500, "USD"), "refund:1:7:3:0", "pi_1", "return R-ABC234")
    result = await adapter.refund(request)
    assert (result.provider, result.reference, result.status) == ("stripe", "re_1", "succeeded")
    name, params, options = recorder.calls[0]
    assert name == "refund" and params["payment_intent"] == "pi_1" and params["amount"] == 2500
    assert options == {"idempotency_key": "refund:1:7:3:0"}

    charged = await adapter.charge(
        MoneyRequest(Money(2500, "USD"), "charge:1:shipment:4", "pi_1", "late")
    )
    assert charged.reference == "pi_2"
    name, params, options = recorder.calls[-1]
    assert params["customer"] == "cus_1" and params["payment_method"] == "pm_1"
    assert params["off_session"] is True and params["currency"] == "usd"
    assert options == {"idempotency_key": "charge:1:shipment:4"}


async def test_the_manual_adapter_records_work_for_the_shop_admin() -> None:
    result = await ManualPayments().refund(MoneyRequest(Money(100, "EUR"), "k-1", "5001", "x"))
    assert result.status == "to_do_in_shop" and result.reference == "manual:k-1"
