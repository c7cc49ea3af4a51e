"""Commitments (milestones on a timeline, IRM level, progress bar and chart, updates with evidence), meetings
(upcoming and past, agenda, minutes, attendance), members and compliance."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.domain.meetings import past, upcoming
from bot.domain.meetings.agenda import agenda_items
from bot.domain.meetings.minutes import Tag, minutes_of_meeting
from bot.domain.people import current_mandates, group_slug
from bot.domain.tracking.commitments import all_commitments, find_commitment, progress_of
from bot.domain.visibility import public_names
from bot.exports import exporters
from bot.i18n import Day
from bot.rules.progress import is_late, local_today
from bot.storage.tables import Meeting, Milestone, StatusUpdate
from bot.web.pages import PAGE_SIZE, commitment_row, day, meeting_row, say, when
from bot.web.site import NotFound, Request, route
from bot.wording.meetings import meeting_body_label
from bot.wording.tracking import LEVEL_LABELS, due_text, progress_text

UPDATES_SHOWN = 10
ROLE_ORDER = ("cochair", "committee", "secretariat", "member", "observer", "admin")


def link(text: str | None) -> str | None:
    """Evidence is a link only when it is a web address (never javascript: or the like)."""
    text = (text or "").strip()
    return text if text.startswith(("https://", "http://")) and " " not in text else None


@route(r"/commitments/")
def commitments(request: Request) -> tuple[str, dict[str, Any]]:
    today = local_today(request.now, request.config.tz)
    rows = progress_of(request.session, all_commitments(request.session), today)
    return "commitments.html", {"rows": [commitment_row(request, p) for p in rows]}


def _milestone(request: Request, m: Milestone, today: Any) -> dict[str, Any]:
    late = is_late(m.due, m.done_at is not None, today)
    return {"ref": f"M{m.id}", "title": m.title, "due": say(request, due_text(m)), "iso": m.due.isoformat(),
            "done": m.done_at is not None, "done_at": day(request, m.done_at), "late": late,
            "evidence": link(m.evidence), "evidence_text": m.evidence or ""}


def _chart(points: list[tuple[str, int]]) -> dict[str, Any] | None:
    """An SVG line of progress (0-100 %) over the updates, oldest first; the table beside it says the same."""
    if not points:
        return None
    width, height, step = 300, 100, 300 / max(1, len(points) - 1)
    coords = [(round(i * step, 1), height - value) for i, (_, value) in enumerate(points)]
    return {"width": width, "height": height, "points": " ".join(f"{x},{y}" for x, y in coords), "dots": coords}


@route(r"/commitments/(?P<code>[A-Z]{2,5}-?[0-9]{1,6}[A-Z]?)/")
def commitment(request: Request, code: str) -> tuple[str, dict[str, Any]]:
    session = request.session
    found = find_commitment(session, code)
    if found is None or found.id is None:
        raise NotFound(code)
    today = local_today(request.now, request.config.tz)
    progress = progress_of(session, [found], today)[0]
    updates = list(session.exec(select(StatusUpdate).where(StatusUpdate.commitment_id == found.id)
                                .order_by(col(StatusUpdate.created_at).desc(), col(StatusUpdate.id).desc())
                                .limit(UPDATES_SHOWN)).all())
    names = public_names(session, [u.person_id for u in updates])
    charted = [(day(request, u.created_at), u.progress) for u in reversed(updates) if u.progress is not None]
    return "commitment.html", {
        "c": commitment_row(request, progress), "milestones": [_milestone(request, m, today) for m in
                                                               progress.milestones],
        "updates": [{"when": day(request, u.created_at), "iso": u.created_at.isoformat(),
                     "who": names.get(u.person_id, "?"), "summary": say(request, progress_text(u.progress, u.level)),
                     "milestone": f"M{u.milestone_id}" if u.milestone_id else "", "text": u.text,
                     "evidence": link(u.evidence), "evidence_text": u.evidence or ""} for u in updates],
        "chart": _chart(charted), "chart_rows": charted, "levels": LEVEL_LABELS}


@route(r"/meetings/(?:page/(?P<number>[1-9][0-9]{0,6})/)?")
def meetings(request: Request, number: str | None = None) -> tuple[str, dict[str, Any]]:
    page_number = int(number or 1)
    earlier, total = past(request.session, request.now, PAGE_SIZE, (page_number - 1) * PAGE_SIZE)
    if page_number > 1 and not earlier:
        raise NotFound(number)
    base = f"/{request.lang.locale}/meetings/"
    pages = {"previous": (base if page_number == 2 else f"{base}page/{page_number - 1}/") if page_number > 1 else None,
             "next": f"{base}page/{page_number + 1}/" if page_number * PAGE_SIZE < total else None,
             "number": page_number, "count": (total + PAGE_SIZE - 1) // PAGE_SIZE}
    coming = [meeting_row(request, m) for m in upcoming(request.session, request.now)] if page_number == 1 else []
    return "meetings.html", {"upcoming": coming, "past": [meeting_row(request, m) for m in earlier], "pages": pages}


def _minutes(request: Request, meeting: Meeting) -> list[dict[str, Any]]:
    found = []
    for minutes in minutes_of_meeting(request.session, meeting.id or 0):
        owners = [a.owner_id for a in minutes.actions if a.owner_id is not None]
        names = public_names(request.session, [*minutes.present, *owners])
        found.append({
            "present": [names.get(p, "?") for p in minutes.present],
            "topics": [e.text for e in minutes.tagged(Tag.TOPIC)], "info": [e.text for e in minutes.tagged(Tag.INFO)],
            "agreed": [e.text for e in minutes.tagged(Tag.AGREED)],
            "actions": [{"who": names.get(a.owner_id, "?") if a.owner_id is not None else "—", "text": a.text,
                         "done": a.done,
                         "due": say(request, Day(a.due)) if a.due else ""} for a in minutes.actions]})
    return found


@route(r"/meetings/S(?P<number>[0-9]{1,9})/")
def meeting(request: Request, number: str) -> tuple[str, dict[str, Any]]:
    found = request.session.get(Meeting, int(number))
    if found is None or found.id is None:
        raise NotFound(number)
    lang = request.lang.locale
    items = [{"text": i.text, "proposal": f"/{lang}/proposals/P{i.proposal_id}/" if i.proposal_id else None}
             for i in agenda_items(request.session, found.id)]
    return "meeting.html", {"m": meeting_row(request, found), "meeting": found, "agenda": items,
                            "approved": day(request, found.agenda_approved_at), "minutes": _minutes(request, found),
                            "title": say(request, meeting_body_label(request.session, found))}


@route(r"/members/")
def members(request: Request) -> tuple[str, dict[str, Any]]:
    from bot.wording.people import role_label

    sections: dict[tuple[int, str], dict[str, Any]] = {}
    for role, person in current_mandates(request.session, request.now):
        slug = group_slug(request.session, role.group_id) or ""
        key = (ROLE_ORDER.index(role.role) if role.role in ROLE_ORDER else 99, slug)
        label = say(request, role_label(role.role))
        section = sections.setdefault(key, {"title": f"{label} — {slug}" if slug else label, "rows": []})
        section["rows"].append({"name": person.display_name, "since": day(request, role.since),
                                "until": day(request, role.until)})
    return "members.html", {"sections": [sections[k] for k in sorted(sections)]}


@route(r"/compliance/")
def compliance(request: Request) -> tuple[str, dict[str, Any]]:
    """The OGP requirements table, from the `compliance` export once that feature registers it."""
    chosen = exporters.get("compliance")
    rows = chosen.rows(request.session, request.config, request.now) if chosen else []
    return "compliance.html", {"rows": rows, "tracked": chosen is not None,
                               "as_of": when(request, request.now)}
