"""The register of decisions: /decisions [text], and the `decisions` export."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.config import Config
from bot.context import Context
from bot.domain.decisions import DecisionFilter, find_decisions
from bot.domain.votes import Outcome
from bot.exports import Row, exporter
from bot.i18n import Day, Lines, Localizable, Percent, Raw, T
from bot.parsing import Param, Text
from bot.registry import command
from bot.storage.tables import Decision, Person, WorkingGroup
from bot.wording.people import who
from bot.wording.vote_colleges import decision_colleges
from bot.wording.votes import OUTCOME_LABELS, body_label, names

LIMIT = 20


def _tally(decision: Decision) -> Localizable | None:
    if decision.outcome == Outcome.WITHDRAWN or decision.electorate is None:
        return None
    turnout = Percent((decision.cast or 0) / decision.electorate if decision.electorate else 0.0)
    if decision.votes_for is None:
        return T("turnout {share}", share=turnout)
    return T("yes {yes} · no {no} · abstentions {abstain}; turnout {share}", yes=decision.votes_for,
             no=decision.votes_against or 0, abstain=decision.abstentions or 0, share=turnout)


def person_name(session: Session, person_id: int | None) -> str | None:
    """How an export names a person (their display name)."""
    person = session.get(Person, person_id) if person_id else None
    return person.display_name if person else None


def decision_line(session: Session, decision: Decision, tz: ZoneInfo) -> Lines:
    outcome: Localizable = OUTCOME_LABELS.get(decision.outcome, Raw(decision.outcome))
    if decision.outcome == Outcome.ELECTED and decision.elected:
        outcome = T("elected: {names}", names=names(session, decision.elected))
    if decision.tie and decision.settled_by is not None:
        outcome = Lines([outcome, Raw(" ("), T("tie settled by {who}", who=who(session, decision.settled_by)),
                         Raw(")")], sep="")
    elif decision.tie:
        outcome = Lines([outcome, Raw(" ("), T("tie"), Raw(")")], sep="")
    tally = _tally(decision)
    return Lines([
        Raw(f"• D{decision.id} "), Day(decision.decided_at.astimezone(tz).date(), "medium"), Raw(" — "),
        Raw(decision.title),
        Raw(" — "), outcome,
        Lines([Raw(" — "), body_label(session, decision.body, decision.group_id)], sep="") if decision.body else None,
        Lines([Raw(" ("), tally, Raw(")")], sep="") if tally else None,
        Lines([Raw(" — "), T("reason: {reason}", reason=Raw(decision.reason))], sep="") if decision.reason else None,
    ], sep="")


@command("decisions", "decisions", help=T("the register of decisions"), usage=T("/decisions [text]"),
         params=[Param("query", Text(), optional=True)])
async def decisions(ctx: Context, query: str | None) -> None:
    page = find_decisions(ctx.session, ctx.config.tz, DecisionFilter(text=query), limit=LIMIT)
    if not page.items:
        ctx.reply(T("No decision matches “{query}”.", query=Raw(query)) if query else
                  T("The register is empty: no decision yet."))
        return
    ctx.reply(Lines([T("Register of decisions (newest first):"),
                     *(decision_line(ctx.session, d, ctx.lang.tz) for d in page.items),
                     T("… and {n} more: /export decisions gives them all.", n=page.total - LIMIT)
                     if page.has_next else None]))


@exporter("decisions", ("id", "title", "outcome", "decided_at", "body", "group", "votes_for", "votes_against",
                        "abstentions", "turnout", "cast", "electorate", "tie", "settled_by", "settled_at",
                        "reason", "proposal", "vote", "elected", "by_college", "proxies", "objections"))
def export_decisions(session: Session, config: Config, now: datetime) -> list[Row]:
    rows: list[Row] = []
    for d in session.exec(select(Decision).order_by(col(Decision.id))).all():
        group = session.get(WorkingGroup, d.group_id) if d.group_id else None
        elected = [p.display_name for i in d.elected or [] if (p := session.get(Person, i))]
        rows.append({
            "id": f"D{d.id}", "title": d.title, "outcome": d.outcome, "decided_at": d.decided_at, "body": d.body,
            "group": group.slug if group else None, "votes_for": d.votes_for, "votes_against": d.votes_against,
            "abstentions": d.abstentions,
            "turnout": round(d.cast / d.electorate, 4) if d.electorate and d.cast is not None else None,
            "cast": d.cast, "electorate": d.electorate, "tie": d.tie, "settled_by": person_name(session, d.settled_by),
            "settled_at": d.settled_at, "reason": d.reason,
            "proposal": f"P{d.proposal_id}" if d.proposal_id else None, "vote": f"V{d.vote_id}" if d.vote_id else None,
            "elected": elected or None, **decision_colleges(session, d.id),
        })
    return rows
