"""The register's pages: home, decisions (a page at a time, searchable, by body and year), a decision, its vote,
its proposal. Each reads the same domain queries as the chat commands and the same wording."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.domain.decisions import DecisionFilter, decision_record, decision_years, find_decisions, latest_decisions
from bot.domain.meetings import upcoming
from bot.domain.proposals import history, last_decision, votes_on
from bot.domain.tracking.commitments import all_commitments, progress_of
from bot.domain.visibility import counts_visible, public_names
from bot.domain.votes import VoteKind, VoteStatus
from bot.domain.votes.lookups import electorate_ids, participants
from bot.i18n import TN, Day, Localizable, Percent, Raw, When
from bot.rules.progress import local_today
from bot.storage.tables import Decision, Proposal, Vote, WorkingGroup
from bot.web.site import NotFound, Request, route
from bot.web.words import WORDS
from bot.wording.history import event_text
from bot.wording.meetings import meeting_body_label
from bot.wording.proposals import PROPOSAL_STATUS
from bot.wording.votes import MAJORITY_LABELS, OUTCOME_LABELS, body_label

PAGE_SIZE = 20


def say(request: Request, text: Localizable | None) -> str:
    return text.render(request.lang) if text is not None else ""


def when(request: Request, moment: Any) -> str:
    return say(request, When(moment)) if moment is not None else ""


def day(request: Request, moment: Any) -> str:
    return say(request, Day(moment.astimezone(request.lang.tz).date(), "medium")) if moment is not None else ""


def decision_row(request: Request, d: Decision) -> dict[str, Any]:
    names = public_names(request.session, d.elected or [])
    outcome = say(request, OUTCOME_LABELS.get(d.outcome, Raw(d.outcome)))
    if d.elected:
        outcome += "\u202f: " if request.lang.locale == "fr" else ": "
        outcome += ", ".join(names.get(i, "?") for i in d.elected)
    return {"ref": f"D{d.id}", "url": f"/{request.lang.locale}/decisions/D{d.id}/", "title": d.title,
            "date": day(request, d.decided_at), "iso": d.decided_at.date().isoformat(), "outcome": outcome,
            "outcome_key": d.outcome, "body": say(request, body_label(request.session, d.body, d.group_id))
            if d.body else "", "tally": _tally(d)}


def _tally(d: Decision) -> dict[str, Any] | None:
    if d.electorate is None:
        return None
    return {"yes": d.votes_for, "no": d.votes_against, "abstain": d.abstentions, "cast": d.cast,
            "electorate": d.electorate, "turnout": round(100 * (d.cast or 0) / d.electorate) if d.electorate else 0}


def history_rows(request: Request, events: list[Any], names: dict[int, str]) -> list[dict[str, str]]:
    """A proposal's steps, each with who took it by public name (chat says the same with mentions)."""
    return [{"when": when(request, e.at), "iso": e.at.isoformat(),
             "text": say(request, event_text(e, Raw(names.get(e.person_id, "—") if e.person_id else "—")))}
            for e in events]


@route(r"/")
def home(request: Request) -> tuple[str, dict[str, Any]]:
    session = request.session
    meetings = [meeting_row(request, m) for m in upcoming(session, request.now)[:5]]
    decisions = [decision_row(request, d) for d in latest_decisions(session, 5)]
    today = local_today(request.now, request.config.tz)
    progress = [commitment_row(request, p) for p in progress_of(session, all_commitments(session), today)]
    return "home.html", {"meetings": meetings, "decisions": decisions, "commitments": progress}


def meeting_row(request: Request, m: Any) -> dict[str, Any]:
    return {"ref": f"S{m.id}", "url": f"/{request.lang.locale}/meetings/S{m.id}/",
            "body": say(request, meeting_body_label(request.session, m)), "when": when(request, m.starts_at),
            "iso": m.starts_at.isoformat(), "place": m.place, "status": m.status,
            "status_label": say(request, WORDS.get(m.status))}


def commitment_row(request: Request, p: Any) -> dict[str, Any]:
    from bot.wording.tracking import LEVEL_LABELS

    level = p.figure  # the commitment's progress as /status gives it (docs/progress.md)
    progress = level.progress if level and level.progress is not None else None
    return {"code": p.commitment.code, "title": p.commitment.title, "group": p.group_slug or "",
            "url": f"/{request.lang.locale}/commitments/{p.commitment.code}/",
            "progress": progress, "progress_text": say(request, Percent(progress / 100)) if progress is not None
            else "", "level": say(request, LEVEL_LABELS.get(level.level)) if level and level.level else "",
            "done": p.done, "total": len(p.milestones), "late": len(p.late),
            "late_text": say(request, TN("{n} milestone overdue", "{n} milestones overdue", len(p.late)))}


def _filter(request: Request) -> tuple[DecisionFilter, dict[str, str]]:
    query = request.query
    text = (query.get("q") or "").strip()[:200] or None
    body = (query.get("body") or "").strip() or None
    group_id = None
    if body and body not in ("committee", "plenary"):
        group = request.session.exec(select(WorkingGroup).where(WorkingGroup.slug == body)).first()
        group_id, body = (group.id, "group") if group else (None, None)
    year_text = (query.get("year") or "").strip()
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
    chosen = {"q": text or "", "body": query.get("body", "") if body else "", "year": str(year or "")}
    return DecisionFilter(text=text, body=body, group_id=group_id, year=year), chosen


@route(r"/decisions/(?:page/(?P<number>[1-9][0-9]{0,6})/)?")
def decisions(request: Request, number: str | None = None) -> tuple[str, dict[str, Any]]:
    session, lang = request.session, request.lang
    page_number = int(number or 1)
    wanted, chosen = _filter(request)
    page = find_decisions(session, lang.tz, wanted, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
    if page_number > 1 and not page.items:
        raise NotFound(page_number)
    groups = session.exec(select(WorkingGroup).order_by(col(WorkingGroup.slug))).all()
    bodies = [("committee", say(request, body_label(session, "committee", None))),
              ("plenary", say(request, body_label(session, "plenary", None)))]
    bodies += [(g.slug, say(request, body_label(session, "group", g.id))) for g in groups]
    base = f"/{lang.locale}/decisions/"
    suffix = "?" + "&".join(f"{k}={v}" for k, v in chosen.items() if v) if any(chosen.values()) else ""
    pages = {"previous": (base if page_number == 2 else f"{base}page/{page_number - 1}/") + suffix
             if page_number > 1 else None,
             "next": f"{base}page/{page_number + 1}/{suffix}" if page.has_next else None,
             "number": page_number, "count": (page.total + PAGE_SIZE - 1) // PAGE_SIZE}
    return "decisions.html", {"rows": [decision_row(request, d) for d in page.items], "total": page.total,
                              "bodies": bodies, "years": decision_years(session, lang.tz), "chosen": chosen,
                              "pages": pages}


@route(r"/decisions/D(?P<number>[0-9]{1,9})/")
def decision(request: Request, number: str) -> tuple[str, dict[str, Any]]:
    record = decision_record(request.session, int(number))
    if record is None:
        raise NotFound(number)
    d, lang = record.decision, request.lang.locale
    names = public_names(request.session, [e.person_id for e in record.history if e.person_id])
    return "decision.html", {
        "d": decision_row(request, d), "tie": d.tie,
        "vote": {"ref": f"V{record.vote.id}", "url": f"/{lang}/votes/V{record.vote.id}/", "title": record.vote.title}
        if record.vote else None,
        "proposal": {"ref": f"P{record.proposal.id}", "url": f"/{lang}/proposals/P{record.proposal.id}/",
                     "title": record.proposal.title} if record.proposal else None,
        "history": history_rows(request, record.history, names)}


@route(r"/votes/V(?P<number>[0-9]{1,9})/")
def vote(request: Request, number: str) -> tuple[str, dict[str, Any]]:
    session, lang = request.session, request.lang.locale
    found = session.get(Vote, int(number))
    if found is None:
        raise NotFound(number)
    assert found.id is not None
    electorate, cast = len(electorate_ids(session, found.id)), len(participants(session, found.id))
    closed = found.status != VoteStatus.OPEN
    result = found.result or {}
    counts = None
    if found.kind == VoteKind.MOTION and closed and counts_visible(found):
        counts = {"yes": result.get("yes", 0), "no": result.get("no", 0), "abstain": result.get("abstain", 0)}
    candidates = public_names(session, found.candidates or [])
    approvals = result.get("counts", {}) if closed else {}
    decision_row_ = session.exec(select(Decision).where(Decision.vote_id == found.id)).first()
    return "vote.html", {
        "v": found, "ref": f"V{found.id}", "body": say(request, body_label(session, found.body, found.group_id)),
        "opens": when(request, found.opens_at), "closes": when(request, found.closes_at),
        "closed_at": when(request, found.closed_at) if closed else "", "closed": closed,
        "majority": say(request, MAJORITY_LABELS.get(found.majority)) if found.kind == VoteKind.MOTION else "",
        "quorum": say(request, Percent(float(_fraction(found.quorum)))) if found.quorum else "",
        "electorate": electorate, "cast": cast, "counts": counts,
        "candidates": [{"name": candidates.get(c, "?"), "approvals": approvals.get(str(c), approvals.get(c))}
                       for c in found.candidates or []],
        "outcome": say(request, OUTCOME_LABELS.get(result.get("outcome", ""))) if result.get("outcome") else "",
        "proposal": {"ref": f"P{found.proposal_id}", "url": f"/{lang}/proposals/P{found.proposal_id}/"}
        if found.proposal_id else None,
        "decision": decision_row(request, decision_row_) if decision_row_ else None}


def _fraction(text: str) -> float:
    from fractions import Fraction

    return float(Fraction(text))


@route(r"/proposals/P(?P<number>[0-9]{1,9})/")
def proposal(request: Request, number: str) -> tuple[str, dict[str, Any]]:
    session, lang = request.session, request.lang.locale
    found = session.get(Proposal, int(number))
    if found is None:
        raise NotFound(number)
    events = history(session, found.id or 0)
    names = public_names(session, [found.author_id, *(e.person_id for e in events if e.person_id)])
    group = session.get(WorkingGroup, found.group_id) if found.group_id else None
    decided = last_decision(session, found.id or 0)
    return "proposal.html", {
        "p": found, "ref": f"P{found.id}", "author": names.get(found.author_id, "?"),
        "submitted": when(request, found.created_at), "group": group.slug if group else "",
        "status": say(request, PROPOSAL_STATUS.get(found.status, Raw(found.status))),
        "answer": say(request, PROPOSAL_STATUS.get(found.answer, Raw(found.answer))) if found.answer else "",
        "answered": when(request, found.answered_at),
        "votes": [{"ref": f"V{v.id}", "url": f"/{lang}/votes/V{v.id}/", "title": v.title,
                   "body": say(request, body_label(session, v.body, v.group_id))}
                  for v in votes_on(session, found.id or 0)],
        "decision": decision_row(request, decided) if decided else None,
        "history": history_rows(request, events, names)}


@route(r"/proposals/")
def proposals(request: Request) -> tuple[str, dict[str, Any]]:
    from bot.domain.proposals import list_proposals

    session, lang = request.session, request.lang.locale
    rows = list_proposals(session, only_open=False)
    names = public_names(session, [p.author_id for p in rows])
    return "proposals.html", {"rows": [
        {"ref": f"P{p.id}", "url": f"/{lang}/proposals/P{p.id}/", "title": p.title,
         "author": names.get(p.author_id, "?"),
         "status": say(request, PROPOSAL_STATUS.get(p.status, Raw(p.status))), "date": day(request, p.created_at),
         "iso": p.created_at.date().isoformat()} for p in reversed(rows)]}
