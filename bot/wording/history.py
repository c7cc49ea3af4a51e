"""A proposal's history as people read it: one step, with who took it (a chat mention or, on the web, a name)."""

from __future__ import annotations

from bot.i18n import Localizable, Raw, T
from bot.storage.tables import ProposalEvent
from bot.wording.proposals import ANSWER_LABELS
from bot.wording.votes import OUTCOME_LABELS, did, vid


def event_text(event: ProposalEvent, actor: Localizable) -> Localizable:
    if event.action == "submitted":
        return T("submitted by {who}", who=actor)
    if event.action == "answer":
        return T("answer by {who}: {answer} — {reason}", who=actor, answer=ANSWER_LABELS.get(event.answer or "",
                 Raw(event.answer or "")), reason=Raw(event.text or ""))
    if event.action == "vote_opened":
        return T("put to the vote {ref} by {who}", ref=vid(event.vote_id), who=actor)
    if event.action == "decided":
        outcome = OUTCOME_LABELS.get(event.answer or "", Raw(event.answer or ""))
        return T("vote {ref} closed: {outcome} ({decision})", ref=vid(event.vote_id), outcome=outcome,
                 decision=did(event.decision_id))
    if event.action == "withdrawn":
        return T("withdrawn by {who}", who=actor)
    return Raw(event.action)
