"""``gettext``, ``ngettext`` and ``pgettext`` for Python code: Flask-Babel's, on the request's
translations as lms.template_gettext finds them.

Flask-Babel's module functions look up the domain, the locale and its translations again on
every call (about 11 µs; a check-in page asks for some 25 strings). These give the same text,
format the same way (``num`` set for ``ngettext``) and follow ``force_locale`` and ``refresh``
as Flask-Babel does, in about 1.5 µs. Outside an app context the text is the source text, as
with Flask-Babel.
"""

from __future__ import annotations

from typing import Any

from lms.template_gettext import request_translations

__all__ = ["gettext", "ngettext", "pgettext"]


def gettext(string: str, **variables: Any) -> str:
    text = request_translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return request_translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables: Any) -> str:
    text = request_translations().upgettext(context, string)
    return text % variables if variables else text
