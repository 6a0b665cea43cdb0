"""The SQL of the cases package, in one place."""

from __future__ import annotations

# one timeline event; `text` stays empty: the words are rendered for each reader from kind and
# params (the column keeps the English prose of events written before they had params)
INSERT_EVENT = """INSERT INTO case_event (store, "case", at, actor_kind, actor_id, actor_name, kind,
                                   from_status, to_status, params, detail, customer_visible)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)"""
INSERT_EVENT_PARAMS = 12

SET_CASE_STATUS = "UPDATE return_case SET status = $1, updated_at = $2 WHERE id = $3"
