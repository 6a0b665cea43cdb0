"""The bodies the EasyPost stand-in answers with, written from EasyPost's API reference
(https://docs.easypost.com/docs/<page>: the page is named above each). `n` makes each id
unique, `files` is the stand-in's own address for label and QR code files."""

from __future__ import annotations

import hashlib
import hmac
import io
import unicodedata
from typing import Any

CREATED_AT = "2026-09-01T12:00:00Z"
CARRIER_ACCOUNT = "ca_e606176ddb314afe896733636dba2f3b"

# Error bodies (docs/errors: `{"error": {"code", "message", "errors": [FieldError]}}`) with the
# statuses the errors reference gives: 402 "a lack of billing information or insufficient
# funds", 401 a wrong or missing key, 422 data EasyPost cannot process, 429 too many
# requests, 500/503. The adapter classifies by status (402 -> insufficient_funds) and, for
# 422, by the `ADDRESS.` code; the other codes here are illustrative.
FAILURES: dict[str, tuple[int, dict[str, Any], dict[str, str]]] = {
    "invalid_address": (
        422,
        {
            "code": "ADDRESS.VERIFY.FAILURE",
            "message": "Address not found",
            "errors": [
                {"field": "address", "message": "Address not found", "suggestion": None},
                {"field": "zip", "message": "Invalid zip code", "suggestion": None},
            ],
        },
        {},
    ),
    "insufficient_funds": (
        402,
        {
            "code": "PAYMENT_REQUIRED",
            "message": "Insufficient funds. Please add funds to your account.",
            "errors": [],
        },
        {},
    ),
    "unauthorized": (
        401,
        {"code": "APIKEY.INACTIVE", "message": "This api key is no longer active.", "errors": []},
        {},
    ),
    "rate_limited": (
        429,
        {"code": "RATE_LIMITED", "message": "Too many requests.", "errors": []},
        {"Retry-After": "7"},
    ),
    "server_error": (
        500,
        {"code": "INTERNAL_SERVER_ERROR", "message": "Something went wrong.", "errors": []},
        {},
    ),
    "unavailable": (
        503,
        {"code": "SERVICE.UNAVAILABLE", "message": "Service unavailable.", "errors": []},
        {},
    ),
}


def error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "errors": []}}


def shipment(n: int, params: dict[str, Any], rates: list[dict[str, Any]]) -> dict[str, Any]:
    # Shipment object: docs/shipments
    return {
        "id": f"shp_{n:032x}",
        "object": "Shipment",
        "mode": "test",
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
        "is_return": bool(params.get("is_return")),
        "reference": params.get("reference"),
        "status": "unknown",
        "to_address": {"id": f"adr_{n:031x}1", "object": "Address", **params["to_address"]},
        "from_address": {"id": f"adr_{n:031x}2", "object": "Address", **params["from_address"]},
        "parcel": {"id": f"prcl_{n:032x}", "object": "Parcel", **params["parcel"]},
        "customs_info": params.get("customs_info"),
        "options": params.get("options", {}),
        "rates": rates,
        # Message object: docs/shipments/messages (carriers that could not rate)
        "messages": []
        if rates
        else [
            {
                "carrier": "USPS",
                "carrier_account_id": CARRIER_ACCOUNT,
                "type": "rate_error",
                "message": "No rates found for the given address and parcel.",
            }
        ],
        "selected_rate": None,
        "postage_label": None,
        "tracking_code": None,
        "tracker": None,
        "forms": [],
        "refund_status": None,
    }


def rate(
    n: int,
    shipment_id: str,
    carrier: str,
    service: str,
    price: str,
    currency: str,
    days: int | None,
) -> dict[str, Any]:
    # Rate object: docs/rates
    return {
        "id": f"rate_{n:032x}",
        "object": "Rate",
        "mode": "test",
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
        "service": service,
        "carrier": carrier,
        "carrier_account_id": CARRIER_ACCOUNT,
        "shipment_id": shipment_id,
        "rate": price,
        "currency": currency,
        "retail_rate": price,
        "retail_currency": currency,
        "list_rate": price,
        "list_currency": currency,
        "delivery_days": days,
        "delivery_date": None,
        "delivery_date_guaranteed": False,
        "est_delivery_days": days,
    }


def postage_label(n: int, files: str, shipment_id: str) -> dict[str, Any]:
    # PostageLabel object: docs/shipments (postage_label); label_zpl_url stays empty until the
    # label is converted (GET /shipments/:id/label?file_format=ZPL)
    return {
        "id": f"pl_{n:032x}",
        "object": "PostageLabel",
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
        "label_date": CREATED_AT,
        "label_resolution": 300,
        "label_size": "4x6",
        "label_type": "default",
        "label_file_type": "application/pdf",
        "label_url": f"{files}/{shipment_id}.pdf",
        "label_pdf_url": f"{files}/{shipment_id}.pdf",
        "label_zpl_url": None,
        "label_epl2_url": None,
        "integrated_form": "none",
    }


def qr_form(n: int, files: str, shipment_id: str) -> dict[str, Any]:
    # Form object: docs/forms; USPS Label Broker guide: form_type label_qr_code, its form_url
    # the QR code image
    return {
        "object": "Form",
        "id": f"form_{n:032x}",
        "mode": "test",
        "form_type": "label_qr_code",
        "form_url": f"{files}/{shipment_id}.png",
        "submitted_electronically": None,
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
    }


def tracker(
    n: int, tracking: str, carrier: str, status: str, shipment_id: str | None = None
) -> dict[str, Any]:
    # Tracker object and TrackingDetail: docs/trackers
    details = [
        {
            "object": "TrackingDetail",
            "message": "Shipping Label Created",
            "status": "pre_transit",
            "status_detail": "label_created",
            "datetime": "2026-09-01T12:00:00Z",
            "source": carrier,
            "tracking_location": {"object": "TrackingLocation", "city": "Reno"},
        }
    ]
    if status not in ("pre_transit", "unknown"):
        details.append(
            {
                "object": "TrackingDetail",
                "message": f"Parcel {status.replace('_', ' ')}",
                "status": status,
                "status_detail": "arrived_at_facility",
                "datetime": "2026-09-02T08:30:00Z",
                "source": carrier,
                "tracking_location": {"object": "TrackingLocation", "city": "Sparks"},
            }
        )
    return {
        "id": f"trk_{n:032x}",
        "object": "Tracker",
        "mode": "test",
        "tracking_code": tracking,
        "status": status,
        "status_detail": "unknown",
        "created_at": CREATED_AT,
        "updated_at": details[-1]["datetime"],
        "signed_by": None,
        "weight": None,
        "est_delivery_date": None,
        "shipment_id": shipment_id,
        "carrier": carrier,
        "tracking_details": details,
        "public_url": f"https://track.easypost.com/djE6dHJrXzE{n}",
    }


def tracker_updated(n: int, result: dict[str, Any]) -> dict[str, Any]:
    # Event object: docs/events (description "tracker.updated", result the Tracker)
    return {
        "object": "Event",
        "id": f"evt_{n:032x}",
        "mode": "test",
        "description": "tracker.updated",
        "previous_attributes": {"status": "pre_transit"},
        "pending_urls": [],
        "completed_urls": [],
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
        "user_id": "user_060ab38db3c04ffaa60f262e5781a9be",
        "status": "pending",
        "result": result,
    }


def sign(body: bytes, secret: str) -> str:
    """EasyPost's `X-Hmac-Signature` (docs/webhooks): HMAC-SHA256 of the body, keyed with the
    NFKD-normalised secret, as `hmac-sha256-hex=<hex>`."""
    key = unicodedata.normalize("NFKD", secret).encode()
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def label_pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(288, 432), invariant=1)
    pdf.drawString(20, 400, f"EASYPOST TEST LABEL {text}")
    pdf.save()
    return buffer.getvalue()


def label_zpl(text: str) -> bytes:
    return f"^XA^FO50,50^A0N,40,40^FD{text}^FS^XZ".encode()


def qr_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (29, 29), 1).save(buffer, "PNG")
    return buffer.getvalue()
