"""The public site as a function: a path (and a query) in, a page out. The server (bot/web/server.py) and the
static build (bot/web/build.py) both call `Site.get`, so they give the same bytes.

URLs are stable and per language: /fr/…, /en/…; a page of a list is /fr/decisions/page/2/. Every page reads
in one transaction that is rolled back: the site never writes. What a page may show is decided by
bot/domain/visibility.py (the public audience)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from sqlmodel import Session

from bot.clock import Clock
from bot.config import Config
from bot.config_values import SUPPORTED_LANGUAGES
from bot.i18n import Lang
from bot.web.words import LANGUAGE_NAMES, words

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
HTML = "text/html; charset=utf-8"


class NotFound(Exception):
    """The page's record does not exist: a 404 in the reader's language."""


@dataclass(frozen=True)
class Page:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Request:
    """What a page needs: the session to read, the reader, the moment, the query string, the site's config."""

    session: Session
    lang: Lang
    now: Any
    config: Config
    query: Mapping[str, str] = field(default_factory=dict)

    def other(self) -> str:
        return "en" if self.lang.locale == "fr" else "fr"


# A route: a pattern of the path after /<lang>, and the function making the page's (template, context).
View = Callable[..., tuple[str, dict[str, Any]]]
ROUTES: list[tuple[re.Pattern[str], View]] = []
# Files outside the language prefixes (open data): a pattern of the whole path → (content type, bytes).
Raw = Callable[..., tuple[str, bytes]]
FILES: list[tuple[re.Pattern[str], Raw]] = []


def route(pattern: str) -> Callable[[View], View]:
    def register(fn: View) -> View:
        ROUTES.append((re.compile(pattern + r"\Z"), fn))
        return fn
    return register


def file_route(pattern: str) -> Callable[[Raw], Raw]:
    def register(fn: Raw) -> Raw:
        FILES.append((re.compile(pattern + r"\Z"), fn))
        return fn
    return register


def language_of(path: str) -> str | None:
    head = path.strip("/").split("/", 1)[0]
    return head if head in SUPPORTED_LANGUAGES else None


def best_language(accept: str | None, default: str) -> str:
    """The first supported language of an Accept-Language header (weights honoured), else `default`."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in SUPPORTED_LANGUAGES and weight > 0:
            choices.append((-weight, index, base))
    return min(choices)[2] if choices else default


class Site:
    """The site of one forum: its database, configuration and clock."""

    def __init__(self, engine: Engine, config: Config, clock: Clock) -> None:
        import bot.app
        import bot.web.data
        import bot.web.pages
        import bot.web.tracking_pages  # noqa: F401
        self.engine, self.config, self.clock = engine, config, clock
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=select_autoescape(default=True, default_for_string=True),
                                     trim_blocks=True, lstrip_blocks=True)

    def lang(self, locale: str) -> Lang:
        return Lang(locale, self.config.tz, "web")

    def get(self, path: str, query: Mapping[str, str] | None = None, accept_language: str | None = None) -> Page:
        """The page at `path`; a 404 page in the path's language (else the reader's) when there is none."""
        query = query or {}
        if path.startswith("/static/"):
            return self._static(path)
        with Session(self.engine) as session:
            try:
                return self._get(session, path, query, accept_language)
            except NotFound:
                pass
            finally:
                session.rollback()
            locale = language_of(path) or best_language(accept_language, self.config.default_language)
            return self._render(Request(session, self.lang(locale), self.clock.now(), self.config), "404.html",
                                {"path": path}, status=404, here=None)

    def _get(self, session: Session, path: str, query: Mapping[str, str], accept: str | None) -> Page:
        for pattern, raw in FILES:
            if match := pattern.match(path):
                kind, body = raw(Request(session, self.lang(self.config.default_language), self.clock.now(),
                                         self.config, query), **match.groupdict())
                return Page(200, kind, body)
        locale = language_of(path)
        if path == "/" or locale is None:
            if path == "/":
                return self._render(Request(session, self.lang(best_language(accept, self.config.default_language)),
                                            self.clock.now(), self.config), "choose.html", {}, here=None)
            raise NotFound(path)
        rest = path[len(locale) + 1:]
        request = Request(session, self.lang(locale), self.clock.now(), self.config, query)
        for pattern, view in ROUTES:
            if match := pattern.match(rest):
                template, context = view(request, **match.groupdict())
                if template.endswith(".atom"):
                    atom = self.templates.get_template(template).render(w=words(request.lang), **context)
                    return Page(200, "application/atom+xml; charset=utf-8", atom.encode())
                return self._render(request, template, context, here=rest)
        raise NotFound(path)

    def _render(self, request: Request, template: str, context: dict[str, Any], *, here: str | None,
                status: int = 200) -> Page:
        locale = request.lang.locale
        other = request.other()
        html = self.templates.get_template(template).render(
            w=words(request.lang), lang=locale, other=other, other_url=f"/{other}{here}" if here else f"/{other}/",
            other_words=words(self.lang(other)), names=LANGUAGE_NAMES, here=here, **context)
        return Page(status, HTML, html.encode())

    def _static(self, path: str) -> Page:
        name = path.removeprefix("/static/")
        target = STATIC / name
        if "/" in name or not target.is_file():
            return Page(404, "text/plain; charset=utf-8", b"not found\n")
        kinds = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
        return Page(200, kinds.get(target.suffix, "application/octet-stream"), target.read_bytes())
