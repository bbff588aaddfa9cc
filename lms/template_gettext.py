"""Translations for templates, looked up once per request and language.

Flask-Babel's template ``_()`` finds the request's translations afresh on every call (three
lookups of its context on ``g``, the locale turned into a string, a dictionary key), and
Jinja's ``_`` goes through three ``Context.call`` hops and a ``%`` format each time: a
noticeable share of a small page's time, 25 to 60 times a page. The callables installed here
keep the translations found on the request's Babel context with the locale and domain they
were found for, and look again whenever either changes (``force_locale``, ``refresh``), so
every string is the one Flask-Babel itself would give; a string without variables is
translated and formatted once per catalogue and kept there.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import get_translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

#: At most this many strings without variables are kept per catalogue (``_(job.message)``
#: takes data, so the set of strings is not only the templates').
_KEPT_STRINGS = 5000


def request_translations() -> Any:
    """The translations of the current request's locale and domain (Flask-Babel's own)."""
    try:
        context = g._flask_babel
    except (AttributeError, RuntimeError):  # not looked up yet, or no app context
        return get_translations()
    locale = getattr(context, "babel_locale", None)
    domain = getattr(context, "babel_domain", None)
    kept = getattr(context, "lms_translations", None)
    if kept is not None and locale is not None and kept[0] is locale and kept[1] is domain:
        return kept[2]
    translations = get_translations()  # chooses the locale (and domain) when not chosen yet
    context.lms_translations = (
        getattr(context, "babel_locale", None),
        getattr(context, "babel_domain", None),
        translations,
    )
    return translations


@pass_eval_context  # not the whole context: Jinja would copy it for each call in a loop
def template_gettext(__eval_ctx: EvalContext, __string: str, **variables: Any) -> str:
    """Jinja's new-style ``_()`` / ``gettext()``: the translation, marked safe when the
    template escapes, always formatted with ``variables`` (which are escaped)."""
    translations = request_translations()
    autoescape = __eval_ctx.autoescape
    if not variables:
        try:
            kept = translations.lms_formatted
        except AttributeError:
            kept = translations.lms_formatted = {}
        found = kept.get((__string, autoescape))
        if found is not None:
            return found
    text = translations.ugettext(__string)
    if autoescape:
        text = Markup(text)
    text = text % variables
    if not variables and len(kept) < _KEPT_STRINGS:
        kept[(__string, autoescape)] = text
    return text


def install_template_gettext(app: Flask) -> None:
    """Replace the template callables Flask-Babel installed (``babel.init_app``)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
    # ``_`` is Jinja's alias that resolves ``gettext`` at each call: both become the one above.
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)
