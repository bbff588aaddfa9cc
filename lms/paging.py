"""Pages of a long list (the grade book, a trainer's queue, a region's innovations and clinic
cases, notifications, the public catalogue): ``?page=`` picks one, counted from 1. A page
number past the end shows the last page (after releasing grades from a filtered page, the page
one returns to may have emptied); anything that is not a number shows the first.

A list query counts its rows and reads one page with :func:`page_for` and :meth:`Page.window`;
the page links are ``templates/core/_pager.html``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa

from lms.extensions import db

#: Rows per page unless a list says otherwise (the grade book, a trainer's queue).
PER_PAGE = 50

T = TypeVar("T")


def requested(raw: str | None) -> int:
    """The page asked for in ``?page=`` (1 for none or nonsense)."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):  # "²" and "٣" are digits too
        return 1
    return max(1, int(raw))


@dataclass(frozen=True, slots=True)
class Page:
    """Page ``number`` (from 1, within range) of ``total`` rows, ``per_page`` to a page."""

    number: int
    per_page: int
    total: int

    @classmethod
    def of(cls, wanted: int, total: int, per_page: int | None = None) -> Page:
        """Page ``wanted`` of ``total`` rows, moved into range (past the end: the last)."""
        per_page = max(1, per_page or PER_PAGE)
        last = max(1, -(-total // per_page))
        return cls(min(max(1, wanted), last), per_page, total)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def first(self) -> int:
        """Position (from 1) of the page's first row over all pages."""
        return self.offset + 1

    @property
    def last(self) -> int:
        """Position of the page's last row."""
        return min(self.total, self.offset + self.per_page)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None

    def window(self, stmt: Any) -> Any:
        """``stmt`` (ordered) limited to this page's rows."""
        return stmt.offset(self.offset).limit(self.per_page)

    def rows_of(self, rows: Sequence[T]) -> Sequence[T]:
        """This page's part of rows already in memory."""
        return rows[self.offset : self.offset + self.per_page]

    def links(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and ``around`` either side of this one;
        None where numbers are left out ("1 … 4 5 6 … 11")."""
        shown = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        result: list[int | None] = []
        previous = 0
        for n in sorted(n for n in shown if 1 <= n <= self.pages):
            if previous and n - previous > 1:
                result.append(None)
            result.append(n)
            previous = n
        return result


def page_for(stmt: Any, wanted: int, per_page: int | None, counted: Any) -> Page:
    """Page ``wanted`` of the rows ``stmt`` selects (one COUNT of ``counted``, the statement's
    own joins and filters kept); read them with ``page.window(stmt.order_by(...))``."""
    total = db.session.scalar(stmt.with_only_columns(sa.func.count(counted)).order_by(None))
    return Page.of(wanted, total or 0, per_page)
