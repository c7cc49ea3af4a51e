"""TEMPORARY stub until the rules branch lands."""
import re
from datetime import timedelta


class DurationError(ValueError):
    code = "bad_duration"


def parse_duration(text: str) -> timedelta:
    m = re.fullmatch(r"\s*(\d+)\s*([mhdjws])\s*", text.lower())
    if not m:
        raise DurationError(text)
    n, unit = int(m.group(1)), m.group(2)
    return {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n), "j": timedelta(days=n),
            "w": timedelta(weeks=n), "s": timedelta(weeks=n)}[unit]
