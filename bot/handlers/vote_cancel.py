"""/vote cancel V3 <reason>: a vote or an election cancelled by the co-chairs, recorded and announced."""

from __future__ import annotations

from bot.context import Context
from bot.domain.votes.cancelling import cancel_vote
from bot.domain.votes.lookups import body_rooms
from bot.errors import UserError
from bot.handlers.vote_options import VOTE, get_vote
from bot.i18n import Raw, T
from bot.parsing import Param, Text
from bot.registry import CHAIRS, command
from bot.wording.proposals import tell_author
from bot.wording.votes import did, pid, post_cancelled, vid


@command("vote cancel", "voter annuler", help=T("cancel a vote or an election, with the reason (nothing is counted)"),
         roles=CHAIRS,
         usage=T("/vote cancel V3 <reason> — e.g. /vote cancel V3 the proposal was put to the wrong body"),
         params=[Param("number", VOTE),
                 Param("reason", Text().with_expected(T("the reason for cancelling (it is required)")))])
async def vote_cancel(ctx: Context, number: int, reason: str) -> None:
    vote = get_vote(ctx.session, number)
    cancelled = cancel_vote(ctx.uow, vote, reason, ctx.person_id)
    if cancelled is None:
        raise UserError(T("Vote {ref} is already closed or cancelled; only an open vote can be cancelled.",
                          ref=vid(number)))
    post_cancelled(ctx.session, ctx.outbox, cancelled.vote, cancelled.decision, ctx.person_id)
    if cancelled.proposal is not None and cancelled.event is not None:
        tell_author(ctx.session, ctx.outbox, cancelled.proposal, cancelled.event,
                    T("The vote {ref} on your proposal {proposal} is cancelled: {reason}. The proposal is open "
                      "again.", ref=vid(number), proposal=pid(cancelled.proposal.id), reason=Raw(reason)))
    if ctx.room not in body_rooms(ctx.outbox, vote):
        ctx.reply(T("Vote {ref} is cancelled and recorded as {decision}.", ref=vid(number),
                    decision=did(cancelled.decision.id)))
