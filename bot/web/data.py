"""Open data: every public export at its own URL (/data/decisions.csv, …), all of them in one zip, the meetings'
calendar, and an Atom feed of decisions and minutes per language. Which exports are public: the visibility
module says (bot/domain/visibility.py)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from sqlmodel import col, select

from bot.domain.decisions import latest_decisions
from bot.domain.visibility import Audience, export_visible, visible_exports
from bot.exports import export, exporters
from bot.storage.tables import Meeting
from bot.web.pages import decision_row, say
from bot.web.site import NotFound, Request, file_route, route
from bot.wording.meetings import meeting_body_label

FEED_SIZE = 50
MIME = {"json": "application/json; charset=utf-8", "csv": "text/csv; charset=utf-8",
        "ics": "text/calendar; charset=utf-8"}


def public_files() -> list[tuple[str, str]]:
    """(export name, format) of every public file, in a stable order."""
    return [(name, fmt) for name in visible_exports(exporters, Audience.PUBLIC) for fmt in exporters[name].formats
            if fmt in MIME]  # the open formats (chat's `excel` is a CSV variant for one spreadsheet)


@file_route(r"/data/(?P<name>[a-z_]{1,40})\.(?P<fmt>json|csv|ics)")
def data_file(request: Request, name: str, fmt: str) -> tuple[str, bytes]:
    if name not in exporters or not export_visible(name, Audience.PUBLIC) or fmt not in exporters[name].formats:
        raise NotFound(name)
    return MIME[fmt], export(request.session, request.config, request.now, name, fmt).encode()


@file_route(r"/data/open-data\.zip")
def data_zip(request: Request) -> tuple[str, bytes]:
    """Every public export in CSV and JSON; the entries' dates are the moment of the data, so the same data
    gives the same bytes (the static build and the server agree)."""
    buffer = io.BytesIO()
    stamp = request.now.astimezone(request.config.tz).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, fmt in public_files():
            if fmt in ("json", "csv"):
                info = zipfile.ZipInfo(f"{name}.{fmt}", date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, export(request.session, request.config, request.now, name, fmt))
    return "application/zip", buffer.getvalue()


@route(r"/data/")
def data_page(request: Request) -> tuple[str, dict[str, Any]]:
    files: dict[str, list[str]] = {}
    for name, fmt in public_files():
        files.setdefault(name, []).append(fmt)
    return "data.html", {"files": files}


@route(r"/feed\.atom")
def feed(request: Request) -> tuple[str, dict[str, Any]]:
    base, lang = request.config.web.base_url, request.lang.locale
    entries = [{"id": f"decision-D{d.id}", "title": f"D{d.id} — {d.title}", "url": f"{base}{row['url']}",
                "updated": d.decided_at.isoformat(), "summary": f"{row['outcome']} — {row['body']}".strip(" —")}
               for d in latest_decisions(request.session, FEED_SIZE) if (row := decision_row(request, d))]
    held = request.session.exec(select(Meeting).where(col(Meeting.held_at).is_not(None))
                                .order_by(col(Meeting.held_at).desc()).limit(FEED_SIZE)).all()
    entries += [{"id": f"minutes-S{m.id}", "title": f"S{m.id} — {say(request, meeting_body_label(request.session, m))}",
                 "url": f"{base}/{lang}/meetings/S{m.id}/", "updated": m.held_at.isoformat() if m.held_at else "",
                 "summary": ""} for m in held]
    entries.sort(key=lambda e: e["updated"], reverse=True)
    return "feed.atom", {"lang": lang, "entries": entries, "base": base, "updated": entries[0]["updated"] if entries
                         else request.now.isoformat()}
