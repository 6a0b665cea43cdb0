"""Outbound webhooks: endpoints, announcing case changes, delivering them (docs/webhooks.md)."""
