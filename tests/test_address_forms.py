"""A person's form of address (/address, /adresse): role titles follow it, epicene by default, shown by /whoami."""

from __future__ import annotations

from bot.app import Forum
from tests.support.forum_setup import start
from tests.transcript import bot_lines, play

N = "\u202f"


async def test_titles_follow_the_form_of_address(forum: Forum) -> None:
    out = await play(forum, start() + "".join(f"{line}\n" for line in [
        "[dm] helene: /adresse feminin",
        "[dm] paul: /adresse masculin",
        "[dm] sam: /moi",
        "[plenary] alice: /room plenary",
        "[plenary] alice: /role @helene cochair",
        "[plenary] alice: /role @paul cochair",
        "[plenary] alice: /role @sam cochair",
        "[plenary] alice: /role @helene observer",
        "[plenary] alice: /role @paul observer",
        "[plenary] alice: /role @sam observer",
        "[dm] helene: /moi",
        "[dm] paul: /lang en",
        "[dm] paul: /whoami",
    ]))
    said = bot_lines(out)
    assert f"[dm helene] bot: Vos titres seront écrits au féminin, p.{N}ex. coprésidente." in said \
        or "[dm helene] bot: Vos titres seront écrits au féminin, p. ex. coprésidente." in said
    for who, cochair, observer in (("helene", "coprésidente", "observatrice"), ("paul", "coprésident", "observateur"),
                                   ("sam", "membre de la coprésidence", "membre avec voix consultative")):
        assert f"[plenary] bot: @{who} est désormais {cochair}." in said
        assert f"[plenary] bot: @{who} est désormais {observer}." in said
    assert f"Vos titres{N}: au neutre (épicène) (/adresse pour changer)." in out  # sam, who chose nothing
    assert f"Vos titres{N}: au féminin (/adresse pour changer)." in out
    assert "  • coprésidente" in out
    assert "Your titles: masculine form (/address to change it)." in out
    assert "  • co-chair" in out

