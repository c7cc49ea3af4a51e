"""The committee vote, end to end on Matrix (commands, ballots in direct rooms, reactions, a secret ballot refused
in the room and cast in private, the deadlines, the results), giving the same register as on the console."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.storage.tables.votes import Decision
from bot.transports.console import run_script
from tests.matrix_support import Member, bot_config, start_bot, until
from tests.support import FORUM_EPOCH
from tests.support.synapse import SynapseServer

pytestmark = pytest.mark.sqlite_only


def record(forum: Forum) -> list[tuple[str, str, int | None, int | None, int | None, str | None]]:
    with Session(forum.engine) as session:
        return [(d.title, d.outcome, d.votes_for, d.votes_against, d.abstentions, d.body)
                for d in session.exec(select(Decision).order_by(col(Decision.id))).all()]


CONSOLE = """\
@admin alice
[committee] alice: /room committee
[committee] alice: /lang room en
[committee] alice: /role @bob cochair
[committee] alice: /role @carol committee
[committee] alice: /role @dave committee
[committee] alice: /role @erin committee
[committee] carol: /propose Publish the minutes within two weeks
[committee] bob: /vote open P1 closes=3d
[dm] carol: /vote V1 yes
[committee] dave: /vote V1 yes
[committee] erin: /vote V1 no
[committee] erin: /vote V1 withdraw
[committee] erin: /vote V1 abstain
[committee] bob: /vote V1 yes
[committee] carol: /propose Hold one plenary a year in the regions
[committee] bob: /vote open P2 closes=3d secret
[committee] carol: /vote V2 yes
[dm] carol: /vote V2 yes
[dm] bob: /vote V2 no
@advance 4d
"""


async def test_committee_vote_over_matrix_gives_the_console_records(synapse: SynapseServer, tmp_path: Path,
                                                                    migrated_template: Path) -> None:
    shutil.copy(migrated_template, tmp_path / "console.sqlite3")
    console = Forum(Config(database_url=f"sqlite:///{tmp_path / 'console.sqlite3'}"), SimulatedClock(FORUM_EPOCH),
                    migrate=False)
    assert await run_script(console, CONSOLE, write=lambda _line: None) == 0
    expected = record(console)
    console.engine.dispose()

    people = {name: await Member.create(synapse, name, tmp_path / name)
              for name in ("alice", "bob", "carol", "dave", "erin")}
    alice, bob, carol, dave, erin = people.values()
    db = tmp_path / "matrix.sqlite3"
    shutil.copy(migrated_template, db)
    base = Config(database_url=f"sqlite:///{db}")
    bot = await start_bot(bot_config(base, synapse, tmp_path / "bot", admins=(alice.user_id,)))
    try:
        room = await alice.create_room([bot.user_id, *(p.user_id for p in (bob, carol, dave, erin))],
                                       name="committee")
        await alice.expect(bot.user_id, "bot du forum", room)

        async def say(member: Member, text: str, expect: str, where: str = room) -> None:
            mark = member.mark()
            await member.say(where, text)
            await member.expect(bot.user_id, expect, where, after=mark)

        await say(alice, "!room committee", "")
        await say(alice, "!lang room en", "English")
        for member, role in ((bob, "cochair"), (carol, "committee"), (dave, "committee"), (erin, "committee")):
            await say(alice, f"!role {member.user_id} {role}", "")
        await say(carol, "!propose Publish the minutes within two weeks", "P1")
        mark = dave.mark()
        await say(bob, "!vote open P1 closes=3d", "V1")
        # wait until dave's own client has synced the announcement (bob seeing it does not mean dave has)
        announce = await dave.expect(bot.user_id, "!vote V1 yes", room, after=mark)
        # carol votes in her direct room with the bot (made by her, is_direct)
        dm = await carol.create_room([bot.user_id], name="", is_direct=True)
        await until(lambda: bot.user_id in carol.client.rooms[dm].users
                    and not carol.client.rooms[dm].users[bot.user_id].invited, "the bot in carol's direct room")
        await say(carol, "!vote V1 yes", "V1", where=dm)
        # dave and erin vote by reaction; erin changes her mind by removing hers and choosing another
        mark = dave.mark()
        await dave.react(room, announce.event.event_id, "👍")
        await dave.expect(bot.user_id, "V1", room, after=mark)
        mark = erin.mark()
        thumbs_down = await erin.react(room, announce.event.event_id, "👎")
        await erin.expect(bot.user_id, "V1", room, after=mark)
        mark = erin.mark()
        await erin.client.room_redact(room, thumbs_down)
        await erin.expect(bot.user_id, "V1", room, after=mark)
        mark = erin.mark()
        await erin.react(room, announce.event.event_id, "🤷")
        await erin.expect(bot.user_id, "V1", room, after=mark)
        await say(bob, "!vote V1 yes", "V1")
        # a secret vote: a ballot written in the room is refused, unrecorded; ballots go in direct rooms
        await say(carol, "!propose Hold one plenary a year in the regions", "P2")
        await say(bob, "!vote open P2 closes=3d secret", "V2")
        await say(carol, "!vote V2 yes", "NOT recorded")
        await say(carol, "!vote V2 yes", "V2", where=dm)
        bob_dm = await bob.create_room([bot.user_id], name="", is_direct=True)
        await until(lambda: bot.user_id in bob.client.rooms[bob_dm].users
                    and not bob.client.rooms[bob_dm].users[bot.user_id].invited, "the bot in bob's direct room")
        await say(bob, "!vote V2 no", "V2", where=bob_dm)
        await bot.transport.idle()

        # the deadline, in the forum's time; then the result is posted in the committee room
        mark = alice.mark()
        bot.forum.advance_to(bot.forum.clock.now() + timedelta(days=4))
        await bot.transport.wake()
        await alice.expect(bot.user_id, "V1", room, after=mark)
        await alice.expect(bot.user_id, "V2", room, after=mark)
        assert record(bot.forum) == expected
        assert [row[1:5] for row in expected] == [("adopted", 3, 0, 1), ("rejected", 1, 1, 0)]
    finally:
        await bot.transport.stop()
        for member in people.values():
            await member.close()
