"""Serving the site with aiohttp (already installed with matrix-nio): GET and HEAD only, security headers on every
answer, `/` sent to the reader's language. Pages are rendered in a worker thread so the bot's event loop (when
`forum-bot run` serves the site too) keeps going. With `[metrics] enabled`, `/metrics` too (bot/runtime/metrics.py,
given as a function: the site knows nothing of what it measures)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from bot.web.site import Page, Site, best_language

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

METRICS_PATH = "/metrics"

Metrics = Callable[[str | None], tuple[bytes, str]]
"""The metrics page: given the scraper's Accept header, the body and its content type (`Metrics.render`)."""


def _response(page: Page) -> web.Response:
    kind, _, charset = page.content_type.partition("; charset=")
    response = web.Response(status=page.status, body=page.body, content_type=kind, charset=charset or None)
    response.headers.update(HEADERS)
    if page.status == 200 and not kind.startswith("text/html"):
        response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _add_metrics(app: web.Application, metrics: Metrics) -> None:
    async def scrape(request: web.Request) -> web.StreamResponse:
        body, content_type = await asyncio.to_thread(metrics, request.headers.get("Accept"))
        return web.Response(body=body, headers={**HEADERS, "Content-Type": content_type, "Cache-Control": "no-store"})

    app.router.add_get(METRICS_PATH, scrape)  # (and HEAD)


def metrics_app(metrics: Metrics) -> web.Application:
    """`/metrics` alone: `forum-bot run` without the web site, on `[metrics] listen` and `port`."""
    app = web.Application()
    _add_metrics(app, metrics)
    return app


def make_app(site: Site, metrics: Metrics | None = None) -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD"):
            response = web.Response(status=405, text="read only\n", headers={"Allow": "GET, HEAD", **HEADERS})
            return response
        accept = request.headers.get("Accept-Language")
        if request.path == "/" and accept is not None:
            target = f"/{best_language(accept, site.config.default_language)}/"
            raise web.HTTPFound(target, headers={**HEADERS, "Vary": "Accept-Language"})
        query = {key: request.query.get(key, "") for key in request.query}
        page = await asyncio.to_thread(site.get, request.path, query, accept)
        return _response(page)

    app = web.Application()
    if metrics is not None:
        _add_metrics(app, metrics)
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


async def start(site: Site | web.Application, host: str, port: int, metrics: Metrics | None = None
                ) -> web.AppRunner:
    """Start serving the site (or another app) on host:port; the caller keeps the runner and calls `cleanup()`."""
    app = site if isinstance(site, web.Application) else make_app(site, metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def serve_forever(site: Site | web.Application, host: str, port: int, metrics: Metrics | None = None) -> None:
    runner = await start(site, host, port, metrics)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
