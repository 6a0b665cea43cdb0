"""The SQL of the cases package, in one place."""

from __future__ import annotations

# one timeline event; `text` stays empty: the words are rendered for each reader from kind and
# params (the column keeps the English prose of events written before they had params)
INSERT_EVENT = """INSERT INTO case_event (store, "case", at, actor_kind, actor_id, actor_name, kind,
                                   from_status, to_status, params, detail, customer_visible)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)"""
INSERT_EVENT_PARAMS = 12

SET_CASE_STATUS = "UPDATE return_case SET status = $1, updated_at = $2 WHERE id = $3"

# what a customer email lists and links beside its text (`records.email_facts`)
EMAIL_ITEMS = """
SELECT COALESCE(p.title, l.sku) AS title, COALESCE(v.title, '') AS variant, ci.quantity
  FROM case_item ci
  JOIN order_line l ON l.id = ci.line
  LEFT JOIN variant v ON v.store = l.store AND v.sku = l.sku
  LEFT JOIN product p ON p.id = v.product
 WHERE ci."case" = $1
 ORDER BY ci.id"""
EMAIL_ACTIVE_LABEL = """SELECT 1 FROM label WHERE "case" = $1 AND status = 'active' LIMIT 1"""
# the original of an advance exchange still to come back: the date it is due
EMAIL_RETURN_DEADLINE = """
SELECT min(return_deadline) AS deadline FROM shipment
 WHERE "case" = $1 AND advance AND original_received_at IS NULL"""
