"""Piccolo's configuration, for Piccolo's own CLI run from the repository root
(e.g. `piccolo migrations new returns --auto`). The service uses the same objects."""

from returns_service.db.piccolo_conf import APP_REGISTRY, DB

__all__ = ["APP_REGISTRY", "DB"]
