"""Proxies (procurations): the config's limits and the check a new proxy must pass (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ProxyRules:
    """The `[proxies]` table of the config (French statutes usually allow one or two proxies per holder)."""

    max_per_holder: int = 1
    same_college: bool = False
    in_secret_votes: bool = True


def parse_proxy_rules(table: Mapping[str, object]) -> ProxyRules:
    """The `[proxies]` table validated; KeyError names an unknown key, ValueError(key) a bad value."""
    for key in table:
        if key not in ("max_per_holder", "same_college", "in_secret_votes"):
            raise KeyError(key)
    most = table.get("max_per_holder", 1)
    if not isinstance(most, int) or isinstance(most, bool) or not 0 <= most <= 10:
        raise ValueError("max_per_holder")
    same, secret = table.get("same_college", False), table.get("in_secret_votes", True)
    if not isinstance(same, bool):
        raise ValueError("same_college")
    if not isinstance(secret, bool):
        raise ValueError("in_secret_votes")
    return ProxyRules(most, same, secret)


def proxy_refusal(rules: ProxyRules, *, giver: int, holder: int, held: int, giver_college: str | None,
                  holder_college: str | None, secret: bool) -> str | None:
    """Why a proxy may not be given (a code), None when it may: `held` is how many proxies the holder already has
    for the same vote or meeting."""
    if giver == holder:
        return "self"
    if held >= rules.max_per_holder:
        return "too_many"
    if rules.same_college and giver_college != holder_college:
        return "other_college"
    if secret and not rules.in_secret_votes:
        return "secret"
    return None
