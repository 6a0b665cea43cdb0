"""The merchant's analytics (docs/analytics.md): return rates by SKU, product, category,
reason, resolution and country; outcomes (resolution mix, money kept and refunded, times,
ratings, fit); concierges. Read-only, for leads and admins; every report also as CSV."""
