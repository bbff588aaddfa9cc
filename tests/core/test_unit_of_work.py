"""The unit of work: one commit after the view, nothing half-written, one conflict message."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask, flash, redirect, render_template_string
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import StringField

import lms
from lms.cohorts.models import Cohort
from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.forms import show_problem
from lms.unit_of_work import drawn_after_commit, on_commit, unit_of_work

sent: list[str] = []


class NameForm(FlaskForm):
    name = StringField("Nama")


def _page(problem=None, **_):
    form = NameForm()
    show_problem(problem, form)
    return render_template_string(
        "{% for m in get_flashed_messages() %}<p class=flash>{{ m }}</p>{% endfor %}"
        "<input name=name value='{{ form.name.data or '' }}'>"
        "{% for e in form.name.errors %}<p class=error>{{ e }}</p>{% endfor %}",
        form=form,
    )


def _add(code: str) -> None:
    db.session.add(
        Cohort(code=code, name=code, start_date=date(2023, 9, 5), end_date=date(2023, 9, 5))
    )
    db.session.flush()


@pytest.fixture
def app(empty_database_url, tmp_path):
    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = empty_database_url
    config.LMS_UPLOAD_DIR = str(tmp_path)
    config.WTF_CSRF_ENABLED = False
    app = lms.create_app(config)

    @app.post("/ok")
    @unit_of_work(render=_page)
    def ok():
        _add("KIT-OK")
        on_commit(lambda: sent.append("after commit"))
        return redirect("/done")

    @app.post("/refused")
    @unit_of_work(render=_page)
    def refused():
        _add("KIT-REFUSED")
        on_commit(lambda: sent.append("never"))
        raise DomainError("Nama sudah dipakai.", field="name")

    @app.post("/stale")
    @unit_of_work(render=_page)
    def stale():
        _add("KIT-STALE")
        raise StaleDataError("UPDATE matched 0 rows")

    @app.post("/invalid")
    @unit_of_work(render=_page)
    def invalid():
        _add("KIT-INVALID")
        return _page(), 400

    @app.post("/back")
    @unit_of_work(back=lambda **_: "/list")
    def back():
        _add("KIT-BACK")
        raise Conflict()

    @app.post("/broken")
    @unit_of_work
    def broken():
        _add("KIT-BROKEN")
        raise RuntimeError("a bug")

    @app.post("/duplicate")
    @unit_of_work(render=_page)
    def duplicate():
        _add("KIT-OK")  # the unique code: a concurrent request's row
        return "saved"

    @app.post("/drawn-after")
    @unit_of_work(render=_page)
    def drawn_after():
        _add("KIT-DRAWN")
        cohort = db.session.scalar(db.select(Cohort).filter_by(code="KIT-DRAWN"))
        on_commit(lambda: sent.append("after commit"))

        def page():
            # Committed by now, and read from the object as committed: no statement.
            sent.append(f"drawn, in a transaction: {db.session().in_transaction()}")
            html = f"<p>{cohort.name} tersimpan</p>"
            sent.append(f"in a transaction after drawing: {db.session().in_transaction()}")
            return html

        return drawn_after_commit(page)

    @app.get("/flashes")
    def flashes():
        flash("x")
        return "ok"

    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _codes(app: Flask) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(db.select(Cohort.code)))


def test_success_commits_once_then_runs_after_commit_callbacks(app):
    sent.clear()
    response = app.test_client().post("/ok")
    assert response.status_code == 302
    assert _codes(app) == {"KIT-OK"}
    assert sent == ["after commit"]


def test_a_page_drawn_after_the_commit_shows_what_was_committed_without_reading_again(app):
    sent.clear()
    response = app.test_client().post("/drawn-after")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "<p>KIT-DRAWN tersimpan</p>"
    # Drawn after the commit and its callbacks, and reading the cohort began no transaction.
    assert sent == [
        "after commit",
        "drawn, in a transaction: False",
        "in a transaction after drawing: False",
    ]
    assert _codes(app) == {"KIT-DRAWN"}


def test_a_refused_action_writes_nothing_and_shows_the_message_beside_the_field(app):
    sent.clear()
    response = app.test_client().post("/refused", data={"name": "Kelas Saya"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<p class=error>Nama sudah dipakai.</p>" in html
    assert "value='Kelas Saya'" in html  # what was typed is kept
    assert _codes(app) == set()
    assert sent == []


def test_a_stale_row_is_the_one_conflict_message_with_the_input_kept(app):
    response = app.test_client().post("/stale", data={"name": "Ketikan saya"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "baru saja diubah orang lain" in html
    assert "value='Ketikan saya'" in html
    assert _codes(app) == set()


def test_a_unique_row_written_meanwhile_is_a_conflict_not_a_500(app):
    client = app.test_client()
    client.post("/ok")
    response = client.post("/duplicate")
    assert response.status_code == 409
    assert "baru saja diubah orang lain" in response.get_data(as_text=True)
    assert _codes(app) == {"KIT-OK"}


def test_an_error_response_rolls_back(app):
    assert app.test_client().post("/invalid").status_code == 400
    assert _codes(app) == set()


def test_without_a_page_the_message_is_flashed_on_the_way_back(app):
    client = app.test_client()
    response = client.post("/back")
    assert response.status_code == 302
    assert response.headers["Location"] == "/list"
    with client.session_transaction() as session:
        assert any("baru saja diubah" in m for _c, m in session["_flashes"])
    assert _codes(app) == set()


def test_a_bug_is_rolled_back_and_raised(app):
    app.testing = False  # the 500 page rather than the exception
    response = app.test_client().post("/broken")
    assert response.status_code == 500
    assert _codes(app) == set()
