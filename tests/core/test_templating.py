"""Template calls and translations: the faster paths give what Jinja and Flask-Babel give."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale
from jinja2 import Environment, pass_context, pass_environment, pass_eval_context
from jinja2.runtime import Context

from lms.jinja_context import LMSContext, install_context


def _render(app: Flask, source: str, **values) -> str:
    return app.jinja_env.from_string(source).render(**values)


def test_the_same_template_string_follows_the_language_of_each_render(app, app_ctx):
    source = '{{ _("Beranda") }} · {{ _("Keluar") }}'
    assert _render(app, source) == "Beranda · Keluar"
    with force_locale("en"):
        assert _render(app, source) == "Home · Log out"
    assert _render(app, source) == "Beranda · Keluar"  # kept per language, not shared


def test_translated_text_escapes_its_variables_but_not_itself(app, app_ctx):
    html = _render(app, '{{ _("Halo %(name)s", name=who) }}|{{ _("100%%") }}', who="<b>Ani</b>")
    assert html == "Halo &lt;b&gt;Ani&lt;/b&gt;|100%"
    # Outside autoescape (plain-text e-mails) nothing is escaped.
    plain = app.jinja_env.from_string(
        '{% autoescape false %}{{ _("A & %(x)s", x="<b>") }}{% endautoescape %}'
    )
    assert plain.render() == "A & <b>"


def test_calls_from_templates_pass_what_jinja_passes(app, app_ctx):
    @pass_context
    def seen(context, name):
        return context.get(name)

    @pass_environment
    def env_of(environment):
        return environment is app.jinja_env

    @pass_eval_context
    def escaping(eval_ctx):
        return eval_ctx.autoescape

    def stops():
        raise StopIteration

    class Callable:
        def __call__(self, x):
            return x * 2

    source = (
        "{% for n in [1, 2] %}{% set m = n * 10 %}{{ seen('m') }},{% endfor %}"
        "{{ env_of() }}|{{ escaping() }}|{{ plain(3, y=4) }}|[{{ stops() }}]|{{ doubled(21) }}"
    )
    html = _render(
        app,
        source,
        seen=seen,
        env_of=env_of,
        escaping=escaping,
        plain=lambda x, y: x + y,
        stops=stops,
        doubled=Callable(),
    )
    assert html == "10,20,True|True|7|[]|42"


def test_a_host_keeps_its_own_context_class():
    class HostContext(Context):
        pass

    host = Flask("host")
    host.jinja_env.context_class = HostContext
    install_context(host)
    assert host.jinja_env.context_class is HostContext
    plain = Flask("plain")
    install_context(plain)
    assert plain.jinja_env.context_class is LMSContext
    # Same output as Jinja's own context for a template with loops, macros and calls.
    source = "{% macro m(x) %}<{{ x }}>{% endmacro %}{% for i in r %}{{ m(f(i)) }}{% endfor %}"
    values = {"r": range(3), "f": lambda i: i * i}
    ours, theirs = Environment(autoescape=True), Environment(autoescape=True)
    ours.context_class = LMSContext
    assert ours.from_string(source).render(values) == theirs.from_string(source).render(values)
