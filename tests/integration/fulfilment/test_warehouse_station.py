"""The warehouse API the scan station stands on: what an inspection will do, said before it
is recorded (and then done exactly); a duplicate scan told apart from the first; a parcel
without a readable label found by order number, email or name; photos of what arrived."""

from __future__ import annotations

import asyncio
import io

import pytest
from PIL import Image

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseItem, CasePhoto, Payment, Receipt, ReturnCase
from returns_service.domain.access import Role
from tests.integration.helpers import (
    Client,
    add_agent,
    exchange_item,
    line_ids,
    open_return,
    order_doc,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)


@pytest.fixture
async def shop(client: Client, clock: FrozenClock) -> dict[str, dict[str, str]]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, agent = await add_agent(client, admin, "Ioana")
    warehouse = await staff_headers(client, Role.WAREHOUSE, clock)
    return {"admin": admin, "agent": agent, "warehouse": warehouse}


async def watch_refund(client: Client) -> tuple[str, int]:
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, refund_item(lines["WATCH-41-BLK"]))
    return case["number"], lines["WATCH-41-BLK"]


def grade(line_id: int, condition: str, disposition: str = "restock") -> dict:
    return {
        "items": [
            {"line_id": line_id, "quantity": 1, "condition": condition, "disposition": disposition}
        ]
    }


async def scan(client: Client, shop: dict, barcode: str) -> dict:
    response = await client.post(
        "/api/v1/warehouse/scans", json={"barcode": barcode}, headers=shop["warehouse"]
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_preview_says_what_recording_does_and_changes_nothing(
    client: Client, shop: dict
) -> None:
    number, line = await watch_refund(client)
    await scan(client, shop, number)
    url = f"/api/v1/warehouse/cases/{number}/inspection"

    preview = await client.post(
        f"{url}/preview", json=grade(line, "new"), headers=shop["warehouse"]
    )
    assert preview.status_code == 200, preview.text
    [effect] = preview.json()["effects"]
    assert effect["effect"] == "refund"
    assert effect["amount"] == {"amount": 39500, "currency": "USD"}
    assert effect["text"] == "refunds $395.00 now"
    assert effect["sku"] == "WATCH-41-BLK" and effect["title"] == "Genesis chronograph"
    # nothing moved, nothing was graded
    assert await Payment.count() == 0
    status = await ReturnCase.select(ReturnCase.status).where(ReturnCase.number == number)
    assert status[0]["status"] == "received"
    assert (await CaseItem.select(CaseItem.condition))[0]["condition"] is None

    damaged = await client.post(
        f"{url}/preview", json=grade(line, "damaged", "dispose"), headers=shop["warehouse"]
    )
    assert damaged.json()["effects"][0]["effect"] == "concierge"
    assert damaged.json()["effects"][0]["amount"] is None

    # recording does what the preview said: the same amount, refunded
    recorded = await client.post(url, json=grade(line, "new"), headers=shop["warehouse"])
    assert recorded.status_code == 200, recorded.text
    payments = await Payment.select(Payment.kind, Payment.amount)
    assert payments == [{"kind": "refund", "amount": 39500}]


async def test_the_preview_of_an_exchange_releases_the_replacement(
    client: Client, shop: dict
) -> None:
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, exchange_item(lines["RING-8-BLK"]))
    await scan(client, shop, case["number"])
    preview = await client.post(
        f"/api/v1/warehouse/cases/{case['number']}/inspection/preview",
        json=grade(lines["RING-8-BLK"], "like_new"),
        headers=shop["warehouse"],
    )
    [effect] = preview.json()["effects"]
    assert (effect["effect"], effect["exchange_sku"]) == ("replacement", "RING-9-BLK")
    assert effect["text"] == "ships the replacement RING-9-BLK now"


async def test_a_preview_without_a_choice_or_before_receipt_is_a_problem(
    client: Client, shop: dict
) -> None:
    number, line = await watch_refund(client)
    url = f"/api/v1/warehouse/cases/{number}/inspection/preview"
    # not received yet: grading is refused, as the inspection itself would refuse it
    early = await client.post(url, json=grade(line, "new"), headers=shop["warehouse"])
    assert early.status_code == 409, early.text
    await scan(client, shop, number)
    no_condition = {"items": [{"line_id": line, "quantity": 1, "disposition": "restock"}]}
    missing = await client.post(url, json=no_condition, headers=shop["warehouse"])
    assert missing.status_code == 400
    assert missing.headers["content-type"].startswith("application/problem+json")
    # agents do not grade parcels
    agent = await client.post(url, json=grade(line, "new"), headers=shop["agent"])
    assert agent.status_code == 403


async def test_a_second_scan_is_told_apart_from_the_first(
    client: Client, shop: dict, clock: FrozenClock
) -> None:
    number, _ = await watch_refund(client)
    first = await scan(client, shop, number)
    assert first["already_received"] is False
    assert first["receipt"]["received_at"] == clock.now().isoformat().replace("+00:00", "Z")
    again = await scan(client, shop, number)
    assert again["already_received"] is True
    assert again["receipt"] == first["receipt"]
    assert await Receipt.count() == 1


async def test_simultaneous_first_scans_receive_once_and_one_is_the_duplicate(
    client: Client, shop: dict
) -> None:
    number, _ = await watch_refund(client)
    results = await asyncio.gather(*(scan(client, shop, number) for _ in range(4)))
    assert sorted(r["already_received"] for r in results) == [False, True, True, True]
    assert await Receipt.count() == 1


async def test_an_unlabelled_parcel_is_found_by_order_number_email_or_name(
    client: Client, shop: dict
) -> None:
    number, _ = await watch_refund(client)
    other = order_doc("2002", "bo@example.com", lines=None)
    other["customer"].update(first_name="Bogdan", last_name="Anastase")
    assert (
        await client.post("/api/v1/orders", json=other, headers=shop["admin"])
    ).status_code == 201
    bo = await portal_headers(client, "2002", "bo@example.com")
    bo_lines = await line_ids(client, bo)
    bo_case = await open_return(client, bo, refund_item(bo_lines["WATCH-41-BLK"]))

    async def found(q: str) -> list[str]:
        response = await client.get(
            "/api/v1/warehouse/search", params={"q": q}, headers=shop["warehouse"]
        )
        assert response.status_code == 200, response.text
        return [item["number"] for item in response.json()["items"]]

    assert await found("1001") == [number]
    assert await found("  ANA@Example.com ") == [number]
    # first names and last names by their start: Ana Pop, and Bogdan Anastase (newest first)
    assert await found("ana") == [bo_case["number"], number]
    assert await found("pop") == [number]
    assert await found("Ana Pop") == [number]
    assert await found("anast") == [bo_case["number"]]
    assert await found("100") == []  # order numbers match exactly, not by prefix
    assert await found("ana%") == []  # LIKE wildcards are plain characters
    page = (
        await client.get(
            "/api/v1/warehouse/search", params={"q": "1001"}, headers=shop["warehouse"]
        )
    ).json()
    assert page["next_cursor"] is None
    assert page["items"][0]["customer_name"] == "Ana Pop"
    assert page["items"][0]["items"] == [{"sku": "WATCH-41-BLK", "quantity": 1}]

    # a received parcel is no longer looked for
    await scan(client, shop, number)
    assert await found("1001") == []


async def test_search_pages_by_twenty_and_refuses_short_queries(client: Client, shop: dict) -> None:
    numbers = []
    for n in range(23):
        doc = order_doc(str(3000 + n), f"many{n}@example.com")
        doc["customer"].update(first_name="Many", last_name=f"Parcels{n}")
        assert (
            await client.post("/api/v1/orders", json=doc, headers=shop["admin"])
        ).status_code == 201
        customer = await portal_headers(client, str(3000 + n), f"many{n}@example.com")
        lines = await line_ids(client, customer)
        numbers.append(
            (await open_return(client, customer, refund_item(lines["WATCH-41-BLK"])))["number"]
        )
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        params = {"q": "many"} | ({"cursor": cursor} if cursor else {})
        body = (
            await client.get("/api/v1/warehouse/search", params=params, headers=shop["warehouse"])
        ).json()
        assert len(body["items"]) <= 20
        seen += [i["number"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(numbers) and len(seen) == 23

    for bad in ({"q": "ab"}, {"q": "   a  "}, {}, {"q": "many", "cursor": "!!"}, {"q": "x" * 400}):
        response = await client.get(
            "/api/v1/warehouse/search", params=bad, headers=shop["warehouse"]
        )
        assert response.status_code in (400, 422), (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    agent = await client.get(
        "/api/v1/warehouse/search", params={"q": "many"}, headers=shop["agent"]
    )
    assert agent.status_code == 403


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (59.0, 54.0, 0.0)}  # GPS info
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


async def test_a_station_photo_is_stripped_kept_and_shown_to_staff(
    client: Client, shop: dict
) -> None:
    number, _ = await watch_refund(client)
    await scan(client, shop, number)
    original = jpeg_with_exif()
    assert b"SecretCam" in original
    upload = await client.post(
        f"/api/v1/warehouse/cases/{number}/photos",
        files={"file": ("scratch.jpg", original, "image/jpeg")},
        headers=shop["warehouse"],
    )
    assert upload.status_code == 201, upload.text
    photo = upload.json()
    assert photo["source"] == "warehouse"

    listed = await client.get(f"/api/v1/warehouse/cases/{number}/photos", headers=shop["admin"])
    assert [p["id"] for p in listed.json()] == [photo["id"]]
    image = await client.get(photo["url"], headers=shop["admin"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert b"SecretCam" not in image.content and b"Exif" not in image.content
    assert Image.open(io.BytesIO(image.content)).size == (40, 30)
    # its concierge sees it; an agent who does not own the case does not
    assert (await client.get(photo["url"], headers=shop["agent"])).status_code == 200
    _, other_agent = await add_agent(client, shop["admin"], "Mihai")
    assert (await client.get(photo["url"], headers=other_agent)).status_code == 404


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a" + b"\0" * 100,  # not an accepted format
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\xff\xd8\xff\xe0" + b"broken" * 50,  # says JPEG, is not
        b"\x89PNG\r\n\x1a\n" + b"\0" * 20,
    ],
)
async def test_a_file_that_is_not_a_photo_is_refused_and_nothing_kept(
    client: Client, shop: dict, content: bytes
) -> None:
    number, _ = await watch_refund(client)
    response = await client.post(
        f"/api/v1/warehouse/cases/{number}/photos",
        files={"file": ("x.jpg", content, "image/jpeg")},
        headers=shop["warehouse"],
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith("invalid-request")
    assert await CasePhoto.count() == 0


async def test_a_photo_over_the_size_limit_is_refused(client: Client, shop: dict) -> None:
    number, _ = await watch_refund(client)
    response = await client.post(
        f"/api/v1/warehouse/cases/{number}/photos",
        files={"file": ("big.jpg", b"\xff\xd8\xff" + b"\0" * (9 * 1024 * 1024), "image/jpeg")},
        headers=shop["warehouse"],
    )
    assert response.status_code in (413, 422), response.text
    assert await CasePhoto.count() == 0
