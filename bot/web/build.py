"""`forum-bot site build DIR`: the same site as static files, for an existing web server.

Every page reachable from the home pages is written: a path ending in `/` becomes `…/index.html`. The static
copy has no search (the served site's `?q=`, `?body=`, `?year=`): its list pages are the unfiltered ones.
The root `/index.html` lets the reader choose a language (a server would redirect by Accept-Language)."""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path

from bot.web.site import STATIC, Site

_LINK = re.compile(r'(?:href|src)="(/[^"#?]*)"')
START = ("/", "/fr/", "/en/")


def crawl(site: Site) -> dict[str, bytes]:
    """Every page and file the site links to from its home pages, by path."""
    found: dict[str, bytes] = {}
    queue = deque(START)
    while queue:
        path = queue.popleft()
        if path in found:
            continue
        page = site.get(path)
        if page.status != 200:
            raise RuntimeError(f"{path}: {page.status}")
        found[path] = page.body
        if page.content_type.startswith(("text/html", "application/atom+xml")):
            queue.extend(p for p in _LINK.findall(page.body.decode()) if p not in found)
    return found


def file_for(root: Path, path: str) -> Path:
    relative = path.lstrip("/")
    return root / (relative + "index.html" if path.endswith("/") else relative)


def build(site: Site, root: Path) -> int:
    """Write the site under `root`; returns how many files were written."""
    pages = crawl(site)
    for path, body in pages.items():
        target = file_for(root, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    for asset in STATIC.iterdir():
        if asset.is_file() and f"/static/{asset.name}" not in pages:
            (root / "static").mkdir(parents=True, exist_ok=True)
            (root / "static" / asset.name).write_bytes(asset.read_bytes())
    return len(pages)
