"""The words dates are written with: normalisation, month names, ordinals, in English and French."""

from __future__ import annotations

import re
import unicodedata

DASHES = "‐‑‒–—―−"


def normalize(text: str) -> str:
    """Lower case, no accents, dots and commas as spaces, apostrophes as spaces, any dash as '-', single spaces,
    tight hyphens."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = "".join("-" if c in DASHES else c for c in plain)
    plain = re.sub(r"[.,’']", " ", plain)
    plain = re.sub(r"\s+", " ", plain).strip()
    return re.sub(r" ?- ?", "-", plain)


# Month names without accents, lower case; English and French with usual abbreviations.
MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan janvier janv",
        "february feb febr fevrier fevr fev",
        "march mar mars",
        "april apr avril avr",
        "may mai",
        "june jun juin",
        "july jul juillet juil",
        "august aug aout",
        "september sep sept septembre",
        "october oct octobre",
        "november nov novembre",
        "december dec decembre",
    ),
    start=1,
):
    for _name in _names.split():
        MONTH_NAMES[_name] = _number

ORDINALS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "1 1er 1re 1ere 1st first premier premiere",
        "2 2e 2eme 2nd second seconde deuxieme",
        "3 3e 3eme 3rd third troisieme",
        "4 4e 4eme 4th fourth quatrieme",
    ),
    start=1,
):
    for _name in _names.split():
        ORDINALS[_name] = _number
