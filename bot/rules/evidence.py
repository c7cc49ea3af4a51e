"""Evidence given with `/milestone done`: a link when the text claims to be one (and it must then be a valid web
address), any other text kept as a note (no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# A word that claims to be a link: a scheme (`https://`, `htp:/`, `ftp://`), one that lost its colon (`https//`),
# or a leading `www.`.
_CLAIMS = re.compile(r"(?i)^(?:[a-z][a-z0-9+.-]{1,9}:/+|[a-z]{3,6}//|www\.)\S*$")
_HOST_LABEL = re.compile(r"(?i)^(?!-)[a-z0-9\u00a1-\uffff-]{1,63}(?<!-)$")
_TRAILING = ".,;:!?)»”’"


class BadLink(ValueError):
    """A word that claims to be a link but is not a valid http(s) address."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Evidence:
    link: str | None
    note: str | None


def _valid_host(host: str) -> bool:
    if host == "localhost" or re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", host):
        return True
    labels = host.rstrip(".").split(".")
    return len(labels) >= 2 and all(_HOST_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


def check_link(word: str) -> str:
    """The address a word that claims to be a link stands for (`www.` gets `https://`); BadLink when invalid."""
    address = "https://" + word if word.lower().startswith("www.") else word
    try:
        parts = urlsplit(address)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as exc:
        raise BadLink(word) from exc
    if parts.scheme.lower() not in ("http", "https") or not address.lower().startswith(parts.scheme.lower() + "://") \
            or not parts.hostname or not _valid_host(parts.hostname) or not port_ok:
        raise BadLink(word)
    return address


def read_evidence(text: str | None) -> Evidence:
    """`https://example.org/r` → a link; `report https://example.org/r` → the link, and the text as a note;
    `minutes approved at the plenary` → a note; `htp:/example` → BadLink."""
    if text is None or not text.strip():
        return Evidence(None, None)
    words = text.split()
    claims = [w.rstrip(_TRAILING) for w in words if _CLAIMS.match(w.rstrip(_TRAILING))]
    links = [check_link(w) for w in claims]
    link = links[0] if links else None
    alone = len(words) == 1 and link is not None
    return Evidence(link, None if alone else text.strip())
