"""The open register's proposals and commitments exports (issue 15): what /proposal and /status show, as rows."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.config import Config
from bot.domain.tracking.commitments import all_commitments, progress_of
from bot.exports import Row, exporter
from bot.handlers.decisions import person_name
from bot.storage.tables import Decision, Proposal, ProposalEvent, Vote, WorkingGroup


def _history(session: Session, proposal_id: int) -> list[dict[str, str | None]]:
    events = session.exec(select(ProposalEvent).where(ProposalEvent.proposal_id == proposal_id)
                          .order_by(col(ProposalEvent.at), col(ProposalEvent.id))).all()
    return [{"at": e.at.isoformat(), "action": e.action, "by": person_name(session, e.person_id),
             "answer": e.answer, "text": e.text} for e in events]


def _latest_id(session: Session, table: type[Vote] | type[Decision], proposal_id: int) -> int | None:
    return session.exec(select(table.id).where(table.proposal_id == proposal_id)
                        .order_by(col(table.id).desc())).first()


@exporter("proposals", ("id", "title", "author", "group", "status", "answer", "reason", "answered_at",
                        "created_at", "vote", "decision", "history"))
def export_proposals(session: Session, config: Config, now: datetime) -> list[Row]:
    rows: list[Row] = []
    for p in session.exec(select(Proposal).order_by(col(Proposal.id))).all():
        assert p.id is not None
        group = session.get(WorkingGroup, p.group_id) if p.group_id else None
        vote, decision = _latest_id(session, Vote, p.id), _latest_id(session, Decision, p.id)
        rows.append({
            "id": f"P{p.id}", "title": p.title, "author": person_name(session, p.author_id),
            "group": group.slug if group else None, "status": p.status, "answer": p.answer,
            "reason": p.answer_reason, "answered_at": p.answered_at, "created_at": p.created_at,
            "vote": f"V{vote}" if vote else None, "decision": f"D{decision}" if decision else None,
            "history": _history(session, p.id),
        })
    return rows


@exporter("commitments", ("code", "title", "group", "progress", "level", "derived_from_milestones",
                          "milestones_done", "milestones_total", "milestones_late", "last_update",
                          "last_update_at"))
def export_commitments(session: Session, config: Config, now: datetime) -> list[Row]:
    today = now.astimezone(config.tz).date()
    rows: list[Row] = []
    for p in progress_of(session, all_commitments(session), today, with_last_update=True):
        figure = p.figure
        rows.append({
            "code": p.commitment.code, "title": p.commitment.title, "group": p.group_slug,
            "progress": figure.progress if figure else None, "level": figure.level if figure else None,
            "derived_from_milestones": figure.derived if figure else False,
            "milestones_done": p.done, "milestones_total": len(p.milestones), "milestones_late": len(p.late),
            "last_update": p.last_update.id if p.last_update else None,  # the updates export's id
            "last_update_at": p.last_update.created_at if p.last_update else None,
        })
    return rows
