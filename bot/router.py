"""The router: dedupe, identify the sender, parse, check permission, dispatch, and turn errors into answers."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.clock import Clock
from bot.config import Config
from bot.context import Context
from bot.domain.people import identify, roles_of
from bot.domain.rooms import room_for
from bot.errors import ArgError, PermissionDenied, UserError
from bot.i18n import TN, Lines, Localizable, Raw, T, either, normalize_language
from bot.messages import Handled, Incoming
from bot.notify import Outbox
from bot.parsing import MAX_COMMAND_LENGTH, bind, clean_text, syntax, today_is, tokenize
from bot.registry import Command, CommandName, Registry, TextHook, descend, is_allowed, text_hooks, usage_of
from bot.storage.db import unit_of_work
from bot.storage.prebuilt import dialect_of, insert_or_skip, run
from bot.storage.tables import OutboxMessage, ProcessedEvent

log = logging.getLogger("forumbot.router")

COMMAND_PREFIXES = ("/", "!")


def split_command(text: str) -> tuple[str, str] | None:
    """`/vote@forum_bot V3 yes` → ("vote", "V3 yes"); None when the text is not a command."""
    if not text.startswith(COMMAND_PREFIXES) or len(text) < 2 or not text[1].isalpha():
        return None
    head, *more = re.split(r"\s", text[1:], maxsplit=1)
    rest = more[0] if more else ""
    return syntax(head).split("@", 1)[0], rest.strip()


class Router:
    """Turns each Incoming into at most one transaction of changes plus the messages they cause."""

    def __init__(self, engine: Engine, config: Config, clock: Clock, registry: Registry) -> None:
        self.engine, self.config, self.clock, self.registry = engine, config, clock, registry

    def _context(self, session: Session, msg: Incoming) -> Context:
        now = self.clock.now()
        person, account = identify(session, self.config, now, msg.network, msg.user_id, msg.handle,
                                   msg.display_name, normalize_language(msg.locale_hint))
        room = room_for(session, now, msg.network, msg.room_id, msg.room_title, msg.is_private, person)
        ctx = Context(session=session, config=self.config, clock=self.clock, person=person, account=account,
                      room=room, event_id=msg.event_id, now=now, outbox=Outbox(session, self.config, now),
                      message_id=msg.message_id)
        ctx.roles = roles_of(session, person, now)
        return ctx

    @staticmethod
    def _seen(session: Session, msg: Incoming) -> bool:
        return session.get(ProcessedEvent, (msg.network, msg.event_id)) is not None

    def _claim(self, session: Session, msg: Incoming) -> bool:
        """Record the event as processed, first thing in the transaction; False when it already was.

        Claiming first (rather than recording it at the end) makes a second process that receives the same event
        wait on the row until the first commits, then do nothing: it never runs the command at the same time,
        so it never uses up object numbers (P7, V3 …: PostgreSQL sequences are not rolled back) for nothing.
        Rolled back with the rest when the handler fails, so the failure is answered and recorded afresh.
        """
        statement = insert_or_skip(ProcessedEvent, dialect_of(session), ("network", "event_id"), "event_id")
        claimed = run(session, statement, {"network": msg.network, "event_id": msg.event_id,
                                           "at": self.clock.now()}).first()
        return claimed is not None  # (RETURNING, not rowcount, says whether the row was inserted)

    @staticmethod
    def _answered_inline(session: Session, msg: Incoming, ctx: Context) -> None:
        """Replies the transport shows itself (see `Incoming.answered_inline_up_to`) are marked delivered, in this
        transaction: no outbox pass, in this process or another, can post them to the room meanwhile."""
        limit = msg.answered_inline_up_to
        if limit is None or ctx.room.is_private:
            return
        replies = Router._queued_replies(msg, ctx)
        if not replies or len("\n".join(replies.values())) > limit:
            return
        in_room = [key for key in replies if key.endswith(f"@r{ctx.room.id}")]
        session.execute(update(OutboxMessage).where(col(OutboxMessage.key).in_(in_room))
                        .values(sent_at=ctx.now, attempts=1, platform_message_id="inline-answer"))

    @staticmethod
    def _queued_replies(msg: Incoming, ctx: Context) -> dict[str, str]:
        """Key → text of the replies this transaction queued for this message, as rendered (remembered by the
        outbox: reading them back cost a query per message)."""
        prefix = f"reply:{msg.network}:{msg.event_id}:"
        return {key: text for key, text in ctx.outbox.queued.items() if key.startswith(prefix)}

    @staticmethod
    def _replies(msg: Incoming, ctx: Context) -> list[str]:
        return list(Router._queued_replies(msg, ctx).values())

    async def handle(self, msg: Incoming) -> Handled:
        """Handle one message; never raises, whatever it contains."""
        started = time.perf_counter()
        result = Handled()
        try:
            result = await self._handle(msg)
        except Exception:
            log.exception("internal error on %s event %s", msg.network, msg.event_id)
            result = self._answer_failure(msg, T("Sorry, something went wrong on my side. "
                                                 "Nothing was changed; please try again later."), "error")
        log.info("event", extra={"network": msg.network, "event": msg.event_id, "command": result.command,
                                 "room": msg.room_id, "person": result.person_id, "outcome": result.outcome,
                                 "ms": round((time.perf_counter() - started) * 1000, 1)})
        return result

    async def _handle(self, msg: Incoming) -> Handled:
        text = clean_text(msg.text)
        parts = split_command(text)
        if parts is None:
            hooks = [hook for hook in text_hooks if hook.claims(text)]
            if not hooks:
                return Handled(outcome="ignored")
            return await self._run(msg, None, lambda ctx: self._hooks(ctx, hooks, text))
        name, args = parts
        command = self.registry.find(name)
        if command is None:
            return self._answer_failure(msg, self._unknown(name), "unknown", record=True)
        if len(text) > MAX_COMMAND_LENGTH:
            return self._answer_failure(msg, TN("Your message is too long ({n} character); the limit is {limit}.",
                                                "Your message is too long ({n} characters); the limit is {limit}.",
                                                len(text), limit=MAX_COMMAND_LENGTH),
                                        "too_long", record=True)
        return await self._run(msg, command, lambda ctx: self._dispatch(ctx, command, args))

    async def _hooks(self, ctx: Context, hooks: list[TextHook], text: str) -> str:
        for hook in hooks:
            if await hook.handle(ctx, text):
                return "hook"
        return "ignored"

    async def _run(self, msg: Incoming, command: Command | None,
                   work: Callable[[Context], Awaitable[str]], retry: bool = True) -> Handled:
        try:
            with unit_of_work(self.engine) as session:
                if not self._claim(session, msg):
                    return Handled(duplicate=True, outcome="duplicate")
                ctx = self._context(session, msg)
                outcome = await work(ctx)
                if outcome == "ignored" and ctx._replies == 0:
                    session.rollback()
                    return Handled(outcome="ignored")
                session.flush()
                self._answered_inline(session, msg, ctx)
                return Handled(command=command.path if command else None, outcome=outcome,
                               replies=self._replies(msg, ctx), person_id=ctx.person.id)
        except ArgError as exc:
            assert command is not None
            return self._answer_failure(msg, self._with_usage(exc, command), "bad_arguments", record=True)
        except PermissionDenied as exc:
            return self._answer_failure(msg, exc.message, "denied", record=True)
        except UserError as exc:
            return self._answer_failure(msg, exc.message, "refused", record=True)
        except IntegrityError:
            with Session(self.engine) as session:
                if self._seen(session, msg):
                    return Handled(duplicate=True, outcome="duplicate")
            if not retry:
                raise
        # Another process created the same sender, room or mention at the same time (find-or-create is not
        # atomic across processes): once it has committed, a second attempt finds those rows.
        return await self._run(msg, command, work, retry=False)

    def _with_usage(self, exc: ArgError, command: Command) -> Lines:
        usage = getattr(exc, "command", None) or command
        text = usage_of(usage)
        return Lines([exc.message, T("Usage: {usage}", usage=text) if text else None])

    async def _dispatch(self, ctx: Context, command: Command, args: str) -> str:
        node, consumed_end, subject = descend(command, tokenize(args))
        raw = args[consumed_end:] if consumed_end else args
        tokens = tokenize(raw)
        if not is_allowed(node, ctx.roles):
            raise PermissionDenied(node.denied or T("Only {roles} may use {command}.", roles=_roles_text(node),
                                                    command=CommandName(node)))
        if node.handler is None:
            raise _arg_error(T("Which one? {choices}", choices=Lines(
                [CommandName(sub) for sub in node.sub_order], sep=" · ")), node)
        try:
            with today_is(ctx.now.astimezone(ctx.config.tz).date()):
                values = bind(raw, tokens, node.params, node.options)
        except ArgError as exc:
            raise _arg_error(exc.message, node) from exc
        await node.handler(ctx, **subject, **values)
        return "ok"

    def _unknown(self, name: str) -> Lines:
        guesses = self.registry.suggest(name)
        return Lines([
            T("I do not know the command /{name}.", name=Raw(name[:40])),
            T("Did you mean {guesses}?", guesses=either([CommandName(g) for g in guesses])) if guesses else None,
            T("Send /help to see what I can do."),
        ])

    def _answer_failure(self, msg: Incoming, message: Localizable, outcome: str, record: bool = True) -> Handled:
        """Answer in a fresh transaction, after whatever the failed attempt did was rolled back."""
        with unit_of_work(self.engine) as session:
            if (self._claim(session, msg) if record else not self._seen(session, msg)) is False:
                return Handled(duplicate=True, outcome="duplicate")
            ctx = self._context(session, msg)
            ctx.reply(message)
            session.flush()
            self._answered_inline(session, msg, ctx)
            return Handled(outcome=outcome, replies=self._replies(msg, ctx), person_id=ctx.person.id)


def _arg_error(message: Localizable, node: Command) -> ArgError:
    error = ArgError(message)
    error.command = node  # type: ignore[attr-defined]
    return error


ROLE_NAMES = {
    "member": T("members"), "cochair": T("co-chairs"), "committee": T("committee members"),
    "secretariat": T("the secretariat"), "observer": T("observers"), "admin": T("admins"),
}


def _roles_text(node: Command) -> Localizable:
    current: Command | None = node
    while current is not None and current.roles is None:
        current = current.parent
    roles = sorted(current.roles) if current and current.roles else ["admin"]
    return either([ROLE_NAMES[r] for r in roles if r in ROLE_NAMES])
