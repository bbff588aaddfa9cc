"""A real SMTP server (aiosmtpd) on a free local port, and the app's LMS_SMTP_* pointed at it."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.clinic.conftest import clinic, make_case  # noqa: F401  (shared fixtures)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    received: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(
            (
                list(envelope.rcpt_tos),
                email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.received if address in rcpt]


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def mail_settings(app: Any, monkeypatch: pytest.MonkeyPatch, smtp_port: int) -> int:
    """LMS_SMTP_* for a plain local server (no TLS, no login) on ``smtp_port``."""
    for key, value in {
        "LMS_SMTP_HOST": "127.0.0.1",
        "LMS_SMTP_PORT": smtp_port,
        "LMS_SMTP_TLS": "none",
        "LMS_SMTP_FROM": "Klinik Inovasi <klinik@example.org>",
        "LMS_SMTP_TIMEOUT": 5,
        "LMS_PUBLIC_URL": "https://lms.example.go.id",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return smtp_port


@pytest.fixture
def smtp_server(mail_settings: int) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=mail_settings)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
