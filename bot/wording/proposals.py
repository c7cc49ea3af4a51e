"""How proposals are said: their statuses and answers, and the word to the author at each step."""

from __future__ import annotations

from sqlmodel import Session

from bot.domain.proposals import Answer, ProposalStatus
from bot.i18n import Localizable, T
from bot.notify import Outbox
from bot.storage.tables import Person, Proposal, ProposalEvent

PROPOSAL_STATUS: dict[str, Localizable] = {
    ProposalStatus.OPEN: T("open"), ProposalStatus.EVALUATING: T("being evaluated"),
    ProposalStatus.VOTING: T("being voted on"), ProposalStatus.ACCEPTED: T("accepted"),
    ProposalStatus.REJECTED: T("rejected"), ProposalStatus.ADOPTED: T("adopted"),
    ProposalStatus.WITHDRAWN: T("withdrawn"),
}

ANSWER_LABELS: dict[str, Localizable] = {Answer.ACCEPTED: T("accepted"), Answer.REJECTED: T("rejected"),
                 Answer.EVALUATING: T("being evaluated")}


def tell_author(session: Session, outbox: Outbox, proposal: Proposal, event: ProposalEvent,
                message: Localizable) -> None:
    """Tell the proposal's author about a step of its history (unless they took it themselves)."""
    if event.person_id != proposal.author_id:
        author = session.get(Person, proposal.author_id)
        if author is not None:
            outbox.to_person(author, message, kind="proposal_update", key=f"proposal:{proposal.id}:event:{event.id}")
