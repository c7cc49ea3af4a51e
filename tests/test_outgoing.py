"""The one codec between typed outgoing extras and the outbox row's JSON."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.messages import Attachment, Button, Extras, Reactions

texts = st.text(min_size=1, max_size=20)
buttons = st.builds(Button, texts, texts, st.booleans())
extras = st.builds(
    Extras,
    st.lists(st.lists(buttons, min_size=1, max_size=3).map(tuple), max_size=3).map(tuple),
    st.none() | st.builds(Attachment, texts, texts, st.text(max_size=50)),
    st.none() | st.builds(Reactions, st.dictionaries(texts, texts, min_size=1, max_size=3), st.none() | texts),
    st.none() | texts)


@given(extras)
def test_extras_survive_the_outbox_row(value: Extras) -> None:
    assert Extras.from_json(value.to_json()) == value


def test_nothing_to_carry_is_no_payload() -> None:
    assert Extras().to_json() is None
    assert Extras.from_json(None) == Extras()


def test_rows_written_before_the_types_still_read() -> None:
    """The JSON shape is the one outbox rows have always had (a database upgraded in place keeps its queue)."""
    row = {"buttons": [[{"label": "Oui", "command": "/vote V1 yes", "private": True}]],
           "reactions": {"👍": "/vote V1 yes"}, "unreact": "/vote V1 withdraw",
           "file": {"name": "a.csv", "mime": "text/csv", "content": "x;y"}, "reply_to": "42"}
    value = Extras.from_json(row)
    assert value == Extras(buttons=((Button("Oui", "/vote V1 yes", True),),),
                           attachment=Attachment("a.csv", "text/csv", "x;y"),
                           reactions=Reactions({"👍": "/vote V1 yes"}, "/vote V1 withdraw"), reply_to="42")
    assert value.to_json() == row
