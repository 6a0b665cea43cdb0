"""Page language: which of the supported languages a page is shown in. The texts themselves
live in the one gettext catalogue (`returns_service/locale`, read by `translation.py`)."""

from __future__ import annotations

from returns_service.services.cases.timeline import render as timeline_text
from returns_service.translation import LANGUAGES, LOCALES, RTL, Translator

__all__ = ["LANGUAGES", "LOCALES", "RTL", "Translator", "pick_language", "timeline_text"]


def pick_language(*candidates: str | None, accept_language: str = "") -> str:
    """The first supported language among explicit choices, then the browser's preferences."""
    for candidate in candidates:
        if candidate:
            base = candidate.split("-")[0].split("_")[0].lower()
            if base in LANGUAGES:
                return base
            if base == "no" or base == "nn":
                return "nb"
    weighted = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((quality, tag.strip()))
    for _, tag in sorted(weighted, key=lambda x: -x[0]):
        if tag:
            chosen = pick_language(tag)
            if chosen != "en" or tag.lower().startswith("en"):
                return chosen
    return "en"
