"""CSV for French users: `excel` (a UTF-8 byte order mark, `;` between cells, booleans as oui/non), lists as
`a; b`, booleans as true/false in plain CSV; `forum-bot import` reads `;`-separated files as Excel in French
writes them."""

from __future__ import annotations

from pathlib import Path

from bot.domain.tracking.importing import read_plan
from bot.exports import write

ROWS = [{"id": 1, "title": "Publier, vite", "names": ["@a", "@b"], "overdue": True, "by": {"x": 1}, "none": None}]
FIELDS = ("id", "title", "names", "overdue", "by", "none")


def test_excel_has_a_byte_order_mark_and_semicolons() -> None:
    text = write(ROWS, FIELDS, "excel")
    assert text.startswith("\ufeffid;title;names;overdue;by;none\n")
    assert text.splitlines()[1] == '1;Publier, vite;@a; @b;oui;"{""x"": 1}";'.replace("@a; @b", '"@a; @b"')
    assert '";non;' in write([{**ROWS[0], "overdue": False}], FIELDS, "excel").splitlines()[1]


def test_csv_cells_are_plain() -> None:
    assert write(ROWS, FIELDS, "csv").splitlines() == ["id,title,names,overdue,by,none",
                                                       '1,"Publier, vite",@a; @b,true,"{""x"": 1}",']


def test_import_reads_semicolons_and_a_byte_order_mark(tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text("\ufeffcode;title;group;milestone;due\nFR0112;Dialogue, ouvert;dialogue;Appel;février 2024\n",
                    encoding="utf-8")
    (commitment,) = read_plan(plan)
    assert (commitment["code"], commitment["title"], commitment["group"]) == ("FR0112", "Dialogue, ouvert",
                                                                             "dialogue")
    assert commitment["milestone"][0]["due"] == "février 2024"
