"""Translated labels and messages that carry a person's text never turn it into HTML."""

from __future__ import annotations

from flask import render_template_string
from wtforms import Label

from lms.lazytext import lazy_gettext as _l


def test_a_lazy_label_with_user_text_is_escaped_in_templates_and_forms(app_ctx):
    hostile = '<img src=x onerror="alert(1)">'
    message = _l("Komentar untuk %(c)s", c=hostile)
    page = render_template_string("<p>{{ m }}</p>", m=message)
    assert "<img" not in page and "&lt;img" in page
    label = Label("c", message)()
    assert "<img" not in label and "&lt;img" in label
    assert str(message) == f"Komentar untuk {hostile}"  # as text it is unchanged


def test_no_module_uses_flask_babels_lazy_strings_directly():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "lms"
    direct = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "flask_babel import lazy_gettext" in path.read_text(encoding="utf-8")
    ]
    assert not direct, f"use lms.lazytext.lazy_gettext (escaped in templates): {direct}"
