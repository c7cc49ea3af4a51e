"""bot/rules/evidence.py: evidence is a link when it claims to be one (and must then be valid), else a note."""

from __future__ import annotations

import pytest

from bot.rules.evidence import BadLink, Evidence, read_evidence


def test_a_link_alone_is_a_link() -> None:
    assert read_evidence("https://example.org/report") == Evidence("https://example.org/report", None)
    assert read_evidence("www.modernisation.gouv.fr/x") == Evidence("https://www.modernisation.gouv.fr/x", None)
    assert read_evidence("http://localhost:8080/a") == Evidence("http://localhost:8080/a", None)


def test_text_is_a_note_kept_as_typed() -> None:
    assert read_evidence("voir: le compte rendu") == Evidence(None, "voir: le compte rendu")
    assert read_evidence("compte rendu approuvé le 12 juin") == Evidence(None, "compte rendu approuvé le 12 juin")
    assert read_evidence("rapport : https://example.org/r.") == Evidence("https://example.org/r",
                                                                         "rapport : https://example.org/r.")
    assert read_evidence(None) == Evidence(None, None)
    assert read_evidence("  ") == Evidence(None, None)


@pytest.mark.parametrize("text", ["htp:/example.org", "https://example", "ftp://example.org/f", "https://ex..org",
                                  "voir https//example.org", "http://exa mple.org"])
def test_a_word_that_claims_to_be_a_link_must_be_a_valid_one(text: str) -> None:
    with pytest.raises(BadLink):
        read_evidence(text)
