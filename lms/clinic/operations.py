"""Every write of the clinic: opening a case, triage (accept with mentors, merge, close), the
thread, read marks, stage ticks and moves (Deliver creates or links the registry innovation
and schedules follow-ups), appointments with their record and attendance, action items, and
follow-ups with their answers. Each function flushes, audits and never commits."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from lms import audit, markdown
from lms.accounts.models import User
from lms.attendance import permissions as attendance_rules
from lms.attendance.models import STATUSES
from lms.clinic import notices, permissions, queries
from lms.clinic.access import CaseAccess
from lms.clinic.models import (
    ACTION_STATES,
    CATEGORIES,
    FOLLOW_UP_MONTHS,
    OPEN_STATES,
    URGENCIES,
    ActionItem,
    Appointment,
    AppointmentAttendance,
    CaseFile,
    CaseMentor,
    Consultation,
    CriterionTick,
    FollowUp,
    Message,
    ReadMark,
    StageMove,
)
from lms.clinic.stages import StageSet
from lms.db import utcnow
from lms.errors import Conflict, DomainError, check_fresh
from lms.extensions import db
from lms.i18n import gettext as _
from lms.innovations import operations as innovations
from lms.innovations import queries as innovation_queries
from lms.innovations.models import Innovation
from lms.regions.models import Office, Region
from lms.storage import StoredFile
from lms.submissions.models import Submission
from lms.timefmt import local, local_datetime

TITLE_MAX = 200
TEXT_MAX = 20_000


class ClinicError(DomainError):
    """A clinic rule refused the action; nothing of it is written."""


@dataclass
class Upload:
    """A file already in the upload store, with the name it had."""

    stored: StoredFile
    name: str


def _clean(text: str | None, limit: int = TEXT_MAX) -> str:
    return (text or "").replace("\r\n", "\n").strip()[:limit]


def _event(consultation: Consultation, event: str, data: dict[str, Any], actor: Any) -> Message:
    item = Message(
        consultation_id=consultation.id,
        author_id=getattr(actor, "id", None),
        kind="event",
        event=event,
        data=data,
    )
    db.session.add(item)
    consultation.updated_dt = utcnow()
    db.session.flush()
    return item


def _files(
    consultation: Consultation, uploads: Iterable[Upload], message: Message | None, actor: Any
) -> list[CaseFile]:
    made = []
    for upload in uploads:
        item = CaseFile(
            consultation_id=consultation.id,
            message_id=message.id if message is not None else None,
            key=upload.stored.key,
            name=(upload.name or "berkas")[:255],
            size=upload.stored.size,
            kind=upload.stored.kind,
            uploaded_by_id=getattr(actor, "id", None),
        )
        db.session.add(item)
        made.append(item)
    db.session.flush()
    return made


def _mentor_names(consultation: Consultation) -> str:
    return ", ".join(m.user.full_name for m in consultation.mentors)


# --- opening a case ----------------------------------------------------------------------------


@dataclass
class Opening:
    title: str
    problem: str
    office: Office
    category: str
    urgency: str = "normal"
    innovation: Innovation | None = None
    submission: Submission | None = None
    files: list[Upload] = field(default_factory=list)


def open_case(region: Region, requester: User, data: Opening, stages: StageSet) -> Consultation:
    """A new case of ``requester`` in ``region``, waiting for the coordinator."""
    title, problem = _clean(data.title, TITLE_MAX), _clean(data.problem)
    if not title:
        raise ClinicError(_("Tulis judul singkat masalahnya."), field="title")
    if not problem:
        raise ClinicError(_("Ceritakan masalah di kantor Anda."), field="problem")
    if data.office.region_id != region.id:
        raise ClinicError(_("Pilih perangkat daerah dari daerah ini."), field="office")
    if data.category not in CATEGORIES:
        raise ClinicError(_("Pilih jenis bantuan."), field="category")
    if data.urgency not in URGENCIES:
        raise ClinicError(_("Pilih tingkat kepentingan."), field="urgency")
    if data.innovation is not None and data.innovation.region_id != region.id:
        raise ClinicError(_("Pilih inovasi dari daerah ini."), field="innovation")
    if data.submission is not None and data.submission.user_id != requester.id:
        raise ClinicError(_("Pilih proposal Anda sendiri."), field="submission")
    consultation = Consultation(
        region_id=region.id,
        office_id=data.office.id,
        requester_id=requester.id,
        title=title,
        problem=problem,
        problem_html=markdown.render(problem),
        category=data.category,
        urgency=data.urgency,
        state="new",
        stage=stages.first.key,
        innovation_id=data.innovation.id if data.innovation else None,
        submission_id=data.submission.id if data.submission else None,
    )
    db.session.add(consultation)
    db.session.flush()
    _files(consultation, data.files, None, requester)
    audit.record(
        "consultation.open",
        consultation,
        actor=requester,
        after={
            "region_id": region.id,
            "office_id": data.office.id,
            "category": data.category,
            "urgency": data.urgency,
            "innovation_id": consultation.innovation_id,
            "submission_id": consultation.submission_id,
            "files": [f.name for f in data.files],
        },
    )
    notices.tell(
        queries.coordinators_of(region.id),
        notices.NEW,
        {"name": requester.full_name, "title": title},
        actor=requester,
        consultation=consultation,
    )
    return consultation


# --- triage ------------------------------------------------------------------------------------


def _check_mentors(consultation: Consultation, mentors: list[User]) -> None:
    if not mentors:
        raise ClinicError(_("Pilih paling sedikit satu pendamping."), field="mentors")
    allowed = {u.id for u in queries.mentors_by_id(consultation.region, [m.id for m in mentors])}
    if any(m.id not in allowed for m in mentors):
        raise ClinicError(
            _("Pilih pendamping dari daftar: hanya pemegang peran pendamping di daerah ini."),
            field="mentors",
        )


def accept(
    consultation: Consultation, mentors: list[User], *, actor: Any, seen_lock: int | None = None
) -> None:
    """The coordinator takes the case on and assigns its mentors; this is the clinic's first
    response when nobody answered before."""
    check_fresh(seen_lock, consultation.lock_version)
    if reason := permissions.why_not_accept(consultation):
        raise ClinicError(reason)
    _check_mentors(consultation, mentors)
    consultation.state = "active"
    now = utcnow()
    consultation.first_response_dt = consultation.first_response_dt or now
    for mentor in mentors:
        consultation.mentors.append(
            CaseMentor(user_id=mentor.id, user=mentor, assigned_by_id=getattr(actor, "id", None))
        )
    db.session.flush()
    names = _mentor_names(consultation)
    _event(consultation, "accepted", {"mentors": names}, actor)
    audit.record(
        "consultation.accept",
        consultation,
        actor=actor,
        before={"state": "new"},
        after={"state": "active", "mentor_ids": [m.id for m in mentors]},
    )
    notices.tell(
        mentors,
        notices.ASSIGNED,
        {"title": consultation.title},
        actor=actor,
        consultation=consultation,
    )
    notices.tell(
        [consultation.requester],
        notices.ACCEPTED,
        {"title": consultation.title, "mentors": names},
        actor=actor,
        consultation=consultation,
    )


def set_mentors(
    consultation: Consultation, mentors: list[User], *, actor: Any, seen_lock: int | None = None
) -> tuple[list[User], list[User]]:
    """The case's mentors become exactly ``mentors``; returns (added, removed)."""
    check_fresh(seen_lock, consultation.lock_version)
    if consultation.state != "active":
        raise ClinicError(permissions.why_not_work(consultation) or "")
    _check_mentors(consultation, mentors)
    wanted = {m.id: m for m in mentors}
    current = {m.user_id: m for m in consultation.mentors}
    added = [m for uid, m in wanted.items() if uid not in current]
    removed = [m.user for uid, m in current.items() if uid not in wanted]
    if not added and not removed:
        return [], []
    for uid, row in current.items():
        if uid not in wanted:
            consultation.mentors.remove(row)
    for mentor in added:
        consultation.mentors.append(
            CaseMentor(user_id=mentor.id, user=mentor, assigned_by_id=getattr(actor, "id", None))
        )
    consultation.updated_dt = utcnow()
    db.session.flush()
    _event(
        consultation,
        "mentors",
        {"added": [m.full_name for m in added], "removed": [m.full_name for m in removed]},
        actor,
    )
    audit.record(
        "consultation.mentors",
        consultation,
        actor=actor,
        before={"mentor_ids": sorted(current)},
        after={"mentor_ids": sorted(wanted)},
    )
    notices.tell(
        added,
        notices.ASSIGNED,
        {"title": consultation.title},
        actor=actor,
        consultation=consultation,
    )
    return added, removed


def merge(
    consultation: Consultation, target: Consultation, *, actor: Any, seen_lock: int | None = None
) -> None:
    """A duplicate: it points to ``target`` and stops; ``target`` notes where it came from."""
    check_fresh(seen_lock, consultation.lock_version)
    if reason := permissions.why_not_end(consultation):
        raise ClinicError(reason)
    if (
        target.id == consultation.id
        or target.region_id != consultation.region_id
        or target.state not in OPEN_STATES
    ):
        raise ClinicError(
            _("Pilih konsultasi lain yang masih berjalan di daerah ini."), field="target"
        )
    before = consultation.state
    consultation.state = "merged"
    consultation.merged_into_id = target.id
    consultation.ended_dt = utcnow()
    db.session.flush()
    _event(consultation, "merged_into", {"id": target.id, "title": target.title}, actor)
    _event(target, "merged_from", {"id": consultation.id, "title": consultation.title}, actor)
    audit.record(
        "consultation.merge",
        consultation,
        actor=actor,
        before={"state": before},
        after={"state": "merged", "merged_into_id": target.id},
    )
    notices.tell(
        [consultation.requester, *queries.mentors_of(consultation)],
        notices.MERGED,
        {"title": consultation.title},
        actor=actor,
        consultation=consultation,
    )


def close(
    consultation: Consultation, reason: str, *, actor: Any, seen_lock: int | None = None
) -> None:
    check_fresh(seen_lock, consultation.lock_version)
    if why := permissions.why_not_end(consultation):
        raise ClinicError(why)
    reason = _clean(reason, 2000)
    if not reason:
        raise ClinicError(_("Tulis alasan konsultasi ini ditutup."), field="reason")
    before = consultation.state
    consultation.state = "closed"
    consultation.close_reason = reason
    consultation.ended_dt = utcnow()
    db.session.flush()
    _event(consultation, "closed", {"reason": reason}, actor)
    audit.record(
        "consultation.close",
        consultation,
        actor=actor,
        before={"state": before},
        after={"state": "closed", "reason": reason},
    )
    notices.tell(
        [consultation.requester, *queries.mentors_of(consultation)],
        notices.CLOSED,
        {"title": consultation.title, "reason": reason},
        actor=actor,
        consultation=consultation,
    )


# --- the thread --------------------------------------------------------------------------------


def post(
    consultation: Consultation,
    author: User,
    access: CaseAccess,
    body: str,
    *,
    private: bool = False,
    files: Iterable[Upload] = (),
) -> Message:
    """A message (or, by a mentor or coordinator, a private note) with its files. A staff
    message the requester sees is the clinic's first response if none came before."""
    files = list(files)
    if not permissions.can_post(access, consultation):
        raise ClinicError(_("Konsultasi ini sudah ditutup; pesan baru tidak diterima lagi."))
    if private and not permissions.can_see_notes(access):
        raise ClinicError(_("Hanya pendamping dan koordinator yang dapat menulis catatan."))
    text = _clean(body)
    if not text and not files:
        raise ClinicError(_("Tulis pesannya atau lampirkan berkas."), field="body")
    message = Message(
        consultation_id=consultation.id,
        author_id=author.id,
        author=author,
        kind="note" if private else "message",
        body=text,
        body_html=markdown.render(text) if text else "",
    )
    db.session.add(message)
    now = utcnow()
    consultation.updated_dt = now
    if (
        not private
        and access.staff
        and not access.requester
        and consultation.first_response_dt is None
    ):
        consultation.first_response_dt = now
    db.session.flush()
    _files(consultation, files, message, author)
    mark_read(consultation, author, message.id)
    audit.record(
        "consultation.note" if private else "consultation.message",
        consultation,
        actor=author,
        after={"message_id": message.id, "files": [f.name for f in files]},
    )
    mentors = queries.mentors_of(consultation)
    if private:
        notices.tell(
            mentors,
            notices.NOTE,
            {"name": author.full_name, "title": consultation.title},
            actor=author,
            consultation=consultation,
        )
    else:
        notices.tell(
            [consultation.requester, *mentors],
            notices.MESSAGE,
            {"name": author.full_name, "title": consultation.title},
            actor=author,
            consultation=consultation,
        )
    return message


def mark_read(consultation: Consultation, user: User, newest_id: int) -> bool:
    """Remember how far ``user`` has read; nothing is written when nothing is new."""
    if not newest_id:
        return False
    mark = db.session.scalar(
        db.select(ReadMark).filter_by(consultation_id=consultation.id, user_id=user.id)
    )
    if mark is not None and mark.last_message_id >= newest_id:
        return False
    if mark is None:
        mark = ReadMark(consultation_id=consultation.id, user_id=user.id)
        db.session.add(mark)
    mark.last_message_id = newest_id
    mark.read_dt = utcnow()
    db.session.flush()
    return True


# --- stages ------------------------------------------------------------------------------------


def save_ticks(
    consultation: Consultation, stages: StageSet, chosen: set[str], *, actor: Any
) -> tuple[list[str], list[str]]:
    """The current stage's ticked criteria become ``chosen``; returns (ticked, unticked)."""
    if reason := permissions.why_not_work(consultation):
        raise ClinicError(reason)
    stage = stages.get(consultation.stage)
    if stage is None:
        raise ClinicError(_("Tahap konsultasi ini tidak ada lagi di daftar tahap."))
    known = set(stage.criterion_keys)
    if chosen - known:
        raise ClinicError(_("Kriteria yang dipilih tidak dikenal. Muat ulang halaman."))
    rows = {
        t.criterion: t
        for t in db.session.scalars(
            db.select(CriterionTick).filter_by(consultation_id=consultation.id, stage=stage.key)
        )
    }
    ticked = [k for k in stage.criterion_keys if k in chosen and k not in rows]
    unticked = [k for k in stage.criterion_keys if k not in chosen and k in rows]
    for key in ticked:
        db.session.add(
            CriterionTick(
                consultation_id=consultation.id,
                stage=stage.key,
                criterion=key,
                ticked_by_id=getattr(actor, "id", None),
            )
        )
    for key in unticked:
        db.session.delete(rows[key])
    if ticked or unticked:
        consultation.updated_dt = utcnow()
        db.session.flush()
        audit.record(
            "consultation.ticks",
            consultation,
            actor=actor,
            before={"stage": stage.key, "ticked": sorted(rows)},
            after={"stage": stage.key, "ticked": sorted((set(rows) | set(ticked)) - set(unticked))},
        )
    return ticked, unticked


#: What to do with the registry at Deliver.
DELIVER_CHOICES = ("create", "link", "later")


@dataclass
class MoveInput:
    override_reason: str = ""
    #: At Deliver: "create" the innovation from the case, "link" an existing one, or "later".
    innovation: str = "later"
    link_to: Innovation | None = None


def move_on(
    consultation: Consultation,
    stages: StageSet,
    access: CaseAccess,
    data: MoveInput,
    *,
    actor: Any,
    seen_lock: int | None = None,
) -> StageMove:
    """To the next stage, or done after the last. Reaching Deliver creates or links the
    registry innovation (as chosen) and schedules the follow-ups."""
    check_fresh(seen_lock, consultation.lock_version)
    ticked = queries.ticked(consultation, consultation.stage)
    override = _clean(data.override_reason, 2000)
    if reason := permissions.why_not_move(access, consultation, stages, ticked, override):
        raise ClinicError(reason, field="override_reason" if access.coordinator else None)
    stage = stages.get(consultation.stage)
    missing = permissions.open_criteria(stage, ticked) if stage else []
    if stage is not None and not missing:
        override = ""  # nothing was overridden
    following = stages.after(consultation.stage)
    move = StageMove(
        consultation_id=consultation.id,
        from_stage=consultation.stage,
        to_stage=following.key if following else "",
        override_reason=override,
        open_criteria=missing,
        moved_by_id=getattr(actor, "id", None),
    )
    db.session.add(move)
    now = utcnow()
    before = {"stage": consultation.stage, "state": consultation.state}
    if following is None:
        consultation.state = "done"
        consultation.ended_dt = now
    else:
        consultation.stage = following.key
    consultation.updated_dt = now
    db.session.flush()
    _event(
        consultation,
        "done" if following is None else "stage",
        {"from": move.from_stage, "to": move.to_stage, "override": bool(override)},
        actor,
    )
    audit.record(
        "consultation.stage",
        consultation,
        actor=actor,
        before=before,
        after={
            "stage": consultation.stage,
            "state": consultation.state,
            "override_reason": override,
            "open_criteria": missing,
        },
    )
    if (
        following is not None
        and following.key == stages.deliver
        and consultation.delivered_dt is None
    ):
        consultation.delivered_dt = now
        db.session.flush()
        if data.innovation == "create":
            create_innovation(consultation, actor=actor)
        elif data.innovation == "link":
            link_innovation(consultation, data.link_to, actor=actor)
        schedule_follow_ups(consultation)
    people = [consultation.requester, *queries.mentors_of(consultation)]
    if following is None:
        notices.tell(
            people,
            notices.DONE,
            {"title": consultation.title},
            actor=actor,
            consultation=consultation,
        )
    else:
        notices.tell(
            people,
            notices.STAGE,
            lambda person: {
                "title": consultation.title,
                "stage": following.title(person.locale or "id"),
            },
            actor=actor,
            consultation=consultation,
        )
    return move


# --- the registry at Deliver ------------------------------------------------------------------


def carried(consultation: Consultation) -> tuple[innovation_queries.Carried, Any]:
    """What the registry innovation gets from the case and its proposal, nothing typed again:
    the proposal's newest graded version (else its newest version) with its files and class
    video, and from the case its name, office, innovator and problem where the proposal is
    silent. Returns (carried values, the proposal version or None)."""
    version = None
    values: dict[str, Any] = {}
    files: list[dict[str, Any]] = []
    video_url = ""
    submission = consultation.submission
    if submission is not None and submission.user_id == consultation.requester_id:
        version = innovation_queries.graded_version(submission) or max(
            submission.versions, key=lambda v: v.number, default=None
        )
        if version is not None:
            from_proposal = innovation_queries.carried_from(version, submission)
            values, files, video_url = (
                dict(from_proposal.values),
                from_proposal.files,
                from_proposal.video_url,
            )
    values.setdefault("nama_inovasi", consultation.title)
    values.setdefault("latar_belakang", consultation.problem)
    values.setdefault("perangkat_daerah", consultation.office.name)
    values.setdefault("inovator", consultation.requester.full_name)
    values.setdefault("inisiator", "asn")
    values.setdefault("tahapan", "inisiatif")
    return innovation_queries.Carried(values=values, files=files, video_url=video_url), version


def create_innovation(consultation: Consultation, *, actor: Any) -> Innovation:
    """A draft registry innovation made from the case (and its proposal), linked both ways,
    through the registry's own operations."""
    _not_linked_yet(consultation)
    bring, version = carried(consultation)
    submission = consultation.submission
    existing = innovation_queries.innovation_from(submission) if submission is not None else None
    if existing is not None:
        return link_innovation(consultation, existing, actor=actor)
    if version is not None:
        innovation = innovations.promote(
            consultation.region,
            consultation.office,
            version,
            bring,
            owner=consultation.requester,
            actor=actor,
        )
    else:
        innovation = innovations.create_innovation(
            consultation.region,
            bring.values,
            innovations.Details(office=consultation.office, video_url=bring.video_url),
            actor=actor,
        )
        innovations.add_innovator(innovation, user=consultation.requester, actor=actor)
    return _attach(consultation, innovation, created=True, actor=actor)


def link_innovation(
    consultation: Consultation, innovation: Innovation | None, *, actor: Any
) -> Innovation:
    _not_linked_yet(consultation)
    allowed = {i.id for i in queries.innovation_choices(consultation)}
    if innovation is None or innovation.id not in allowed:
        raise ClinicError(
            _("Pilih inovasi daerah dari perangkat daerah konsultasi ini."), field="link_to"
        )
    return _attach(consultation, innovation, created=False, actor=actor)


def _not_linked_yet(consultation: Consultation) -> None:
    if consultation.innovation_id is not None:
        raise ClinicError(_("Konsultasi ini sudah terhubung dengan inovasi daerah."))


def _attach(
    consultation: Consultation, innovation: Innovation, *, created: bool, actor: Any
) -> Innovation:
    """The case and its registry innovation linked, on the case's thread and in the audit."""
    consultation.innovation_id = innovation.id
    consultation.innovation = innovation
    db.session.flush()
    _event(consultation, "innovation", {"name": innovation.name, "created": created}, actor)
    audit.record(
        "consultation.innovation",
        consultation,
        actor=actor,
        after={"innovation_id": innovation.id, "created": created},
    )
    return innovation


# --- follow-ups ---------------------------------------------------------------------------------


def months_later(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _follow_up(
    *, region_id: int, user_id: int, months: int, start: date, **about: Any
) -> FollowUp | None:
    key = {k: v for k, v in about.items() if k in ("consultation_id", "submission_id")}
    exists = db.session.scalar(db.select(FollowUp.id).filter_by(months=months, **key))
    if exists is not None:
        return None
    item = FollowUp(
        region_id=region_id,
        user_id=user_id,
        months=months,
        due_date=months_later(start, months),
        **about,
    )
    db.session.add(item)
    return item


def schedule_follow_ups(consultation: Consultation) -> list[FollowUp]:
    """3, 6 and 12 months after the case reached Deliver (idempotent)."""
    if consultation.delivered_dt is None:
        return []
    start = local(consultation.delivered_dt, consultation.region.timezone).date()
    made = [
        f
        for months in FOLLOW_UP_MONTHS
        if (
            f := _follow_up(
                region_id=consultation.region_id,
                user_id=consultation.requester_id,
                months=months,
                start=start,
                consultation_id=consultation.id,
                innovation_id=consultation.innovation_id,
            )
        )
        is not None
    ]
    db.session.flush()
    return made


def schedule_class_follow_ups(rows: Iterable[tuple[Submission, int, date, int | None]]) -> int:
    """3, 6 and 12 months after a class for each graded proposal: rows of (submission, region
    id, the class's last day, the innovation registered from it)."""
    count = 0
    for submission, region_id, end_date, innovation_id in rows:
        for months in FOLLOW_UP_MONTHS:
            if _follow_up(
                region_id=region_id,
                user_id=submission.user_id,
                months=months,
                start=end_date,
                submission_id=submission.id,
                innovation_id=innovation_id,
            ):
                count += 1
    db.session.flush()
    return count


@dataclass
class Answer:
    trial_started: bool
    trial_date: date | None = None
    has_decree: bool = False
    decree: str = ""
    still_running: bool | None = None
    note: str = ""


def answer_follow_up(follow_up: FollowUp, answer: Answer, *, actor: Any) -> FollowUp:
    """The innovator's answer, recorded on the follow-up and on the innovation: a trial that
    started moves an innovation still at its initiative to the trial stage (with its date),
    and "still running?" becomes the year's confirmation of a verified innovation that has
    none yet, both through the registry's own operations."""
    if answer.trial_started and answer.trial_date is None:
        raise ClinicError(_("Isi tanggal mulai uji coba."), field="trial_date")
    if answer.has_decree and not _clean(answer.decree, 300):
        raise ClinicError(_("Tulis nomor surat keputusannya."), field="decree")
    if answer.trial_started and answer.still_running is None:
        raise ClinicError(_("Pilih apakah inovasi masih berjalan."), field="still_running")
    before = {
        "answered": follow_up.answered_dt is not None,
        "trial_started": follow_up.trial_started,
        "still_running": follow_up.still_running,
    }
    follow_up.trial_started = answer.trial_started
    follow_up.trial_date = answer.trial_date if answer.trial_started else None
    follow_up.has_decree = answer.has_decree
    follow_up.decree = _clean(answer.decree, 300) if answer.has_decree else ""
    follow_up.still_running = answer.still_running if answer.trial_started else None
    follow_up.note = _clean(answer.note, 5000)
    follow_up.answered_dt = utcnow()
    follow_up.answered_by_id = getattr(actor, "id", None)
    innovation = follow_up.innovation
    if innovation is None and follow_up.consultation is not None:
        innovation = follow_up.consultation.innovation
    if innovation is None and follow_up.submission is not None:
        innovation = innovation_queries.innovation_from(follow_up.submission)
    if innovation is not None:
        follow_up.innovation_id = innovation.id
        follow_up.innovation = innovation
        _record_on_innovation(innovation, follow_up, actor=actor)
    db.session.flush()
    audit.record(
        "follow_up.answer",
        follow_up,
        actor=actor,
        before=before,
        after={
            "innovation_id": follow_up.innovation_id,
            "trial_started": follow_up.trial_started,
            "trial_date": str(follow_up.trial_date or ""),
            "decree": follow_up.decree,
            "still_running": follow_up.still_running,
            "note": follow_up.note,
        },
    )
    return follow_up


def _record_on_innovation(innovation: Innovation, follow_up: FollowUp, *, actor: Any) -> None:
    if innovation.state == "archived":
        return
    if follow_up.trial_started and innovation.stage == "inisiatif":
        innovations.advance_stage(innovation, "uji_coba", follow_up.trial_date, actor=actor)
    year = local(utcnow(), innovation.region.timezone).year
    answered = {c.year for c in innovation.confirmations}
    if (
        follow_up.still_running is not None
        and innovation.state == "verified"
        and year not in answered
    ):
        status = "running" if follow_up.still_running else "stopped"
        note = follow_up.note or _(
            "Dilaporkan lewat pemantauan Klinik Inovasi (%(months)d bulan).",
            months=follow_up.months,
        )
        innovations.confirm_running(innovation, year, status, note, actor=actor)


# --- appointments -----------------------------------------------------------------------------


@dataclass
class AppointmentInput:
    title: str
    start_dt: datetime
    end_dt: datetime
    mode: str
    place: str = ""
    link: str = ""


def _check_appointment(data: AppointmentInput) -> None:
    if not _clean(data.title, 200):
        raise ClinicError(_("Isi judul sesi."), field="title")
    if data.end_dt <= data.start_dt:
        raise ClinicError(_("Jam selesai harus setelah jam mulai."), field="end_time")
    if data.mode == "in_person" and not _clean(data.place, 200):
        raise ClinicError(_("Tulis tempat sesi tatap muka."), field="place")
    if data.mode == "online":
        parts = urlsplit((data.link or "").strip())
        if parts.scheme != "https" or not parts.netloc or len(data.link) > 500:
            raise ClinicError(
                _(
                    "Tautan sesi daring harus alamat https://, misalnya https://meet.example.id/abc."
                ),
                field="link",
            )
    if data.mode not in ("in_person", "online"):
        raise ClinicError(_("Pilih tatap muka atau daring."), field="mode")


def _appointment_words(appointment: Appointment, tz: str) -> Any:
    def words(person: User) -> dict[str, Any]:
        return {
            "name": appointment.title,
            "when": local_datetime(appointment.start_dt, tz, person.locale or "id"),
            "where": appointment.place or appointment.link,
        }

    return words


def schedule(consultation: Consultation, data: AppointmentInput, *, actor: Any) -> Appointment:
    if reason := permissions.why_not_work(consultation):
        raise ClinicError(reason)
    _check_appointment(data)
    appointment = Appointment(
        consultation_id=consultation.id,
        title=_clean(data.title, 200),
        start_dt=data.start_dt,
        end_dt=data.end_dt,
        mode=data.mode,
        place=_clean(data.place, 200) if data.mode == "in_person" else "",
        link=data.link.strip() if data.mode == "online" else "",
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(appointment)
    db.session.flush()
    _event(
        consultation,
        "appointment",
        {
            "id": appointment.id,
            "title": appointment.title,
            "start": appointment.start_dt.isoformat(),
        },
        actor,
    )
    audit.record(
        "appointment.create",
        appointment,
        actor=actor,
        after={
            "consultation_id": consultation.id,
            "start_dt": appointment.start_dt.isoformat(),
            "mode": appointment.mode,
        },
    )
    notices.tell(
        queries.roster(consultation),
        notices.APPOINTMENT,
        _appointment_words(appointment, consultation.region.timezone),
        actor=actor,
        consultation=consultation,
    )
    return appointment


def cancel(appointment: Appointment, *, actor: Any, seen_lock: int | None = None) -> None:
    check_fresh(seen_lock, appointment.lock_version)
    if appointment.state != "scheduled":
        raise ClinicError(_("Hanya sesi yang masih dijadwalkan yang dapat dibatalkan."))
    appointment.state = "cancelled"
    db.session.flush()
    consultation = appointment.consultation
    _event(
        consultation,
        "appointment_cancelled",
        {"id": appointment.id, "title": appointment.title},
        actor,
    )
    audit.record(
        "appointment.cancel",
        appointment,
        actor=actor,
        before={"state": "scheduled"},
        after={"state": "cancelled"},
    )
    notices.tell(
        queries.roster(consultation),
        notices.CANCELLED,
        _appointment_words(appointment, consultation.region.timezone),
        actor=actor,
        consultation=consultation,
    )


def record(
    appointment: Appointment,
    discussed: str,
    decisions: str,
    *,
    actor: Any,
    seen_lock: int | None = None,
) -> None:
    """The short record of a held appointment: what was discussed and what was decided."""
    check_fresh(seen_lock, appointment.lock_version)
    if appointment.state == "cancelled":
        raise ClinicError(_("Sesi ini dibatalkan; catatannya tidak dapat diisi."))
    discussed, decisions = _clean(discussed), _clean(decisions)
    if not discussed:
        raise ClinicError(_("Tulis apa yang dibahas."), field="discussed")
    before = {
        "state": appointment.state,
        "discussed": appointment.discussed,
        "decisions": appointment.decisions,
    }
    appointment.discussed, appointment.discussed_html = discussed, markdown.render(discussed)
    appointment.decisions = decisions
    appointment.decisions_html = markdown.render(decisions) if decisions else ""
    appointment.state = "held"
    appointment.recorded_by_id = getattr(actor, "id", None)
    appointment.recorded_dt = utcnow()
    db.session.flush()
    audit.record_change(
        "appointment.record",
        appointment,
        before,
        {"state": "held", "discussed": discussed, "decisions": decisions},
        actor=actor,
    )


def save_attendance(
    appointment: Appointment, people: list[User], changes: Iterable[Any], *, actor: Any
) -> int:
    """The rows of the marking grid (``lms.attendance.forms.MarkingGridForm``) that changed,
    all or none, with the class meetings' rules: a row someone else changed since raises
    Conflict; one already as chosen is left alone. Returns how many were written."""
    if appointment.state == "cancelled":
        raise ClinicError(_("Sesi ini dibatalkan; kehadirannya tidak dicatat."))
    expected = {p.id for p in people}
    records = queries.attendance_of(appointment)
    changes = list(changes)
    for change in changes:
        if change.user.id not in expected:
            raise ClinicError(_("%(name)s tidak diundang ke sesi ini.", name=change.user.full_name))
        if change.status not in STATUSES:
            raise ClinicError(_("Status kehadiran tidak dikenal."))
    if any(
        attendance_rules.is_stale(records.get(c.user.id), c.seen_version, c.status, c.note)
        for c in changes
    ):
        raise Conflict()
    written = 0
    for change in changes:
        row = records.get(change.user.id)
        if attendance_rules.same_mark(row, change.status, change.note):
            continue
        before = {"status": row.status, "note": row.note} if row else None
        if row is None:
            row = AppointmentAttendance(appointment_id=appointment.id, user_id=change.user.id)
            db.session.add(row)
        row.status, row.note = change.status, (change.note or "")[:500]
        row.marked_by_id = getattr(actor, "id", None)
        db.session.flush()
        audit.record(
            "appointment.attendance",
            appointment,
            actor=actor,
            before=before,
            after={"user_id": change.user.id, "status": row.status, "note": row.note},
        )
        written += 1
    return written


# --- action items -------------------------------------------------------------------------------


def add_action(
    consultation: Consultation, title: str, owner: User, due: date, *, actor: Any
) -> ActionItem:
    if reason := permissions.why_not_work(consultation):
        raise ClinicError(reason)
    title = _clean(title, 300)
    if not title:
        raise ClinicError(_("Tulis apa yang harus dikerjakan."), field="title")
    if owner.id not in {p.id for p in queries.roster(consultation)}:
        raise ClinicError(
            _("Pilih penanggung jawab dari orang-orang konsultasi ini."), field="owner"
        )
    item = ActionItem(
        consultation_id=consultation.id,
        title=title,
        owner_id=owner.id,
        owner=owner,
        due_date=due,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(item)
    consultation.updated_dt = utcnow()
    db.session.flush()
    audit.record(
        "action.create",
        item,
        actor=actor,
        after={
            "consultation_id": consultation.id,
            "title": title,
            "owner_id": owner.id,
            "due": due.isoformat(),
        },
    )
    notices.tell(
        [owner],
        notices.ACTION,
        lambda person: {"item": title, "due": _day(due, person)},
        actor=actor,
        consultation=consultation,
    )
    return item


def _day(day: date, person: Any) -> str:
    from babel.dates import format_date

    return format_date(day, "d MMMM y", locale=getattr(person, "locale", None) or "id")


def set_action_state(
    item: ActionItem, state: str, *, actor: Any, seen_lock: int | None = None
) -> None:
    check_fresh(seen_lock, item.lock_version)
    if state not in ACTION_STATES:
        raise ClinicError(_("Status tindak lanjut tidak dikenal."))
    if state == item.state:
        return
    before = item.state
    item.state = state
    item.closed_dt = None if state == "open" else utcnow()
    item.consultation.updated_dt = utcnow()
    db.session.flush()
    audit.record(
        "action.state", item, actor=actor, before={"state": before}, after={"state": state}
    )


# --- the schedule (``flask lms clinic follow-ups``) --------------------------------------------


@dataclass
class ScheduleReport:
    follow_ups_created: int = 0
    follow_ups_notified: int = 0
    actions_reminded: int = 0

    def __str__(self) -> str:
        return (
            f"follow-ups created: {self.follow_ups_created}, follow-ups notified: "
            f"{self.follow_ups_notified}, overdue action items reminded: {self.actions_reminded}"
        )


def run_schedule() -> ScheduleReport:
    """Idempotent: the follow-ups of every delivered case and every graded class proposal
    that lack them, one notification for each follow-up that has come due, and one for each
    open action item past its due date."""
    report = ScheduleReport()
    for consultation in queries.delivered_without_follow_ups():
        report.follow_ups_created += len(schedule_follow_ups(consultation))
    report.follow_ups_created += schedule_class_follow_ups(queries.graded_without_follow_ups())
    now = utcnow()
    for follow_up in queries.follow_ups_to_notify():
        follow_up.notified_dt = now
        notices.tell(
            [follow_up.user],
            notices.FOLLOW_UP,
            {"title": queries.follow_up_title(follow_up), "months": follow_up.months},
            endpoint="lms.clinic.follow_up",
            values={"follow_up_id": follow_up.id},
            subject_key=f"follow_up:{follow_up.id}",
        )
        report.follow_ups_notified += 1
    for item in queries.actions_to_remind():
        item.reminded_dt = now
        notices.tell(
            [item.owner],
            notices.DUE,
            lambda person, item=item: {"item": item.title, "due": _day(item.due_date, person)},
            consultation=item.consultation,
        )
        report.actions_reminded += 1
    db.session.flush()
    return report
