"""A git merge driver for gettext catalogs: a three-way merge entry by entry (msgid), never a line conflict.

Set up once per clone (worktrees share it):
    git config merge.po.driver "python3 scripts/po_merge.py %O %A %B"
with `*.po merge=po` in .gitattributes. For each msgid: a side that changed it from the base wins; when both
changed it differently, ours is kept and the entry is marked fuzzy so that `scripts/catalog.py check` and a reader
see it. Run `scripts/catalog.py sync` after the merge to refresh locations.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def read(path: str) -> Catalog:
    with Path(path).open("rb") as handle:
        return read_po(handle)


def key(message: object) -> object:
    ident = message.id  # type: ignore[attr-defined]
    return (ident, message.context)  # type: ignore[attr-defined]


def entries(catalog: Catalog) -> dict[object, object]:
    return {key(message): message for message in catalog if message.id}


def same(one: object, other: object) -> bool:
    if one is None or other is None:
        return one is other
    return (one.string, one.flags, one.auto_comments) == (  # type: ignore[attr-defined]
        other.string, other.flags, other.auto_comments)  # type: ignore[attr-defined]


def merge(base_path: str, ours_path: str, theirs_path: str) -> int:
    base, ours, theirs = read(base_path), read(ours_path), read(theirs_path)
    old, mine, their = entries(base), entries(ours), entries(theirs)
    conflicts = 0
    for ident in list(mine) + [k for k in their if k not in mine]:
        b, o, t = old.get(ident), mine.get(ident), their.get(ident)
        if same(o, t) or same(b, t):
            continue
        if same(b, o):
            ours.delete(ident[0], context=ident[1])  # type: ignore[index]
            if t is not None:
                ours[t.id] = t  # type: ignore[attr-defined]
            continue
        if o is None:
            ours[t.id] = t  # type: ignore[attr-defined]
            continue
        if t is not None:
            conflicts += 1
            o.flags.add("fuzzy")  # type: ignore[attr-defined]
            print(f"po_merge: both sides changed {ident[0]!r}; kept ours, marked fuzzy", file=sys.stderr)
    with Path(ours_path).open("wb") as handle:
        write_po(handle, ours, sort_output=True, width=120, include_lineno=False)
    return 0


if __name__ == "__main__":
    sys.exit(merge(*sys.argv[1:4]))
