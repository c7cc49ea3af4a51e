"""Issue 15, meetings: minutes read a MeetBot meeting as MeetBot does. #idea, #agreed/#disagreed, #link, #action to
every person it names (unknown ones said, the action kept without an owner), #undo as a recorded correction,
#chair/#unchair, everyone who speaks counted present; members add items; tags with no minutes open are answered;
the same meeting started or planned twice is refused. The minutes text and the meetings export say it all. Both
languages."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from bot.app import Forum
from bot.exports import export
from bot.storage.tables import Account, ActionItem, MinutesEntry
from tests.support.forum_setup import group, lines, roles, room, start
from tests.transcript import play

SETUP = (start("2024-04-01 09:00") + room("secretariat", "secretariat", english=True)
         + group("open-data", "Open data") + lines("[open-data] alice: /lang room en")
         + roles([("bob", "cochair"), ("carol", "member open-data"), ("dave", "member open-data")],
                 where="secretariat")
         + lines("[dm] bob: /lang en", "[dm] carol: /lang en", "[dm] dave: /lang en",
                 "[open-data] bob: /meeting plan open-data 2024-04-10 10:00 CESE", "@at 2024-04-10 10:00"))
OPEN = SETUP + lines("[open-data] bob: /minutes start S1")
# The same, with the group's room and everyone speaking French.
SETUP_FR = (SETUP + lines("[open-data] alice: /lang room fr", "[dm] bob: /lang fr", "[dm] carol: /lang fr",
                          "[dm] dave: /lang fr"))
OPEN_FR = SETUP_FR + lines("[open-data] bob: /cr debut S1")


def _row(forum: Forum, number: int = 1) -> dict[str, object]:
    with Session(forum.engine) as session:
        rows = json.loads(export(session, forum.config, forum.clock.now(), "meetings", "json"))
    return dict(next(row for row in rows if row["id"] == f"S{number}"))


def _ended(out: str) -> str:
    """The minutes posted by /minutes end (or /cr fin): from their title to the next input line."""
    start_at = out.rindex("bot: Minutes of S1") if "bot: Minutes of S1" in out else out.rindex("bot: Compte rendu")
    return out[start_at:].split("\n> ", 1)[0]


async def test_ideas_disagreements_and_links_are_kept_and_exported(forum: Forum) -> None:
    out = await play(forum, OPEN + lines(
        "[open-data] carol: #idea publish the budget as open data",
        "[open-data] bob: #agreed ask for the 2024 data",
        "[open-data] dave: #disagreed a paid access to the data",
        "[open-data] carol: #link https://data.example.org/budget the draft budget",
        "[open-data] carol: #link the draft budget, without an address",
        "[open-data] bob: /minutes end"))
    assert "#link needs a web address, like #link https://example.org/report the report." in out
    minutes = _ended(out)
    assert ("Ideas:\n  • publish the budget as open data\n  Agreed:\n  • ask for the 2024 data\n  Disagreed:\n"
            "  • a paid access to the data") in minutes
    assert "Links:\n  • https://data.example.org/budget the draft budget" in minutes
    row = _row(forum)
    assert row["ideas"] == ["publish the budget as open data"] and row["disagreed"] == ["a paid access to the data"]
    assert row["links"] == [{"url": "https://data.example.org/budget",
                             "text": "https://data.example.org/budget the draft budget"}]
    assert row["status"] == "held"


async def test_french_tags_idee_desaccord_lien(forum: Forum) -> None:
    out = await play(forum, OPEN_FR + lines(
        "[open-data] carol: #idée publier le budget", "[open-data] dave: #desaccord un accès payant",
        "[open-data] bob: #accord demander les données 2024",
        "[open-data] carol: #lien https://data.example.org/b le budget",
        "[open-data] bob: /cr fin"))
    minutes = _ended(out)
    assert "Idées\u202f:\n  • publier le budget" in minutes
    assert "Désaccords\u202f:\n  • un accès payant" in minutes
    assert "Accords\u202f:\n  • demander les données 2024" in minutes
    assert "Liens\u202f:\n  • https://data.example.org/b le budget" in minutes
    assert "Présidence de séance\u202f: @bob" in minutes


async def test_everyone_who_speaks_is_present_in_the_minutes_and_the_export(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[open-data] dave: before the minutes: not present for that",
        "[open-data] bob: /minutes start S1",
        "[open-data] erin: good morning, sorry I am late",
        "[open-data] carol: #info the 2023 data is out",
        "[secretariat] frank: elsewhere: not present",
        "[open-data] bob: /minutes end",
        "[open-data] gina: after the minutes: not present"))
    assert "Present: @bob, @erin, @carol\n" in _ended(out)
    assert _row(forum)["attendance"] == ["bob", "erin", "carol"]
    assert _row(forum)["chairs"] == ["bob"]


async def test_a_plain_line_said_twice_records_its_speaker_once(forum: Forum) -> None:
    await play(forum, OPEN + lines("[open-data] erin: hello", "[open-data] erin: hello again",
                                   "[open-data] erin: #here"))
    with Session(forum.engine) as session:
        spoke = session.exec(select(MinutesEntry).where(MinutesEntry.tag == "spoke")).all()
    assert len(spoke) == 1


async def test_an_action_goes_to_every_person_it_names_and_says_who_is_unknown(forum: Forum) -> None:
    out = await play(forum, OPEN + lines(
        "[open-data] carol: #here",
        "[open-data] dave: I can help",
        "[open-data] bob: #action carol and dave draft the letter due=2024-04-17",
        "[open-data] bob: #action @carol @zoe check the figures",
        "[open-data] bob: #action someone writes the summary",
        "[open-data] bob: /minutes end"))
    assert "Action for @carol, @dave: carol and dave draft the letter — due April 17, 2024" in out
    assert ("Action for @carol: check the figures\n"
            "  I do not know @zoe: nobody by that name has written here yet.") in out
    assert ("Action recorded without an owner: someone writes the summary\n"
            "  To give it to someone, #undo it and name them: #action @who text.") in out
    minutes = _ended(out)
    assert ("Actions:\n  • @carol: carol and dave draft the letter (due April 17, 2024)\n"
            "  • @dave: carol and dave draft the letter (due April 17, 2024)\n  • @carol: check the figures\n"
            "  • no owner: someone writes the summary") in minutes
    owners = [a["owner"] for a in _row(forum)["actions"]]  # type: ignore[union-attr]
    assert owners == ["carol", "dave", "carol", None]
    with Session(forum.engine) as session:  # no placeholder person made for @zoe
        assert session.exec(select(Account).where(Account.handle == "zoe")).first() is None


async def test_actions_in_french(forum: Forum) -> None:
    out = await play(forum, OPEN_FR + lines("[open-data] bob: #action @carol @inconnu relire le projet",
                                            "[open-data] bob: #action quelqu’un rédige la synthèse"))
    assert "Action pour @carol\u202f: relire le projet" in out
    assert "Je ne connais pas @inconnu\u202f: personne de ce nom n’a encore écrit ici." in out
    assert "Action notée sans responsable\u202f: quelqu’un rédige la synthèse" in out


async def test_undo_strikes_ones_own_last_item_and_a_chair_strikes_anyones(forum: Forum) -> None:
    out = await play(forum, OPEN + lines(
        "[open-data] carol: #info first of carol",
        "[open-data] dave: #info dave's line",
        "[open-data] dave: #action @dave call the ministry",
        "[open-data] carol: #undo",  # carol's last: her #info, not dave's later lines
        "[open-data] carol: #undo",  # nothing of hers left
        "[open-data] bob: #undo",  # the chair: the last item, dave's action
        "[open-data] bob: /minutes end", "[dm] dave: /whoami"))
    assert "Undone: #info first of carol (from @carol). It stays in the record as a correction." in out
    assert "There is nothing of yours to undo in these minutes." in out
    assert "Undone: #action call the ministry (from @dave). It stays in the record as a correction." in out
    minutes = _ended(out)
    assert "first of carol" not in minutes and "call the ministry" not in minutes
    assert "Information:\n  • dave's line" in minutes
    assert "Your actions:" not in out.split("/whoami")[-1]
    row = _row(forum)
    assert row["undone"] == [{"tag": "info", "text": "first of carol", "by": "carol"},
                             {"tag": "action", "text": "call the ministry", "by": "dave"}]
    assert row["actions"] == []
    with Session(forum.engine) as session:  # struck, not deleted: the record keeps the lines and the action item
        assert len(session.exec(select(MinutesEntry).where(MinutesEntry.tag == "undo")).all()) == 2
        (action,) = session.exec(select(ActionItem)).all()
        assert action.undone_at is not None and action.text == "call the ministry"


async def test_undo_in_french(forum: Forum) -> None:
    out = await play(forum, OPEN_FR + lines("[open-data] carol: #accord à retirer", "[open-data] carol: #annuler",
                                            "[open-data] dave: #annuler"))
    assert "Annulé\u202f: #accord à retirer (de @carol). La correction reste au registre." in out
    assert "Vous n’avez rien à annuler dans ce compte rendu." in out


async def test_undoing_the_only_item_leaves_the_meeting_not_held(forum: Forum) -> None:
    out = await play(forum, OPEN + lines("[open-data] bob: #info by mistake", "[open-data] bob: #undo",
                                         "[open-data] bob: /minutes end"))
    assert "Nothing but attendance was recorded: S1 is not marked as held." in out
    assert _row(forum)["status"] == "planned"


async def test_chairs_share_the_chair_undo_and_end_the_minutes(forum: Forum) -> None:
    out = await play(forum, OPEN + lines(
        "[open-data] dave: #info dave's point",
        "[open-data] carol: /minutes end",  # a member who is not a chair
        "[open-data] carol: #chair @dave",  # only chairs give the chair
        "[open-data] bob: #chair @carol @nobody",
        "[open-data] carol: #undo",  # now a chair: strikes dave's line
        "[open-data] carol: #unchair @bob",  # who started them stays
        "[open-data] carol: #info carol's point",
        "[open-data] carol: /minutes end"))
    assert "Only this meeting's chairs (@bob), a co-chair or the secretariat may end the minutes." in out
    assert "Only this meeting's chairs (@bob), a co-chair or the secretariat may change who chairs it." in out
    assert "Chairs: @bob, @carol\n  I do not know @nobody: nobody by that name has written here yet." in out
    assert "Undone: #info dave's point (from @dave)." in out
    assert "@bob started the minutes and stays in the chair." in out
    minutes = _ended(out)
    assert "Chairs: @bob, @carol" in minutes and "dave's point" not in minutes
    assert _row(forum)["chairs"] == ["bob", "carol"]


async def test_unchair_takes_the_chair_back_in_french(forum: Forum) -> None:
    out = await play(forum, OPEN_FR + lines("[open-data] bob: #presidence @carol",
                                            "[open-data] bob: #finpresidence @carol", "[open-data] carol: /cr fin"))
    assert "Présidence de séance\u202f: @bob, @carol" in out
    assert "Présidence de séance\u202f: @bob\n" in out
    assert "Seules la présidence de séance (@bob), la coprésidence ou le secrétariat peuvent terminer" in out


async def test_members_add_items_and_tags_without_minutes_are_answered(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[open-data] carol: #info too early", "[dm] carol: #action @carol in private",
        "[open-data] carol: #hashtag chatting is not answered",
        "[open-data] bob: /minutes start S1", "[open-data] carol: #info the 2023 data is out",
        "[open-data] dave: #startvote shall we?", "[open-data] bob: /minutes end"))
    no_minutes = ("No minutes are being taken here, so this line is not recorded. A co-chair or the secretariat "
                  "starts them in the meeting's room with /minutes start S2 (/meetings lists the meetings).")
    assert out.count(no_minutes) == 2
    assert "#hashtag chatting is not answered\n> " in out
    assert "#startvote is a MeetBot command I do not take." in out
    assert "Information:\n  • the 2023 data is out" in _ended(out)


async def test_a_tag_without_minutes_is_answered_in_french(forum: Forum) -> None:
    out = await play(forum, SETUP_FR + lines("[open-data] carol: #idee trop tôt"))
    assert ("Aucun compte rendu n’est en cours ici\u202f: cette ligne n’est pas enregistrée. La coprésidence ou le "
            "secrétariat l’ouvre dans le salon de la réunion avec /cr debut S2") in out


async def test_the_same_meeting_or_body_started_twice_is_refused_saying_why(forum: Forum) -> None:
    out = await play(forum, OPEN + lines(
        "[open-data] bob: /minutes start S1",
        "[open-data] bob: /meeting plan open-data 2024-04-10 11:00 CESE",
        "[open-data] bob: /minutes start S2 confirm"))
    assert ("Minutes of S1 are already being taken here: @bob started them at April 10, 2024, 10:00\u202fAM. Go on "
            "tagging your lines, or send /minutes end to finish.") in out
    assert ("Minutes of S1, a meeting of the same body, are already being taken here (@bob started them at April 10, "
            "2024, 10:00\u202fAM). Is S2 really another meeting? Send /minutes end to finish S1's first.") in out


async def test_an_identical_meeting_planned_twice_is_refused(forum: Forum) -> None:
    out = await play(forum, SETUP_FR + lines("[open-data] bob: /reunion planifier open-data 2024-05-10 10:00",
                                             "[open-data] bob: /reunion planifier open-data 2024-05-10 10:00 ailleurs",
                                             "[open-data] bob: /reunion planifier pleniere 2024-05-10 10:00"))
    assert ("La réunion S2 de la même instance est déjà planifiée à cette heure-là\u202f: s’agit-il de la même "
            "réunion\u202f?") in out
    assert "S3 (plénière" in out  # another body at the same time is another meeting
