"""Nobody can leave the forum without someone able to manage roles (issue 15)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.app import Forum
from bot.domain.people import ROLE_MANAGERS, NoRoleManagerLeft, check_revocable, grant
from bot.registry import STAFF
from bot.storage.tables import Person, Role
from tests.support import FORUM_EPOCH
from tests.support.forum_setup import lines, room, start
from tests.transcript import play

SETUP = start() + room("plenary", "plenary", english=True) + lines("[dm] alice: /lang en")


def admins(forum: Forum) -> set[int]:
    with Session(forum.engine) as session:
        rows = session.exec(select(Role).where(Role.role == "admin")).all()
        return {r.person_id for r in rows if r.until is None}


async def test_the_last_admin_cannot_end_their_own_admin_role(forum: Forum) -> None:
    out = await play(forum, SETUP + lines("[plenary] alice: /role @alice admin end"))
    assert "You are the last admin: ending your admin role would leave nobody able to give it." in out
    assert len(admins(forum)) == 1
    # With a second admin, she may.
    out = await play(forum, lines("[plenary] alice: /role @bob admin", "[plenary] alice: /role @alice admin end"),
                     prefix="b")
    assert "is no longer admin" in out
    assert len(admins(forum)) == 1


async def test_the_last_admin_in_french(forum: Forum) -> None:
    out = await play(forum, start() + room("pleniere", "plenary") + lines("[pleniere] alice: /role @alice admin fin"))
    assert "Vous êtes la dernière personne ayant le rôle admin\u202f: si vous le quittez" in out
    assert len(admins(forum)) == 1


def test_nobody_left_to_manage_roles_is_refused(forum: Forum) -> None:
    """A forum with no admin (none configured) and one co-chair: ending the co-chair's role is refused."""
    with Session(forum.engine) as session:
        bob = Person(display_name="bob", created_at=FORUM_EPOCH)
        session.add(bob)
        session.flush()
        grant(session, bob, "cochair", None, FORUM_EPOCH, None, None)
        grant(session, bob, "member", None, FORUM_EPOCH, None, None)
        with pytest.raises(NoRoleManagerLeft):
            check_revocable(session, bob, "cochair", None, FORUM_EPOCH)
        check_revocable(session, bob, "member", None, FORUM_EPOCH)  # a role that manages nothing: free to end


def test_role_managers_are_those_who_may_run_role() -> None:
    assert set(ROLE_MANAGERS) == set(STAFF)
