"""An example for each command and subcommand, shown by `/help <command> [<subcommand>]` under its usage.

A command may also declare its own (`@command(..., example=T(...))`); this table holds the others, by English path.
tests/test_help_registry.py walks the registry: a command without an example fails it."""

from __future__ import annotations

from bot.i18n import T

EXAMPLES: dict[str, T] = {
    "agenda": T("/agenda S2"),
    "agenda add": T("/agenda S2 add Vote on P7"),
    "agenda approve": T("/agenda S2 approve"),
    "apply": T("/apply I lead an open-data association and would like to join"),
    "applications": T("/applications"),
    "accept": T("/accept A3 open-data"),
    "decline": T("/decline A3 the call is for organisations only"),
    "cadence": T("/cadence"),
    "calendar": T("/calendar"),
    "college": T('/college @bob government org="Ministry for Public Transformation"'),
    "commitment add": T("/commitment add FR0112 Establish a space for open government dialogue group=dialogue"),
    "commitment import": T("/commitment import fr-2023-2025-FR0112"),
    "commitments": T("/commitments"),
    "status": T("/status FR0112"),
    "decisions": T("/decisions minutes"),
    "election open": T("/election open Steering committee 2024 seats=4 candidates=@claire,@denis,@emma,@fanny "
                       "closes=14d term=2y"),
    "election resolve": T("/election resolve V5 @emma"),
    "export": T("/export decisions csv"),
    "group add": T("/group add open-data Open data and transparency"),
    "group list": T("/group list"),
    "help": T("/help vote open"),
    "start": T("/start"),
    "lang": T("/lang en"),
    "lang room": T("/lang room en"),
    "meeting plan": T("/meeting plan open-data 2024-06-10 10:00 CESE, room 2"),
    "meeting cancel": T("/meeting cancel S2 not enough members available"),
    "meeting move": T("/meeting move S2 2024-06-17 14:00"),
    "meetings": T("/meetings"),
    "milestone add": T("/milestone add FR0112 H1 2024 First plenary"),
    "milestone done": T("/milestone done M4 https://example.org/report"),
    "milestones": T("/milestones overdue"),
    "whoami": T("/whoami"),
    "minutes start": T("/minutes start S2"),
    "minutes end": T("/minutes end"),
    "action done": T("/action done T3"),
    "propose": T("/propose Publish the minutes | within two weeks"),
    "proposals": T("/proposals all"),
    "proposal": T("/proposal P7"),
    "withdraw": T("/withdraw P7"),
    "reopen": T("/reopen P7 the budget it lacked is now voted"),
    "answer": T("/answer P7 accepted it will be in the next action plan"),
    "role": T("/role @bob member open-data until=2026-06-30"),
    "members": T("/members open-data"),
    "room": T("/room group open-data"),
    "update": T("/update FR0112 60% substantial the members are appointed"),
    "vote": T("/vote V3 yes"),
    "vote open": T("/vote open P7 body=committee closes=7d quorum=50% majority=absolute"),
    "vote close": T("/vote close V3"),
    "vote cancel": T("/vote cancel V3 the proposal was put to the wrong body"),
    "vote status": T("/vote status V3"),
    "votes": T("/votes"),
}
