"""Lazy translated strings that stay text in templates.

Flask-Babel's lazy strings tell Jinja and WTForms they are already safe HTML (``__html__``
returns the string as is), so ``_l("… %(name)s …", name=user_text)`` would put a person's
text into the page unescaped. These are escaped like any other text.
"""

from __future__ import annotations

from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

from lms.i18n import gettext, ngettext

__all__ = ["lazy_gettext", "lazy_ngettext"]


class TextLazyString(LazyString):
    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables: object) -> TextLazyString:
    return TextLazyString(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables: object) -> TextLazyString:
    return TextLazyString(ngettext, singular, plural, num, **variables)
