"""Reads of the region pages: lists, a person's roles, free-text offices, the import plan."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager

from lms.accounts.models import User
from lms.accounts.queries import loaded_with
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.i18n import gettext as _
from lms.regions.importing import OfficeRow, guess_kind
from lms.regions.matching import Suggestion, suggest, text_key
from lms.regions.models import Office, Region, RegionMembership
from lms.tabular import Problem

# --- regions and offices ------------------------------------------------------------------


def regions_with_counts() -> list[tuple[Region, int, int]]:
    """Every region with its number of offices and of coordinators (one query)."""
    offices = (
        db.select(db.func.count(Office.id)).where(Office.region_id == Region.id).scalar_subquery()
    )
    coordinators = (
        db.select(db.func.count(RegionMembership.id))
        .where(RegionMembership.region_id == Region.id, RegionMembership.role == "coordinator")
        .scalar_subquery()
    )
    parent = aliased(Region)
    rows = db.session.execute(
        db.select(Region, offices, coordinators)
        .outerjoin(parent, Region.parent)
        .options(contains_eager(Region.parent, alias=parent))
        .order_by(Region.name)
    )
    return [(region, n_offices, n_coordinators) for region, n_offices, n_coordinators in rows]


def region_by_code(code: str) -> Region | None:
    return db.session.scalar(db.select(Region).filter_by(code=code))


def offices(region: Region) -> list[Office]:
    """The region's offices, active first, by name, with their parents (one query)."""
    parent = aliased(Office)
    return list(
        db.session.scalars(
            db.select(Office)
            .filter_by(region_id=region.id)
            .outerjoin(parent, Office.parent)
            .options(contains_eager(Office.parent, alias=parent))
            .order_by(Office.active.desc(), Office.name)
        )
    )


def office_in(region: Region, office_id: int) -> Office | None:
    office = db.session.get(Office, office_id)
    return office if office is not None and office.region_id == region.id else None


def office_counts(region: Region) -> dict[bool, int]:
    """Active (True) and inactive (False) offices of the region."""
    return dict(
        db.session.execute(
            db.select(Office.active, db.func.count())
            .filter_by(region_id=region.id)
            .group_by(Office.active)
        ).all()
    )


def region_cohorts(region: Region) -> list[Cohort]:
    return list(
        db.session.scalars(
            db.select(Cohort).filter_by(region_id=region.id).order_by(Cohort.start_date.desc())
        )
    )


def child_regions(region: Region) -> list[Region]:
    return list(db.session.scalars(db.select(Region).filter_by(parent_id=region.id)))


# --- people and roles ---------------------------------------------------------------------


def memberships(region: Region) -> list[RegionMembership]:
    """The region's roles with their people and offices, by role then name (one query)."""
    return list(
        db.session.scalars(
            db.select(RegionMembership)
            .filter_by(region_id=region.id)
            .join(RegionMembership.user)
            .outerjoin(RegionMembership.office)
            .options(contains_eager(RegionMembership.user), contains_eager(RegionMembership.office))
            .order_by(RegionMembership.role, User.full_name)
        )
    )


def role_counts(region: Region) -> dict[str, int]:
    return dict(
        db.session.execute(
            db.select(RegionMembership.role, db.func.count())
            .filter_by(region_id=region.id)
            .group_by(RegionMembership.role)
        ).all()
    )


def membership_in(region: Region, membership_id: int) -> RegionMembership | None:
    membership = db.session.get(RegionMembership, membership_id)
    if membership is None or membership.region_id != region.id:
        return None
    return membership


@functools.cache
def _roles_statement() -> Any:
    # Built once per process with a bound :user_id (the dashboard runs it on every visit).
    return (
        db.select(RegionMembership)
        .where(RegionMembership.user_id == sa.bindparam("user_id"))
        .join(RegionMembership.region)
        .outerjoin(RegionMembership.office)
        .options(contains_eager(RegionMembership.region), contains_eager(RegionMembership.office))
        .order_by(Region.name, RegionMembership.role)
    )


def has_roles(user_id: Any) -> Any:
    """Whether ``user_id`` (a column or a bound parameter) holds any region role, as an
    EXISTS the user loader selects with the account (lms.accounts.queries.signed_in)."""
    return sa.exists().where(RegionMembership.user_id == user_id)


def roles_of(user: Any) -> list[RegionMembership]:
    """A person's roles in every region, with the region and the office (one query; none
    when the user loader found that there are no roles)."""
    if not getattr(user, "is_authenticated", False) or loaded_with(user, "in_regions") is False:
        return []
    return list(db.session.scalars(_roles_statement(), {"user_id": user.id}))


# --- free-text offices ----------------------------------------------------------------------


def people_of(region: Region):
    """The ids of the region's people: members of its classes and holders of its roles."""
    in_classes = (
        db.select(Membership.user_id)
        .join(Cohort, Cohort.id == Membership.cohort_id)
        .where(Cohort.region_id == region.id)
    )
    with_roles = db.select(RegionMembership.user_id).where(RegionMembership.region_id == region.id)
    return in_classes.union(with_roles)


@dataclass
class OfficeText:
    """One free-text office as the region's people wrote it, however spelled."""

    key: str
    #: The spellings found, most common first.
    spellings: list[str]
    people: int
    #: office id -> how many of these people are linked to it already.
    linked: dict[int, int]
    suggestion: Suggestion | None

    @property
    def text(self) -> str:
        return self.spellings[0]

    @property
    def unlinked(self) -> int:
        return self.people - sum(self.linked.values())

    @property
    def current(self) -> int | None:
        """The office everyone with this text is linked to, if it is one office."""
        if self.unlinked or len(self.linked) != 1:
            return None
        return next(iter(self.linked))

    @property
    def preselected(self) -> int | None:
        if self.current is not None:
            return self.current
        return self.suggestion.office_id if self.suggestion else None


def office_texts(region: Region, offices_: list[Office] | None = None) -> list[OfficeText]:
    """Every distinct free-text office of the region's people with a suggested office; texts
    with people not linked yet come first."""
    rows = db.session.execute(
        db.select(User.office, User.office_id, db.func.count())
        .where(User.id.in_(people_of(region)), User.office != "")
        .group_by(User.office, User.office_id)
    ).all()
    spellings: dict[str, Counter[str]] = {}
    linked: dict[str, Counter[int]] = {}
    for text, office_id, count in rows:
        key = text_key(text)
        if not key:
            continue
        spellings.setdefault(key, Counter())[text.strip()] += count
        linked.setdefault(key, Counter())
        if office_id is not None:
            linked[key][office_id] += count
    active = [o for o in (offices_ if offices_ is not None else offices(region)) if o.active]
    texts = [
        OfficeText(
            key=key,
            spellings=[text for text, _n in counts.most_common()],
            people=sum(counts.values()),
            linked=dict(linked[key]),
            suggestion=suggest(counts.most_common(1)[0][0], active),
        )
        for key, counts in spellings.items()
    ]
    return sorted(texts, key=lambda t: (t.unlinked == 0, t.key))


def people_with_text(region: Region, key: str) -> list[tuple[int, int | None]]:
    """(user id, office id) of the region's people whose free-text office has ``key``."""
    rows = db.session.execute(
        db.select(User.id, User.office, User.office_id).where(
            User.id.in_(people_of(region)), User.office != ""
        )
    )
    return [(id_, office_id) for id_, text, office_id in rows if text_key(text) == key]


# --- the office import ----------------------------------------------------------------------

Node = tuple[str, int]  # ("o", office id) for a stored office, ("r", row number) for a new one


@dataclass
class PlannedOffice:
    """What confirming the import does with one row."""

    row: OfficeRow
    #: The stored office of the same name (case and spaces aside), None for a new one.
    office: Office | None
    node: Node
    kind: str
    parent_node: Node | None = None
    #: Columns whose value changes on a stored office.
    changes: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.office is None:
            return "new"
        return "changed" if self.changes else "unchanged"


@dataclass
class ImportPlan:
    items: list[PlannedOffice]
    #: Every office's name by node, stored or new (for messages).
    names: dict[Node, str]

    @property
    def by_row(self) -> dict[int, PlannedOffice]:
        return {item.row.row: item for item in self.items}


def plan_import(region: Region, rows: list[OfficeRow]) -> ImportPlan:
    """Match each row with a stored office by name and add the problems only the stored
    offices reveal: an acronym already used, a parent that is not found, a loop of parents."""
    stored = list(db.session.scalars(db.select(Office).filter_by(region_id=region.id)))
    by_name = {text_key(o.name): o for o in stored}
    names: dict[Node, str] = {("o", o.id): o.name for o in stored}
    acronyms: dict[Node, str] = {("o", o.id): o.acronym for o in stored}
    parents: dict[Node, Node | None] = {
        ("o", o.id): ("o", o.parent_id) if o.parent_id else None for o in stored
    }
    items: list[PlannedOffice] = []
    for row in rows:
        if not row.name or any(p.column == "name" for p in row.problems):
            continue
        office = by_name.get(text_key(row.name))
        node: Node = ("o", office.id) if office else ("r", row.row)
        names[node] = row.name
        if row.acronym or office is None:
            acronyms[node] = row.acronym
        parents.setdefault(node, None)
        kind = row.kind or (office.kind if office else guess_kind(row.name))
        items.append(PlannedOffice(row=row, office=office, node=node, kind=kind))

    def problem(item: PlannedOffice, column: str, message: str) -> None:
        item.row.problems.append(Problem(row=item.row.row, column=column, message=message))

    by_acronym: dict[str, list[Node]] = {}
    for node, acronym in acronyms.items():
        if acronym:
            by_acronym.setdefault(text_key(acronym), []).append(node)
    for item in items:
        if not item.row.acronym:
            continue
        others = [n for n in by_acronym[text_key(item.row.acronym)] if n != item.node]
        if not others:
            continue
        other = others[0]
        if other[0] == "r":
            message = _(
                "Singkatan %(acronym)s sama dengan baris %(row)d.",
                acronym=item.row.acronym,
                row=other[1],
            )
        else:
            message = _(
                "Singkatan %(acronym)s sudah dipakai %(name)s.",
                acronym=item.row.acronym,
                name=names[other],
            )
        problem(item, "acronym", message)

    name_index = {text_key(name): node for node, name in names.items()}
    for item in items:
        if not item.row.parent:
            continue
        key = text_key(item.row.parent)
        target = name_index.get(key)
        if target is None and len(found := by_acronym.get(key, [])) == 1:
            target = found[0]
        if target is None:
            problem(
                item,
                "parent",
                _(
                    "Induk tidak ditemukan: %(value)s. Tulis nama atau singkatan perangkat "
                    "daerah yang ada di berkas ini atau sudah terdaftar.",
                    value=item.row.parent[:60],
                ),
            )
        elif target == item.node:
            if not any(p.column == "parent" for p in item.row.problems):
                problem(item, "parent", _("Perangkat daerah tidak dapat menjadi induknya sendiri."))
        else:
            item.parent_node = parents[item.node] = target

    for item in items:
        if item.parent_node is None:
            continue
        chain, current = [item.node], item.parent_node
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        if current == item.node:
            loop = " → ".join(names[n] for n in [*chain, item.node])
            problem(item, "parent", _("Induk membentuk lingkaran: %(loop)s.", loop=loop))

    for item in items:
        office = item.office
        if office is None:
            continue
        if office.name != item.row.name:
            item.changes.append("name")
        if item.row.acronym and item.row.acronym != office.acronym:
            item.changes.append("acronym")
        if item.kind != office.kind:
            item.changes.append("kind")
        if item.parent_node is not None and item.parent_node != parents_before(office):
            item.changes.append("parent")
    return ImportPlan(items=items, names=names)


def parents_before(office: Office) -> Node | None:
    return ("o", office.parent_id) if office.parent_id else None
