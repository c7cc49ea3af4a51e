"""The public web site over HTTP: pages in both languages, links, 404s in the reader's language, headers,
escaping, pagination, open data, the static build giving the served bytes, and nothing private on any page."""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from bot.app import Forum
from bot.storage.tables import Decision, OutboxMessage, Room, SecretChoice, Vote
from bot.web.build import build, crawl, file_for
from bot.web.server import start
from bot.web.site import Site, best_language
from tests.support.synapse import free_port
from tests.support.web_forum import scripted_forum, secrets

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
async def site(forum: Forum) -> Site:
    out = await scripted_forum(forum)
    assert "!!" not in out, out
    return Site(forum.engine, forum.config, forum.clock)


@pytest.fixture
async def base(site: Site) -> AsyncIterator[str]:
    port = free_port()
    runner = await start(site, "127.0.0.1", port)
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as client, client.get(url, headers=headers, allow_redirects=False) as r:
        return r.status, dict(r.headers), await r.read()


def database_digest(site: Site) -> str:
    digest = hashlib.sha256()
    with site.engine.connect() as db:
        for (name,) in db.execute(text("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")):
            for row in db.execute(text(f'SELECT * FROM "{name}" ORDER BY 1')):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


async def test_pages_in_both_languages_link_decision_vote_proposal(base: str) -> None:
    status, _, body = await fetch(base + "/fr/")
    page = body.decode()
    assert status == 200 and '<html lang="fr">' in page
    assert "Prochaines réunions" in page and "Dernières décisions" in page and "FR0112" in page
    assert 'href="/en/"' in page and ">English<" in page
    status, _, body = await fetch(base + "/en/decisions/")
    assert status == 200 and "Latest decisions" not in body.decode() and "D1" in body.decode()
    _, _, decision = await fetch(base + "/en/decisions/D2/")
    assert 'href="/en/votes/V1/"' in decision.decode() and 'href="/en/proposals/P1/"' in decision.decode()
    assert "yes 1 · no 1" in decision.decode()
    _, _, vote = await fetch(base + "/en/votes/V1/")
    assert 'href="/en/proposals/P1/"' in vote.decode()
    _, _, proposal = await fetch(base + "/fr/proposals/P1/")
    assert "Historique" in proposal.decode() and "déposée par carol" in proposal.decode()
    assert 'href="/fr/votes/V1/"' in proposal.decode() and 'href="/fr/decisions/D2/"' in proposal.decode()
    _, _, answered = await fetch(base + "/en/proposals/P3/")
    assert "the secretariat checks the rules" in answered.decode()


async def test_commitment_meeting_members_and_open_data(base: str) -> None:
    _, _, body = await fetch(base + "/en/commitments/FR0112/")
    page = body.decode()
    assert '<progress max="100" value="40"' in page and "limited" in page
    assert 'href="https://example.org/draft"' in page and "overdue" in page  # M1 was due on January 10
    assert "javascript:alert" not in page.split("<ul class=\"updates\">")[0]
    assert 'href="javascript:' not in page
    _, _, meeting = await fetch(base + "/fr/meetings/S1/")
    assert "Publish the data in open formats" in meeting.decode() and "draft the letter" in meeting.decode()
    assert "carol" in meeting.decode()
    _, _, members = await fetch(base + "/en/members/")
    assert "bob" in members.decode() and "carol" in members.decode()
    status, headers, data = await fetch(base + "/data/open-data.zip")
    assert status == 200 and headers["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(BytesIO(data)).namelist()
    assert "decisions.csv" in names and "votes.json" in names and not any("notifications" in n for n in names)
    status, _, _ = await fetch(base + "/data/notifications.json")
    assert status == 404
    status, headers, ics = await fetch(base + "/data/meetings.ics")
    assert status == 200 and b"BEGIN:VCALENDAR" in ics
    status, headers, feed = await fetch(base + "/fr/feed.atom")
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml") and b"<entry>" in feed


async def test_not_found_in_the_readers_language_and_language_choice(base: str) -> None:
    status, _, body = await fetch(base + "/fr/decisions/D999/")
    assert status == 404 and "Page introuvable" in body.decode()
    status, _, body = await fetch(base + "/en/commitments/XX999/")
    assert status == 404 and "Page not found" in body.decode()
    status, _, body = await fetch(base + "/nowhere", **{"Accept-Language": "en-GB,en;q=0.9"})
    assert status == 404 and "Page not found" in body.decode()
    status, headers, _ = await fetch(base + "/", **{"Accept-Language": "de, en;q=0.8, fr;q=0.9"})
    assert status == 302 and headers["Location"] == "/fr/"
    assert best_language("en-US,en;q=0.9,fr;q=0.1", "fr") == "en" and best_language(None, "fr") == "fr"


async def test_security_headers_escaping_and_read_only(site: Site, base: str) -> None:
    before = database_digest(site)
    _, headers, body = await fetch(base + "/en/proposals/P1/")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body.decode() and "<script" not in body.decode()
    async with aiohttp.ClientSession() as client:
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            async with client.request(method, base + "/en/decisions/", data=b"x=1") as response:
                assert response.status == 405
    for path, page in crawl(site).items():
        if path.endswith("/"):
            assert "<script" not in page.decode() and 'style="' not in page.decode(), path
    assert database_digest(site) == before


async def test_static_build_equals_served_site(site: Site, base: str, tmp_path: Path) -> None:
    written = build(site, tmp_path)
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert written >= 30 and (tmp_path / "fr/decisions/D1/index.html").is_file()
    for path in crawl(site):
        if path == "/":
            continue  # the served root redirects by Accept-Language; the static one lets the reader choose
        status, _, body = await fetch(base + path)
        assert status == 200 and body == file_for(tmp_path, path).read_bytes(), path
    assert len(files) >= written


async def test_pagination_and_filters(site: Site, base: str) -> None:
    with Session(site.engine) as session:
        start_at = site.clock.now() - timedelta(days=900)
        for n in range(45):
            session.add(Decision(title=f"Old decision {n}", outcome="adopted", body="plenary",
                                 decided_at=start_at + timedelta(days=n * 10)))
        session.commit()
    _, _, first = await fetch(base + "/en/decisions/")
    assert 'href="/en/decisions/page/2/"' in first.decode()
    status, _, third = await fetch(base + "/en/decisions/page/3/")
    assert status == 200 and "Old decision 0" in third.decode()
    status, _, _ = await fetch(base + "/en/decisions/page/9/")
    assert status == 404
    _, _, found = await fetch(base + "/en/decisions/?q=old+decision+44")
    assert "Old decision 44" in found.decode() and "Old decision 43" not in found.decode()
    _, _, year = await fetch(base + "/fr/decisions/?year=2021&body=plenary")
    assert "Old decision 0" in year.decode() and "Publish the minutes" not in year.decode()


async def test_no_page_leaks_a_secret_ballot_an_id_or_a_private_text(forum: Forum, site: Site) -> None:
    pages = crawl(site)
    with Session(site.engine) as session:
        secret_rows = session.exec(select(SecretChoice)).all()
        salts = [v.salt for v in session.exec(select(Vote)).all() if v.salt]
        private_rooms = {r.id for r in session.exec(select(Room).where(Room.is_private == True)).all()}  # noqa: E712
        private = [m.text for m in session.exec(select(OutboxMessage)).all()
                   if (m.room_id in private_rooms or m.person_id is not None) and len(m.text) > 25]
    forbidden = [*secrets(forum), *(c.id for c in secret_rows), *(c.slot for c in secret_rows if c.slot), *salts,
                 *(line for text_ in private for line in text_.splitlines() if len(line) > 25)]
    assert secret_rows and salts and forbidden
    for path, body in pages.items():
        page = body.decode(errors="replace")
        for secret in forbidden:
            assert secret not in page, (path, secret)
    # The closed secret vote shows its totals only; the open one none; neither says who chose what.
    closed, still_open = pages["/en/votes/V2/"].decode(), pages["/en/votes/V3/"].decode()
    assert re.search(r"<td>2</td><td>1</td><td>0</td>", closed)
    assert "The totals are published when the vote closes." in still_open and "<td>1</td>" not in still_open
    for name in ("carol", "dave", "erin"):
        assert name not in closed.split("<main")[1] and name not in still_open.split("<main")[1]
