"""Rows of long tables rendered once and kept, by everything they show.

A row of the grading queue or the grade book costs more to render in Jinja than its whole
share of the SQL, and a trainer reloads the same page after each marking with most rows
unchanged. A row here is a Jinja macro whose arguments are every value it shows (the
participant's name, the bucket, the words in the reader's language, the URL pattern…): the
HTML is a pure function of them, so it is kept per app in an LRU under exactly those
arguments and no change anywhere needs to invalidate it: a changed value is a new key.

Only hashable, plain values may be passed, and the macro may use nothing else (no ``_()``,
``request`` or ``url_for``), so that the key stays the whole input. The one exception: a
key that holds the locale and the request's script root, all that ``_()`` and ``url_for``
depend on, lets its macro use them (the class menu, lms.cohorts.nav). A key may also be raw
values (an SQL record, the page's words) that a ``prepare`` function of the key alone turns
into the macro's arguments: then a kept row costs a lookup, not even their formatting.

``LMS_FRAGMENT_CACHE`` sets how many rows an app keeps per macro (0: none; debug and
template auto-reload keep none either, so that an edited macro shows at once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from flask import current_app
from markupsafe import Markup

_STORE = "lms.fragments"


def _renderer(
    template: str, macro: str, prepare: Callable[[tuple], tuple] | None
) -> Callable[[tuple], Markup]:
    app = current_app._get_current_object()
    store = app.extensions.setdefault(_STORE, {})
    render = store.get((template, macro, prepare))
    if render is None:
        env = app.jinja_env

        def render_one(key: tuple) -> Markup:
            arguments = key if prepare is None else prepare(key)
            return getattr(env.get_template(template).module, macro)(*arguments)

        size = app.config.get("LMS_FRAGMENT_CACHE", 0)
        if size > 0 and not app.debug and not app.config.get("TEMPLATES_AUTO_RELOAD"):
            render = lru_cache(maxsize=size)(render_one)
        else:
            render = render_one
        store[(template, macro, prepare)] = render
    return render


def rows(
    template: str,
    macro: str,
    keys: Iterable[tuple],
    prepare: Callable[[tuple], tuple] | None = None,
) -> Markup:
    """The rows ``macro`` of ``template`` renders for each of ``keys``, joined: a key is the
    macro's arguments, or what ``prepare`` (a module-level function of the key alone, run
    only for a row not kept) turns into them."""
    render = _renderer(template, macro, prepare)
    # Each piece is Markup from an autoescaped macro: joined as is, not escaped again.
    return Markup("".join(map(render, keys)))


def clear() -> None:
    """Forget every kept row of the current app (tests; a template edited in place)."""
    for render in current_app.extensions.get(_STORE, {}).values():
        if hasattr(render, "cache_clear"):
            render.cache_clear()
