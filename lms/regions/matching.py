"""Which office a free-text office ("Dinas Dukcapil", "dinkes") stands for: pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Protocol

#: Below this similarity a suggestion would mislead more than help.
SIMILARITY_CUTOFF = 0.8
_DROPPED = re.compile(r"[.'’`]")
_SEPARATORS = re.compile(r"[^0-9a-z]+")


class OfficeLike(Protocol):
    id: int
    name: str
    acronym: str


def text_key(text: str | None) -> str:
    """A text normalised for comparing: lower case, no punctuation, single spaces.

    "Dinas P.U.P.R." and "dinas  pupr" give the same key.
    """
    text = _DROPPED.sub("", (text or "").casefold())
    return " ".join(_SEPARATORS.sub(" ", text).split())


@dataclass(frozen=True)
class Suggestion:
    office_id: int
    #: True when the text is the office's name or acronym; False for a similar one.
    exact: bool


def exact_index(offices: Iterable[OfficeLike]) -> dict[str, int]:
    """Name and acronym keys -> office id; a name wins over another office's acronym."""
    by_acronym = {text_key(o.acronym): o.id for o in offices if o.acronym}
    by_name = {text_key(o.name): o.id for o in offices}
    return {**by_acronym, **by_name}


def suggest(text: str, offices: list[OfficeLike]) -> Suggestion | None:
    """The office ``text`` most likely names: its name or acronym, then an acronym written
    inside it ("Dinas PUPR"), then the most similar name or acronym."""
    key = text_key(text)
    if not key:
        return None
    exact = exact_index(offices).get(key)
    if exact is not None:
        return Suggestion(exact, True)
    words = set(key.split())
    inside = {
        o.id for o in offices if len(text_key(o.acronym)) >= 3 and text_key(o.acronym) in words
    }
    if len(inside) == 1:
        return Suggestion(inside.pop(), False)
    best, best_ratio = None, SIMILARITY_CUTOFF
    for office in offices:
        for candidate in (office.name, office.acronym):
            other = text_key(candidate)
            if not other:
                continue
            ratio = _similarity(key, other)
            if ratio > best_ratio:
                best, best_ratio = office.id, ratio
    return Suggestion(best, False) if best is not None else None


def _similarity(key: str, other: str) -> float:
    ratio = SequenceMatcher(None, key, other).ratio()
    words, other_words = key.split(), other.split()
    if len(words) > 1 and len(other_words) > 1 and words[0] == other_words[0]:
        # "Dinas Perikanan" is not "Dinas Pertanian": the words after the shared kind decide.
        rest = SequenceMatcher(None, " ".join(words[1:]), " ".join(other_words[1:])).ratio()
        ratio = min(ratio, rest)
    return ratio
