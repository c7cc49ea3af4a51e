"""Issue 15, progress: `/update M1` reports on the milestone; the commitment's level follows docs/progress.md."""

from __future__ import annotations

from bot.app import Forum
from tests.support.forum_setup import commitment, commitment_with_milestones, lines, start
from tests.transcript import bot_lines, play

MILESTONES = (("2024-03", "Appel à candidatures"), ("S1 2024", "Première plénière"))
SETUP = start() + commitment_with_milestones(MILESTONES) + lines(
    "[secretariat] alice: /role @carol member dialogue")


async def test_an_update_on_a_milestone_is_the_milestones_not_the_commitments(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[dialogue] carol: /avancement M1 40% limite appel rédigé",
        "[secretariat] alice: /etat FR0112",
        "[dm] carol: /lang en",
        "[dm] carol: /status FR0112",
    ))
    assert "Niveau\u202f: 20\xa0%, limité (d’après ses jalons)" in out
    assert "Jalons\u202f: M1 40\xa0%, limité · M2 aucun point pour l’instant" in out
    assert "Level: 20%, limited (from its milestones)" in out
    assert "Milestones: M1 40%, limited · M2 no report yet" in out


async def test_a_figure_on_a_commitment_with_milestones_is_refused(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[dm] carol: /lang en",
        "[dialogue] carol: /update FR0112 60% substantial all going well",
        "[dialogue] carol: /update FR0112 the plenary date is set",
        "[dialogue] carol: /milestone done M1",
        "[dialogue] carol: /status FR0112",
    ))
    said = bot_lines(out)
    assert "The progress of FR0112 is computed from its milestones" in said[-4]
    assert said[-3].endswith("Update recorded on FR0112.")
    assert "Level: 50%, substantial (from its milestones)" in out
    assert "Milestones: M1 100%, complete · M2 no report yet" in out


async def test_a_commitment_without_milestones_takes_its_own_updates(forum: Forum) -> None:
    out = await play(forum, start() + commitment("FR0200", "Budget ouvert") + lines(
        "[secretariat] alice: /avancement FR0200 60% substantiel consultation en cours",
        "[secretariat] alice: /etat FR0200",
    ))
    assert "Niveau\u202f: 60\xa0%, substantiel (d’après ses points d’avancement)" in out
    assert "Jalons\u202f:" not in out


async def test_evidence_is_a_link_when_it_claims_to_be_one_else_a_note(forum: Forum) -> None:
    import json

    from sqlmodel import Session

    from bot.exports import export
    out = await play(forum, SETUP + lines(
        "[dialogue] carol: /jalon fait M1 htps//example.org",
        "[dialogue] carol: /jalon fait M1 htp:/example.org/appel",
        "[dialogue] carol: /jalon fait M1 https://example.org/appel",
        "[dialogue] carol: /jalon fait M2 compte rendu approuvé en plénière",
    ))
    assert "«\u202fhtp:/example.org/appel\u202f» ressemble à un lien" in out
    with Session(forum.engine) as session:
        rows = json.loads(export(session, forum.config, forum.clock.now(), "milestones", "json"))
    assert [(r["evidence"], r["evidence_note"]) for r in rows] == [
        ("https://example.org/appel", None), (None, "compte rendu approuvé en plénière")]
