"""Region fixtures: a region with offices, and people holding roles in it."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from lms.regions.models import Office, Region, RegionMembership

_seq = itertools.count(1)


@pytest.fixture
def make_region(db: Any) -> Callable[..., Region]:
    """``make_region(offices=[("Dinas Kesehatan", "Dinkes"), ...], code=...)``."""

    def make(*, offices: list[tuple[str, str]] = (), **data: Any) -> Region:  # type: ignore[assignment]
        n = next(_seq)
        values: dict[str, Any] = {
            "code": f"79{n:02d}",
            "name": f"Kabupaten Uji {n}",
            "kind": "kabupaten",
            "province": "Sulawesi Selatan",
            "timezone": "Asia/Makassar",
            "agency_name": f"Bappelitbangda Kabupaten Uji {n}",
        }
        values.update(data)
        region = Region(**values)
        db.session.add(region)
        for name, acronym in offices:
            db.session.add(Office(region=region, name=name, acronym=acronym, kind="dinas"))
        db.session.commit()
        return region

    return make


@pytest.fixture
def give_role(db: Any) -> Callable[..., RegionMembership]:
    def give(
        region: Region, user: Any, role: str, office: Office | None = None
    ) -> RegionMembership:
        membership = RegionMembership(region=region, user=user, role=role, office=office)
        db.session.add(membership)
        db.session.commit()
        return membership

    return give
