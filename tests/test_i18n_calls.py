"""lms.i18n gives the text Flask-Babel gives, wherever a view or a job asks for it."""

from __future__ import annotations

from pathlib import Path

import flask_babel
from flask import Flask

from lms import i18n

SINGULAR, PLURAL = "%(num)d berkas", "%(num)d berkas"


def _both(which: str, /, *args, **variables):
    return getattr(i18n, which)(*args, **variables), getattr(flask_babel, which)(*args, **variables)


def _asked() -> list[tuple[str, ...]]:
    return [
        ("gettext", "Masuk"),
        ("gettext", "Antrean penilaian: %(name)s", {"name": "Ani <b>"}),
        ("ngettext", "(%(num)d belum dibaca)", "(%(num)d belum dibaca)", 1),
        ("ngettext", SINGULAR, PLURAL, 3),
        ("pgettext", "attendance", "Hadir"),
    ]


def _same_everywhere() -> list[str]:
    seen = []
    for name, *args in _asked():
        variables = args.pop() if isinstance(args[-1], dict) else {}
        ours, theirs = _both(name, *args, **variables)
        assert ours == theirs, (name, args, ours, theirs)
        seen.append(ours)
    return seen


def test_the_text_is_flask_babels_in_each_language_and_when_forced(app: Flask):
    with app.test_request_context("/?lang=en"):
        english = _same_everywhere()
        assert i18n.gettext("Masuk") == "Log in"
        with flask_babel.force_locale("id"):
            assert _same_everywhere() != english
            assert i18n.gettext("Masuk") == "Masuk"
            with flask_babel.force_locale("en"):
                assert i18n.gettext("Masuk") == "Log in"
            assert i18n.gettext("Masuk") == "Masuk"
        assert _same_everywhere() == english
    with app.test_request_context("/"):
        assert i18n.gettext("Masuk") == "Masuk"
        _same_everywhere()


def test_a_refreshed_locale_is_followed(app: Flask):
    with app.test_request_context("/?lang=en") as ctx:
        assert i18n.gettext("Masuk") == "Log in"
        ctx.request.args = type(ctx.request.args)({"lang": "id"})
        flask_babel.refresh()
        assert i18n.gettext("Masuk") == flask_babel.gettext("Masuk") == "Masuk"


def test_outside_any_app_the_text_is_the_source_text():
    assert i18n.gettext("Masuk") == "Masuk"
    assert i18n.gettext("Halo %(name)s", name="Ani") == "Halo Ani"
    assert i18n.ngettext(SINGULAR, PLURAL, 2) == "2 berkas"
    assert i18n.pgettext("attendance", "Hadir") == "Hadir"


def test_no_module_calls_flask_babels_own_gettext():
    root = Path(__file__).resolve().parent.parent / "lms"
    direct = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.lstrip().startswith("from flask_babel import")
        and any(name in line for name in ("gettext", "ngettext", "pgettext"))
    ]
    assert not direct, f"use lms.i18n (the request's translations, looked up once): {direct}"
