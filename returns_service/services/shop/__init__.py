"""The shop written back to (RETURNS_SHOP): return objects, restocks and exchange orders as
jobs after the case's commit, order backfill, the shop's own webhooks, reconciliation."""
