from __future__ import annotations

import msgspec


class OrderUpserted(msgspec.Struct, frozen=True):
    id: int
    number: str
    created: bool


class ProductPut(msgspec.Struct, frozen=True):
    product_id: str
    created: bool


class CreatedWithToken(msgspec.Struct, frozen=True):
    id: int
    token: str
