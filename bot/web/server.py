"""Serving the site with aiohttp (already installed with matrix-nio): GET and HEAD only, security headers on every
answer, `/` sent to the reader's language. Pages are rendered in a worker thread so the bot's event loop (when
`forum-bot run` serves the site too) keeps going."""

from __future__ import annotations

import asyncio

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


def _response(page: Page) -> web.Response:
    kind, _, charset = page.content_type.partition("; charset=")
    response = web.Response(status=page.status, body=page.body, content_type=kind, charset=charset or None)
    response.headers.update(HEADERS)
    if page.status == 200 and not kind.startswith("text/html"):
        response.headers["Cache-Control"] = "public, max-age=60"
    return response


def make_app(site: Site) -> web.Application:
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
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


async def start(site: Site, host: str, port: int) -> web.AppRunner:
    """Start serving on host:port; the caller keeps the runner and calls `cleanup()` to stop."""
    runner = web.AppRunner(make_app(site), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def serve_forever(site: Site, host: str, port: int) -> None:
    runner = await start(site, host, port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
