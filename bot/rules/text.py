"""Comparing words as people type them."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents: how keywords are compared (réunion = reunion = RÉUNION)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
