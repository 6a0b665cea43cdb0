"""What Piccolo's migration runner reads (PICCOLO_CONF points here): the engine and our app."""

from piccolo.conf.apps import AppRegistry

from returns_service.db.engine import DB

APP_REGISTRY = AppRegistry(apps=["returns_service.db.piccolo_app"])

__all__ = ["APP_REGISTRY", "DB"]
