"""Rotating check-in codes: HMAC of a per-meeting secret and the 30-second time step."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

STEP_SECONDS = 30
#: No 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B: nothing to confuse on a projector or a phone.
ALPHABET = "ACDEFHJKMNPQRTUVWXY3479"
LENGTH = 6


def time_step(when: datetime | None = None) -> int:
    when = when or datetime.now(UTC)
    return int(when.timestamp()) // STEP_SECONDS


def code_for(secret: str, step: int) -> str:
    digest = hmac.new(secret.encode(), str(step).encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def current_code(secret: str, when: datetime | None = None) -> str:
    return code_for(secret, time_step(when))


def normalize(code: str) -> str:
    """What a person typed: spaces and case do not matter."""
    return "".join((code or "").split()).upper()


def matches(secret: str, code: str, when: datetime | None = None) -> bool:
    """The code of this step or of the previous one (it may have just changed)."""
    code = normalize(code)
    # compare_digest refuses non-ASCII text (TypeError): such a code can never match anyway.
    if len(code) != LENGTH or not code.isascii():
        return False
    step = time_step(when)
    return any(hmac.compare_digest(code_for(secret, s), code) for s in (step, step - 1))


def seconds_left(when: datetime | None = None) -> int:
    when = when or datetime.now(UTC)
    return STEP_SECONDS - int(when.timestamp()) % STEP_SECONDS
