"""/export: the open register as a file; plus the exporters of the forum's structure and notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.config import Config
from bot.context import Context
from bot.domain.people import active_roles
from bot.domain.visibility import CHAT_AUDIENCE, visible_exports
from bot.errors import UserError
from bot.exports import Row, export, exporter, exporters
from bot.i18n import Lang, Lines, Raw, T, fold
from bot.messages import Attachment, Extras
from bot.parsing import Choice, Param, Word
from bot.registry import command
from bot.storage.tables import Account, OutboxMessage, Person, Room, WorkingGroup

EXPORT_ALIASES = {"membres": "members", "jalons": "milestones", "avancements": "updates", "reunions": "meetings",
                  "engagements": "commitments", "propositions": "proposals"}
FRENCH_KINDS = {"decisions": "décisions", "milestones": "jalons", "updates": "avancements", "meetings": "réunions",
                "proposals": "propositions", "commitments": "engagements"}


@dataclass(frozen=True)
class Kind:
    """An export's name as the reader types it: `meetings` in English, `réunions` in French (accents optional)."""

    name: str

    def render(self, lang: Lang) -> str:
        if lang.locale == "fr":
            return FRENCH_KINDS.get(self.name) or next((k for k, v in EXPORT_ALIASES.items() if v == self.name),
                                                       self.name)
        return self.name
FORMAT = Choice({"json": (), "csv": (), "excel": (), "ics": ()}, T("json, csv, excel or ics"))


@command("export", "exporter", help=T("the open register as a file"),
         usage=T("/export decisions|proposals|commitments|milestones|updates|meetings|votes|members "
                 "[json|csv|excel] — excel: a CSV file for Excel in French, semicolon-separated"),
         params=[Param("what", Word(), optional=True), Param("fmt", FORMAT, optional=True)])
async def export_command(ctx: Context, what: str | None, fmt: str | None) -> None:
    name = EXPORT_ALIASES.get(fold(what or ""), fold(what or ""))
    offered = visible_exports(exporters, CHAT_AUDIENCE)
    if name not in offered:
        raise UserError(T("I can export: {kinds}.", kinds=Lines([Kind(k) for k in offered], sep=", ")))
    fmt = fmt or "json"
    if fmt not in exporters[name].formats:
        raise UserError(T("The {kind} export comes as {formats}.", kind=Kind(name),
                          formats=Raw(", ".join(exporters[name].formats))))
    content = export(ctx.session, ctx.config, ctx.now, name, fmt)
    filename = f"{name}-{ctx.now.astimezone(ctx.config.tz).date().isoformat()}.{'csv' if fmt == 'excel' else fmt}"
    ctx.reply(T("Here is the export of {kind}.", kind=Kind(name)),
              extras=Extras(attachment=Attachment(filename, MIME[fmt], content)))


MIME = {"json": "application/json", "csv": "text/csv", "excel": "text/csv", "ics": "text/calendar"}


def target_label(session: Session, message: OutboxMessage) -> str:
    """The room or person as the network shows them (`secretariat`, `dm alice` on the console)."""
    if message.room_id is not None:
        room = session.get(Room, message.room_id)
        if room is None:
            return "?"
        if room.is_private:
            return "dm " + room.platform_room_id.removeprefix("dm:")
        return room.platform_room_id if room.network == "console" else (room.title or room.platform_room_id)
    account = session.exec(select(Account).where(Account.person_id == message.person_id,
                                                 Account.network == message.network)).first()
    return "dm " + (account.handle or account.platform_user_id or "?" if account else "?")


@exporter("notifications", ("id", "kind", "target", "key", "created_at", "sent_at"))
def notifications(session: Session, config: Config, now: datetime) -> list[Row]:
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind != "reply")
                        .order_by(col(OutboxMessage.id))).all()
    return [{"id": m.id, "kind": m.kind, "target": target_label(session, m), "key": m.key,
             "created_at": m.created_at, "sent_at": m.sent_at} for m in rows]


@exporter("members", ("id", "name", "college", "organisation", "role", "group", "since", "until"))
def members(session: Session, config: Config, now: datetime) -> list[Row]:
    groups = {g.id: g.slug for g in session.exec(select(WorkingGroup)).all()}
    rows: list[Row] = []
    for person in session.exec(select(Person).order_by(col(Person.id))).all():
        assert person.id is not None
        for role in active_roles(session, person.id, now):
            rows.append({"id": person.id, "name": person.display_name, "college": person.college,
                         "organisation": person.organisation, "role": role.role,
                         "group": groups.get(role.group_id) if role.group_id else None,
                         "since": role.since, "until": role.until})
    return rows
