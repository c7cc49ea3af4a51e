"""The public site in a real browser: Debian's chromium, headless, driven by Playwright; axe-core checks every
page visited for WCAG 2.1 A and AA with zero violations. One browser and one served forum for the module.

Locally the tests skip when /usr/bin/chromium (or Playwright) is missing; in CI (`CI` set) they fail instead:
.ci/services.sh installs chromium. Playwright's own browser download is not used (the machine reaches only the
package registries), hence `executable_path`."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.web.server import start
from bot.web.site import Site
from tests.support import FORUM_EPOCH
from tests.support.fixtures import service_unavailable
from tests.support.synapse import free_port
from tests.support.web_forum import scripted_forum

CHROMIUM = "/usr/bin/chromium"
AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
      "resultTypes": ["violations"]}
SHOTS = Path("/tmp")


class Served:
    """The scripted forum's site, served on a free port from a thread with its own event loop."""

    def __init__(self, database: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.forum = Forum(replace(Config(), database_url=f"sqlite:///{database}"), SimulatedClock(FORUM_EPOCH))
        self.loop.run_until_complete(scripted_forum(self.forum))
        self.port = free_port()
        self.runner = self.loop.run_until_complete(start(Site(self.forum.engine, self.forum.config,
                                                              self.forum.clock), "127.0.0.1", self.port))
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.forum.engine.dispose()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    site = Served(tmp_path_factory.mktemp("web") / "forum.sqlite3")
    yield site
    site.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        service_unavailable(f"{CHROMIUM} is not installed (apt-get install chromium; .ci/services.sh does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # axe-core is injected by evaluate(); the site's CSP forbids any script of its own.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def no_violations(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AA)
    found = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
    assert found == [], f"{page.url}: {found}"


def test_follow_a_decision_to_its_vote_and_proposal_and_switch_language(served: Served, page: Any) -> None:
    page.goto(served.base + "/en/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Latest decisions").is_visible()
    no_violations(page)
    page.screenshot(path=str(SHOTS / "forum-web-home.png"), full_page=True)
    page.get_by_role("link", name="All decisions").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Decisions"
    no_violations(page)
    page.get_by_role("link", name="D2 — Publish the minutes").click()
    assert "/en/decisions/D2/" in page.url
    assert "yes 1 · no 1" in page.locator("main").inner_text()
    no_violations(page)
    page.get_by_role("link", name="V1 — Publish the minutes").click()
    assert "/en/votes/V1/" in page.url and page.get_by_role("table", name="Tally").is_visible()
    no_violations(page)
    page.locator("main").get_by_role("link", name="P1").click()
    assert "/en/proposals/P1/" in page.url and "submitted by carol" in page.locator("main").inner_text()
    no_violations(page)
    page.get_by_role("link", name="Français").click()
    assert "/fr/proposals/P1/" in page.url and page.locator("html").get_attribute("lang") == "fr"
    assert "déposée par carol" in page.locator("main").inner_text()
    no_violations(page)


def test_french_pages_commitment_meeting_and_search(served: Served, page: Any) -> None:
    page.goto(served.base + "/fr/")
    assert page.get_by_role("heading", name="Prochaines réunions").is_visible()
    no_violations(page)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Engagements").click()
    no_violations(page)
    page.get_by_role("link", name="FR0112").click()
    assert page.locator("progress").get_attribute("value") == "40"
    assert "en retard" in page.locator("main").inner_text()
    no_violations(page)
    page.screenshot(path=str(SHOTS / "forum-web-commitment.png"), full_page=True)
    for path in ("/fr/meetings/", "/fr/meetings/S1/", "/fr/members/", "/fr/compliance/", "/fr/data/",
                 "/en/votes/V2/", "/en/votes/V3/", "/fr/proposals/", "/fr/nowhere/"):
        page.goto(served.base + path)
        no_violations(page)
    page.goto(served.base + "/en/decisions/")
    page.get_by_label("Search the titles").fill("budget")
    page.get_by_role("button", name="Filter").click()
    text = page.locator("main").inner_text()
    assert "Open the budget data" in text and "Publish the minutes" not in text


def test_keyboard_reaches_the_content_and_a_phone_reads_it(served: Served, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(served.base + "/en/commitments/FR0112/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#content")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    context.close()


def test_the_accessibility_check_sees_a_violation(page: Any) -> None:
    page.set_content('<html><body><main><img src="chart.png"><a href="/x"></a></main></body></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        no_violations(page)
