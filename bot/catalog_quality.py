"""What a French (or English) reader must never meet in the compiled catalogues, checked entry by entry.

    python scripts/catalog.py check   # lists each problem with its msgid, exit 1 when there is one
    python scripts/catalog.py fix     # mends the mechanical ones (’ and the narrow no-break space) in place

Rules (each `Problem.rule`):
- `english`: an English word in a French string (command names, options, placeholders and proper nouns aside);
  `french`: the reverse, a French word or an accented letter in an English string.
- `apostrophe`: French writes ’ (U+2019), never '.
- `space`: French puts a narrow no-break space (U+202F) before ; : ! ? and inside « »; no ordinary space there.
  `quotes`: French quotes are « », not “ ” or "…".
- `command`: an English command name (/start) in a French string, when the registry is given.
- `plural`: a number placeholder before a counted noun in a string that is not a TN() (ngettext) entry.
- `gender`: a masculine-only title (coprésident, observateur, candidat…) in a French string, where the French
  text should use an epicene wording or both forms; a role label (context feminine/masculine/neutral) that lacks
  one of its three forms.
See docs/style-fr.md for the reasons and the preferred wordings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from babel.messages.catalog import Catalog, Message

NNBSP = "\u202f"
NBSP = "\u00a0"
GENDERS = ("feminine", "masculine", "neutral")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that are English and not French: any of them in a French string is a leftover.
ENGLISH_WORDS = _words("""
the and of is are was were be been you your with without not for to from this that these those will would can
cannot may must should has have had it its by at yes open opened closed closes meeting meetings members member
milestone milestones updates update people person candidate candidates seat seats bytes until here there what
who when which than then only all any each every none some group groups room rooms help please done late
overdue due ballot ballots proposal proposals commitment commitments chair cochair co-chair committee observer
usage example abstain withdraw answer status sent file files list show shows link sorry nobody everyone today
tomorrow week weeks month months year years days hours minutes-ago decision decisions event events item items
ask asked
""")
# Words that look English but are French too, or names a French text keeps as they are.
ALLOWED_IN_FRENCH = _words("""
csv json ics icalendar telegram matrix element ogp irm cese pdf url utc id ok open-data quorum agenda plan
""")
FRENCH_WORDS = _words("""
le la les une des du est sont vous votre vos avec sans pour pas ce cette ces sera peut doit qui que quand
réunion réunions jalon jalons engagement engagements groupe salon proposition propositions décision
""")
MASCULINE_TITLES = {
    "coprésident": "coprésidente", "coprésidents": "coprésidentes", "président": "présidente",
    "présidents": "présidentes", "observateur": "observatrice", "observateurs": "observatrices",
    "administrateur": "administratrice", "administrateurs": "administratrices", "candidat": "candidate",
    "candidats": "candidates", "élu": "élue", "élus": "élues", "informé": "informée", "inscrit": "inscrite",
    "rapporteur": "rapporteuse", "votant": "votante", "votants": "votantes", "auteur": "autrice",
    "auteurs": "autrices",
}
COUNTED = re.compile(r"\{(\w+)[^}]*\} ([A-Za-zÀ-ÿ]+)")
PLURAL_NOUN = re.compile(r"^(?!is$|was$|has$|does$|yes$|as$|its$|this$|plus$)[a-zà-ÿ]+[sx]$")
CODE = re.compile(r"\{[^}]*\}|[/!#@]\S+|\S+=\S*|https?://\S+|<[^>]*>|\[[^\]]*\]|\b[A-Z]{2,}\b|\b[A-Z]\d+\b")
WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:-[A-Za-zÀ-ÿ]+)*")
HIGH = re.compile(r"(?<!\u202f)[;:!?](?=[\s)»]|$)")
MASK = re.compile(r"\{[^}]*\}|https?://\S+")


@dataclass(frozen=True)
class Problem:
    rule: str
    locale: str
    msgid: str
    text: str
    detail: str

    def __str__(self) -> str:
        return f"{self.locale}: {self.rule}: {self.detail}\n    msgid: {self.msgid!r}\n    text:  {self.text!r}"


def strings(message: Message) -> list[str]:
    value = message.string
    return [s for s in (value if isinstance(value, tuple | list) else (value,)) if s]


def msgid_of(message: Message) -> str:
    value = message.id
    return str(value[0] if isinstance(value, tuple | list) else value)


def prose(text: str) -> str:
    """The words a reader reads as sentences: placeholders, commands, options, codes and examples left out."""
    text = re.sub(r"— (e\.g\.|p\. ex\.).*", "", text)
    return CODE.sub(" ", text)


def _english(text: str) -> list[str]:
    return [w for w in WORD.findall(prose(text)) if w.lower() in ENGLISH_WORDS and w.lower() not in
            ALLOWED_IN_FRENCH]


def _french(text: str) -> list[str]:
    words = [w for w in WORD.findall(prose(text)) if w.lower() in FRENCH_WORDS]
    return words + re.findall(r"[a-z]*[éèêàçùôî][a-z]*", prose(text))


def _spacing(text: str) -> list[str]:
    text = MASK.sub("X", text)
    found = [f"{m.group(0)!r} at {m.start()}" for m in HIGH.finditer(text) if m.start() > 0]
    found += [f"« at {m.start()}" for m in re.finditer(r"«(?!\u202f)", text)]
    found += [f"» at {m.start()}" for m in re.finditer(r"(?<!\u202f)»", text)]
    return found


def _plural(message: Message) -> list[str]:
    if isinstance(message.id, tuple | list):
        return []
    found = []
    for text in (msgid_of(message), *strings(message)):
        for match in COUNTED.finditer(text):
            if match.group(1) in {"n", "count", "seats", "candidates", "cast", "total", "size", "days", "hours",
                                  "number", "electorate", "people", "eligible", "voters"} and \
                    PLURAL_NOUN.match(match.group(2)):
                found.append(match.group(0))
        found += re.findall(r"\w+\(s\)|\w+\(e\)s?", text)
    return found


def _gender(text: str) -> list[str]:
    words = {w.lower() for w in WORD.findall(prose(text))}
    return [w for w in words if w in MASCULINE_TITLES and MASCULINE_TITLES[w] not in words]


def check_french(fr: Catalog) -> Iterator[Problem]:
    for message in fr:
        if not message.id or "allow-english" in message.flags:
            continue
        msgid = msgid_of(message)
        gendered = message.context in GENDERS
        for text in strings(message):
            if words := _english(text):
                yield Problem("english", "fr", msgid, text, "English words " + ", ".join(words))
            if "'" in prose(text):
                yield Problem("apostrophe", "fr", msgid, text, "' instead of ’")
            if spots := _spacing(text):
                yield Problem("space", "fr", msgid, text, "no narrow no-break space: " + ", ".join(spots))
            if re.search(r"[“”]|\"", prose(text)):
                yield Problem("quotes", "fr", msgid, text, "“ ” or \" instead of « »")
            if not gendered and (titles := _gender(text)):
                yield Problem("gender", "fr", msgid, text, "masculine-only " + ", ".join(sorted(titles)))
        if words := _plural(message):
            yield Problem("plural", "fr", msgid, msgid, "count without ngettext: " + ", ".join(words))


def check_english(en: Catalog) -> Iterator[Problem]:
    for message in en:
        if not message.id:
            continue
        for text in strings(message):
            if words := _french(text):
                yield Problem("french", "en", msgid_of(message), text, "French words " + ", ".join(words))


def check_genders(catalogs: Iterable[Catalog]) -> Iterator[Problem]:
    """A role label is translated in its three forms (msgctxt feminine, masculine, neutral) or in none."""
    for catalog in catalogs:
        forms: dict[str, set[str]] = {}
        for message in catalog:
            if message.id and message.context in GENDERS:
                forms.setdefault(msgid_of(message), set()).add(str(message.context))
        for msgid, seen in sorted(forms.items()):
            if missing := sorted(set(GENDERS) - seen):
                yield Problem("gender", str(catalog.locale), msgid, msgid, "no form " + ", ".join(missing))


def check_commands(fr: Catalog, english_names: Mapping[str, str]) -> Iterator[Problem]:
    """A French string names French commands: `english_names` maps each English-only name to its French one."""
    for message in fr:
        for text in strings(message) if message.id else ():
            for name in re.findall(r"(?<![\w/])[/!]([a-z][\w-]*)", text):
                if name in english_names:
                    yield Problem("command", "fr", msgid_of(message), text,
                                  f"/{name} instead of /{english_names[name]}")


def check(fr: Catalog, en: Catalog, english_names: Mapping[str, str] | None = None) -> list[Problem]:
    """Every problem of the French and English catalogues; `english_names` (English-only command name → French
    name, from the registry) adds the `command` rule."""
    return [*check_french(fr), *check_english(en), *check_genders((fr, en)),
            *check_commands(fr, english_names or {})]


def fix_typography(text: str) -> str:
    """The mechanical part of French typography: ’, and the narrow no-break space before ; : ! ? and in « »."""
    kept = MASK.findall(text)
    part = MASK.sub("\ue000", text)
    part = part.replace("'", "’")
    part = re.sub(r"(?<=\S)[ \u00a0]?(?<!\u202f)([;:!?])(?=[\s)»]|$)", NNBSP + r"\1", part)
    part = re.sub(r"«[ \u00a0]?(?!\u202f)", "«" + NNBSP, part)
    part = re.sub(r"(?<!\u202f)[ \u00a0]?»", NNBSP + "»", part)
    part = re.sub(r"“([^”]*)”", "«" + NNBSP + r"\1" + NNBSP + "»", part)
    pieces = part.split("\ue000")
    return "".join(piece + (kept[i] if i < len(kept) else "") for i, piece in enumerate(pieces))


def fix_catalog(fr: Catalog) -> int:
    """Apply `fix_typography` to every French string; the number of entries changed."""
    changed = 0
    for message in fr:
        if not message.id:
            continue
        if isinstance(message.string, tuple | list):
            new: str | tuple[str, ...] = tuple(fix_typography(s) for s in message.string)
        else:
            new = fix_typography(message.string or "")
        if new != message.string and (new or message.string):
            message.string = new
            changed += 1
    return changed
