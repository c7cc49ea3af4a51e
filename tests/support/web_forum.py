"""A scripted forum for the web site's tests: a committee, an open vote, a secret vote (closed) and a secret vote
still open, an election, a commitment with milestones and updates, a meeting with minutes, a private application.

`SECRETS` are strings that must never appear on any page: what was written in private, and platform ids and
handles (set on the accounts after the script, as a real network would have them)."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.app import Forum
from bot.storage.tables import Account
from tests.support.forum_setup import commitment_with_milestones, committee, lines, propose, start
from tests.transcript import play

PRIVATE_TEXT = "my private motivation zq7"
SCRIPT = start() + committee() + commitment_with_milestones([("2024-01-10", "Appel à candidatures"),
                                                           ("H2 2024", "Deuxième plénière")]) + lines(
    "[dialogue] alice: /role @carol member dialogue",
    "[dialogue] carol: /update M1 20% limited draft written https://example.org/draft",
    "[dialogue] carol: /update M2 40% limited plenary being prepared",
    "[dialogue] carol: /update M1 40% limited javascript:alert(1)",
    f"[dm] kim: /apply {PRIVATE_TEXT}",
) + propose("Publish the minutes within two weeks <script>alert(1)</script>") + lines(
    "[committee] bob: /vote open P1 closes=3d",
    "[committee] carol: /vote V1 yes",
    "[committee] dave: /vote V1 no",
) + propose("Open the budget data", by="dave") + lines(
    "[committee] bob: /vote open P2 closes=2d secret",
    "[dm] carol: /vote V2 yes",
    "[dm] dave: /vote V2 no",
    "[dm] erin: /vote V2 yes",
) + propose("Adopt the rules of procedure", by="erin") + lines(
    "[committee] bob: /answer P3 evaluating the secretariat checks the rules",
    "[committee] bob: /vote open P3 closes=10d secret",
    "[dm] carol: /vote V3 no",
    "[committee] bob: /meeting plan committee 2024-01-20 10:00 CESE, salle 2",
    "@advance 5d",
    "@advance 1h",  # the meeting's start: minutes are taken during the meeting
    "[committee] bob: /minutes start S1",
    "[committee] carol: #here",
    "[committee] bob: #topic Budget data",
    "[committee] bob: #agreed Publish the data in open formats",
    "[committee] bob: #action @carol draft the letter due=2024-02-15",
    "[committee] bob: /minutes end",
    "[committee] bob: /meeting plan committee 2024-03-01 10:00 CESE",
)


async def scripted_forum(forum: Forum) -> str:
    """Play the script; give every account a platform id and handle unlike its name; return the transcript."""
    out = await play(forum, SCRIPT)
    with Session(forum.engine) as session:
        for account in session.exec(select(Account)).all():
            account.platform_user_id = f"uid-{account.id}-8c41f"
            account.handle = f"handle{account.id}x9"
            session.add(account)
        session.commit()
    return out


def secrets(forum: Forum) -> list[str]:
    with Session(forum.engine) as session:
        accounts = session.exec(select(Account)).all()
    return [PRIVATE_TEXT, *(a.platform_user_id or "" for a in accounts), *(a.handle or "" for a in accounts)]
