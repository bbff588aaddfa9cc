"""The kinds of notification and their wording. A module registers its kinds once (at import)
with lazy strings; a notification is worded when shown or mailed, in the reader's language."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("lms.notifications")


@dataclass(frozen=True)
class Kind:
    key: str
    #: One line: the bell's list and the e-mail's subject ("%(name)s" style values).
    title: Any
    #: A few more sentences for the e-mail ("" for none).
    body: Any = ""


_KINDS: dict[str, Kind] = {}


def register(key: str, title: Any, body: Any = "") -> Kind:
    kind = Kind(key, title, body)
    _KINDS[key] = kind
    return kind


def get(key: str) -> Kind | None:
    return _KINDS.get(key)


def _fill(text: Any, params: dict[str, Any]) -> str:
    template = str(text)
    try:
        return template % params if params else template.replace("%%", "%")
    except (KeyError, TypeError, ValueError):
        # A translation that lost a value: show it without the values rather than fail.
        log.warning("notification text %r does not take %r", template, sorted(params))
        return template


def title_of(kind: str, params: dict[str, Any]) -> str:
    found = _KINDS.get(kind)
    return _fill(found.title, params) if found else kind


def body_of(kind: str, params: dict[str, Any]) -> str:
    found = _KINDS.get(kind)
    return _fill(found.body, params) if found and str(found.body) else ""
