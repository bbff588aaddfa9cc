"""The errors operations raise for the user: one base for business rules, one for conflicts.

``str(error)`` is the message for the person who clicked, in their language. The unit of work
(``lms.unit_of_work``) turns them into a re-rendered page or a flashed message; views do not
catch them one by one.
"""

from __future__ import annotations

from collections.abc import Mapping

from lms.lazytext import lazy_gettext as _l


class DomainError(ValueError):
    """A business rule refused the action; nothing of it is written.

    ``field`` names the form field the message belongs next to; ``errors`` holds several
    messages by field (a submission with many problems at once).
    """

    status = 400

    def __init__(
        self,
        message: object = "",
        *,
        field: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(str(message or self.default_message()))
        self.field = field
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        if field and not self.errors:
            self.errors = {field: [str(self)]}

    @classmethod
    def default_message(cls) -> str:
        return str(_l("Permintaan ini tidak dapat diproses."))

    @property
    def message(self) -> str:
        return str(self)

    def place(self, form: object) -> str | None:
        """Put the messages next to the form's fields; return what found no field."""
        rest = []
        fields = getattr(form, "_fields", {})
        for key, messages in self.errors.items():
            if key in fields:
                fields[key].errors = [*(fields[key].errors or []), *messages]
            else:
                rest.extend(messages)
        if not self.errors:
            rest.append(str(self))
        return " ".join(rest) or None


class Conflict(DomainError):
    """Someone else changed the same row since the page was loaded (a stale lock version, a
    unique row created by a concurrent request). Nothing is overwritten."""

    status = 409

    @classmethod
    def default_message(cls) -> str:
        return str(
            _l(
                "Data ini baru saja diubah orang lain. Isian Anda belum disimpan; "
                "periksa data terbaru, lalu simpan lagi."
            )
        )


def check_fresh(seen: int | None, current: int) -> None:
    """Raise :class:`Conflict` when the form was shown with another row version (``seen``)
    than the row has now; None (no version sent) checks nothing."""
    if seen is not None and seen != current:
        raise Conflict()
