"""Fixtures of the API tests: tokens, a Bearer client, and two classes with their people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from lms.api import operations
from lms.api.permissions import SCOPES
from lms.extensions import db as _db

ALL_SCOPES = tuple(SCOPES)


@pytest.fixture
def make_token(db: Any) -> Callable[..., str]:
    """``make_token(user, scopes=("read:classes",), days=90)`` -> the secret."""

    def make(user: Any, scopes: tuple[str, ...] = ALL_SCOPES, days: int = 90) -> str:
        made = operations.create_token(user, name="Uji", scopes=scopes, days=days)
        _db.session.commit()
        return made.secret

    return make


class Api:
    """Requests as a program sends them: JSON accepted, a Bearer token when given."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def headers(self, token: str | None, lang: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if lang:
            headers["Accept-Language"] = lang
        return headers

    def get(self, path: str, token: str | None = None, lang: str | None = None, **kw: Any):
        return self.client.get("/api/v1" + path, headers=self.headers(token, lang), **kw)

    def post(
        self, path: str, body: Any, token: str | None = None, lang: str | None = None, **kw: Any
    ):
        return self.client.post(
            "/api/v1" + path, json=body, headers=self.headers(token, lang), **kw
        )


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


@dataclass
class Classes:
    cohort: Any
    other_cohort: Any
    participant: Any
    trainer: Any
    organizer: Any
    other_participant: Any
    other_organizer: Any
    meeting: Any


@pytest.fixture
def classes(make_user, make_cohort, make_meeting) -> Classes:
    """Class A (a participant, a trainer, an organizer) with a meeting under way, and class B
    with its own participant and organizer."""
    people = {
        name: make_user(full_name=full)
        for name, full in (
            ("participant", "Peserta Satu"),
            ("trainer", "Widyaiswara Satu"),
            ("organizer", "Panitia Satu"),
            ("other_participant", "Peserta Lain"),
            ("other_organizer", "Panitia Lain"),
        )
    }
    cohort = make_cohort(
        participants=[people["participant"]],
        trainers=[people["trainer"]],
        organizers=[people["organizer"]],
    )
    other = make_cohort(
        participants=[people["other_participant"]], organizers=[people["other_organizer"]]
    )
    return Classes(cohort=cohort, other_cohort=other, meeting=make_meeting(cohort), **people)
