"""Returns-and-exchanges concierge service."""

__version__ = "0.1.0"
