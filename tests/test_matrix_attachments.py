"""Files on Matrix: `!calendar` sends an iCalendar file that a member can download (and decrypt, in an encrypted
room) and read back, through a real Synapse's media repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from icalendar import Calendar
from nio import MemoryDownloadResponse
from nio.crypto import decrypt_attachment

from bot.config import Config
from tests.matrix_support import Member, Seen, bot_config, start_bot, until
from tests.support.synapse import SynapseServer

pytestmark = pytest.mark.sqlite_only


def files_from(member: Member, sender: str, room_id: str, after: int) -> list[Seen]:
    return [s for s in member.seen[after:] if s.event.sender == sender and s.room_id == room_id
            and s.content.get("msgtype") == "m.file"]


async def download(member: Member, mxc: str) -> bytes:
    response = await member.client.download(mxc=mxc)
    assert isinstance(response, MemoryDownloadResponse), response
    return bytes(response.body)


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_calendar_file_can_be_downloaded_and_read(synapse: SynapseServer, config: Config, tmp_path: Path,
                                                        encrypted: bool) -> None:
    alice = await Member.create(synapse, "alice", tmp_path / "alice")
    bot = await start_bot(bot_config(config, synapse, tmp_path / "bot", admins=(alice.user_id,)))
    try:
        room = await alice.create_room([bot.user_id], encrypted=encrypted, name="secrétariat")
        await alice.expect(bot.user_id, "bot du forum", room)
        await alice.ask(room, "!lang en", bot.user_id, "English")
        await alice.ask(room, "!meeting plan plenary 2031-06-12 10:00 CESE, Paris", bot.user_id, "S1")
        mark = alice.mark()
        await alice.ask(room, "!calendar", bot.user_id, "calendar")
        found = await until(lambda: files_from(alice, bot.user_id, room, mark), "the calendar file")
        content = found[0].content
        assert content["body"] == "forum-calendar.ics"
        assert content["info"]["mimetype"] == "text/calendar"
        if encrypted:
            assert "url" not in content, "an encrypted room's file must not be readable without its key"
            file = content["file"]
            data = decrypt_attachment(await download(alice, file["url"]), file["key"]["k"],
                                      file["hashes"]["sha256"], file["iv"])
        else:
            data = await download(alice, content["url"])
        assert content["info"]["size"] == len(data)
        calendar = Calendar.from_ical(data)
        summaries = [str(event.get("summary")) for event in calendar.walk("VEVENT")]
        assert any("S1" in summary or "lenary" in summary for summary in summaries), summaries
    finally:
        await bot.transport.stop()
        await alice.close()
