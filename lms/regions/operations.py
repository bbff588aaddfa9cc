"""Region, office and region-role writes. Each function flushes and audits; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lms import audit
from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.errors import DomainError
from lms.extensions import db
from lms.lazytext import lazy_gettext as _l
from lms.regions import queries
from lms.regions.matching import exact_index, text_key
from lms.regions.models import Office, Region, RegionMembership

REGION_FIELDS = ("code", "name", "kind", "province", "parent_id", "timezone", "agency_name")
OFFICE_FIELDS = ("name", "acronym", "kind", "parent_id")


class RegionError(DomainError):
    """A region, office or region-role rule refused the change."""


def _snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


# --- regions ------------------------------------------------------------------------------


def _check_region(data: dict[str, Any], region: Region | None) -> None:
    other = db.session.scalar(db.select(Region).filter_by(code=data["code"]))
    if other is not None and other is not region:
        raise RegionError(_l("Kode daerah ini sudah dipakai daerah lain."), field="code")
    parent_id = data.get("parent_id")
    if parent_id is None:
        return
    parent = db.session.get(Region, parent_id)
    if parent is None or parent.kind != "provinsi" or parent is region:
        raise RegionError(_l("Pilih provinsi sebagai induk daerah."), field="parent_id")
    if data["kind"] == "provinsi":
        raise RegionError(_l("Provinsi tidak berada di bawah provinsi lain."), field="parent_id")


def create_region(data: dict[str, Any], *, actor: User | None) -> Region:
    _check_region(data, None)
    region = Region(**{f: data[f] for f in REGION_FIELDS if f in data})
    db.session.add(region)
    db.session.flush()
    audit.record("region.create", region, actor=actor, after=_snapshot(region, REGION_FIELDS))
    return region


def update_region(region: Region, data: dict[str, Any], *, actor: User | None) -> Region:
    _check_region(data, region)
    if region.kind == "provinsi" and data["kind"] != "provinsi" and queries.child_regions(region):
        raise RegionError(
            _l("Daerah ini menaungi kabupaten/kota lain, jadi harus tetap provinsi."), field="kind"
        )
    before = _snapshot(region, REGION_FIELDS)
    for f in REGION_FIELDS:
        if f in data:
            setattr(region, f, data[f])
    db.session.flush()
    audit.record_change(
        "region.update", region, before, _snapshot(region, REGION_FIELDS), actor=actor
    )
    return region


# --- offices ------------------------------------------------------------------------------


def _check_office(region: Region, data: dict[str, Any], office: Office | None) -> None:
    stored = [o for o in queries.offices(region) if o is not office]
    if any(text_key(o.name) == text_key(data["name"]) for o in stored):
        raise RegionError(_l("Nama ini sudah dipakai perangkat daerah lain."), field="name")
    acronym = text_key(data.get("acronym"))
    clash = next((o for o in stored if acronym and text_key(o.acronym) == acronym), None)
    if clash is not None:
        raise RegionError(
            str(_l("Singkatan ini sudah dipakai %(name)s.", name=clash.name)), field="acronym"
        )
    parent_id = data.get("parent_id")
    if parent_id is None:
        return
    by_id = {o.id: o for o in stored}
    parent = by_id.get(parent_id)
    if parent is None:
        raise RegionError(_l("Pilih induk dari perangkat daerah daerah ini."), field="parent_id")
    seen = set()
    while parent is not None and parent.id not in seen:
        if office is not None and parent.parent_id == office.id:
            raise RegionError(
                _l("Induk ini berada di bawah perangkat daerah ini sendiri; pilih yang lain."),
                field="parent_id",
            )
        seen.add(parent.id)
        parent = by_id.get(parent.parent_id)


def create_office(region: Region, data: dict[str, Any], *, actor: User | None) -> Office:
    _check_office(region, data, None)
    office = Office(region=region, **{f: data[f] for f in OFFICE_FIELDS if f in data})
    db.session.add(office)
    db.session.flush()
    audit.record("office.create", office, actor=actor, after=_snapshot(office, OFFICE_FIELDS))
    return office


def update_office(office: Office, data: dict[str, Any], *, actor: User | None) -> Office:
    _check_office(office.region, data, office)
    before = _snapshot(office, OFFICE_FIELDS)
    for f in OFFICE_FIELDS:
        if f in data:
            setattr(office, f, data[f])
    db.session.flush()
    audit.record_change(
        "office.update", office, before, _snapshot(office, OFFICE_FIELDS), actor=actor
    )
    return office


def set_office_active(office: Office, active: bool, *, actor: User | None) -> None:
    if office.active == active:
        return
    office.active = active
    db.session.flush()
    audit.record(
        "office.activate" if active else "office.deactivate",
        office,
        actor=actor,
        before={"active": not active},
        after={"active": active},
    )


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int


def import_offices(plan: queries.ImportPlan, region: Region, *, actor: User | None) -> ImportResult:
    """Create or update every planned office, or none (the caller's unit of work rolls back)."""
    created: dict[queries.Node, Office] = {}
    for item in plan.items:
        if item.office is None:
            office = Office(
                region=region, name=item.row.name, acronym=item.row.acronym, kind=item.kind
            )
            db.session.add(office)
            created[item.node] = office
    db.session.flush()

    def office_of(node: queries.Node) -> Office:
        return created[node] if node[0] == "r" else db.session.get(Office, node[1])

    changed = [i for i in plan.items if i.outcome == "changed"]
    before = {i.node: _snapshot(i.office, OFFICE_FIELDS) for i in changed}
    # Acronyms may move between offices in one file: free them first (the unique index).
    for item in changed:
        if "acronym" in item.changes:
            item.office.acronym = ""
    db.session.flush()
    for item in plan.items:
        office = office_of(item.node)
        if item.office is not None:
            office.name = item.row.name
            office.acronym = item.row.acronym or before.get(item.node, {}).get(
                "acronym", office.acronym
            )
            office.kind = item.kind
        if item.parent_node is not None:
            office.parent = office_of(item.parent_node)
    db.session.flush()
    for item in plan.items:
        office = office_of(item.node)
        if item.office is None:
            audit.record(
                "office.create", office, actor=actor, after=_snapshot(office, OFFICE_FIELDS)
            )
        elif item.node in before:
            audit.record_change(
                "office.update",
                office,
                before[item.node],
                _snapshot(office, OFFICE_FIELDS),
                actor=actor,
            )
    return ImportResult(
        created=len(created),
        updated=len(changed),
        unchanged=sum(1 for i in plan.items if i.outcome == "unchanged"),
    )


# --- region roles -------------------------------------------------------------------------


@dataclass
class RoleResult:
    membership: RegionMembership
    user: User
    #: Set only when a new account was created: shown once to the coordinator.
    initial_password: str | None
    #: "added", "office_changed" or "unchanged"
    outcome: str


def _person(identifier: str, full_name: str, *, actor: User | None) -> tuple[User, str | None]:
    user = accounts.find_by_identifier(identifier)
    if user is not None:
        return user, None
    if "@" not in identifier:
        raise RegionError(
            _l(
                "Tidak ada akun dengan NIP ini. Tulis emailnya dan nama lengkap untuk membuat "
                "akun baru."
            ),
            field="identifier",
        )
    if not full_name:
        raise RegionError(
            _l("Belum ada akun dengan email ini. Isi nama lengkap untuk membuat akunnya."),
            field="full_name",
        )
    from email_validator import EmailNotValidError, validate_email

    try:
        email = validate_email(identifier, check_deliverability=False).normalized
    except EmailNotValidError:
        raise RegionError(_l("Email ini tidak sah."), field="identifier") from None
    password = accounts.generate_password()
    user = accounts.create_user(email=email, full_name=full_name, password=password, actor=actor)
    return user, password


def add_role(
    region: Region,
    *,
    identifier: str,
    role: str,
    office: Office | None,
    actor: User | None,
    full_name: str = "",
) -> RoleResult:
    """Give a person (found by email or NIP, or created with an email) a role in the region.

    An operator acts for one office: giving the role again with another office moves it.
    """
    if role == "office_operator" and office is None:
        raise RegionError(_l("Pilih perangkat daerah untuk operator OPD."), field="office_id")
    if office is not None and (office.region_id != region.id or not office.active):
        raise RegionError(_l("Pilih perangkat daerah dari daerah ini."), field="office_id")
    if role != "office_operator":
        office = None
    user, password = _person(identifier, full_name, actor=actor)
    membership = db.session.scalar(
        db.select(RegionMembership).filter_by(region_id=region.id, user_id=user.id, role=role)
    )
    if membership is None:
        membership = RegionMembership(region=region, user=user, role=role, office=office)
        db.session.add(membership)
        db.session.flush()
        audit.record(
            "region_membership.add",
            membership,
            actor=actor,
            after={
                "region_id": region.id,
                "user_id": user.id,
                "role": role,
                "office_id": office and office.id,
            },
        )
        return RoleResult(membership, user, password, "added")
    if membership.office_id != (office and office.id):
        before = membership.office_id
        membership.office = office
        db.session.flush()
        audit.record(
            "region_membership.office",
            membership,
            actor=actor,
            before={"office_id": before},
            after={"office_id": membership.office_id},
        )
        return RoleResult(membership, user, password, "office_changed")
    return RoleResult(membership, user, password, "unchanged")


def remove_role(membership: RegionMembership, *, actor: User | None) -> None:
    audit.record(
        "region_membership.remove",
        membership,
        actor=actor,
        before={
            "region_id": membership.region_id,
            "user_id": membership.user_id,
            "role": membership.role,
            "office_id": membership.office_id,
        },
    )
    db.session.delete(membership)
    db.session.flush()


# --- linking free-text offices --------------------------------------------------------------


def link_text(region: Region, key: str, office: Office, *, actor: User | None) -> int:
    """Link everyone of the region whose free-text office has ``key`` to ``office``; returns
    how many people changed."""
    if office.region_id != region.id:
        raise RegionError(_l("Pilih perangkat daerah dari daerah ini."))
    people = queries.people_with_text(region, key)
    changing = {user_id: before for user_id, before in people if before != office.id}
    if not changing:
        return 0
    db.session.execute(
        db.update(User).where(User.id.in_(changing)).values(office_id=office.id),
        execution_options={"synchronize_session": "fetch"},
    )
    audit.record(
        "user.office_link",
        office,
        actor=actor,
        before={"text": key, "office_ids": {str(k): v for k, v in changing.items()}},
        after={"text": key, "office_id": office.id, "user_ids": sorted(changing)},
    )
    return len(changing)


def link_offices_by_text(
    users: Iterable[User], region_id: int | None, *, actor: User | None
) -> int:
    """Link people without an office to the one their free text names exactly (name or
    acronym, case aside) among the region's active offices; for member imports."""
    if region_id is None:
        return 0
    active = db.session.scalars(db.select(Office).filter_by(region_id=region_id, active=True))
    index = exact_index(list(active))
    linked = 0
    for user in users:
        office_id = index.get(text_key(user.office))
        if user.office_id is None and office_id is not None:
            user.office_id = office_id
            audit.record(
                "user.office_link",
                user,
                actor=actor,
                before={"office_id": None},
                after={"text": user.office, "office_id": office_id},
            )
            linked += 1
    db.session.flush()
    return linked
