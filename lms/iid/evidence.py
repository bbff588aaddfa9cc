"""Class evidence: what the innovators' classes produced, attached where the rules ask for it.

- The indicator with ``role = "bimtek"``: the classes an innovator attended (as a participant,
  with an issued certificate or a Hadir/Terlambat mark) within the rule's period, with each
  class's decree or invitation (``ClassDocument``), its daftar hadir and the innovators'
  certificates; the number of trainings gives the level through the rule's ``derive``.
- The indicator with ``role = "video"``: the video of the class the innovation came from (the
  participant's newest video version in that class), its element checklist (``unsur``)
  giving the level, and the measured duration of an uploaded file.

Reads run a fixed number of statements whatever the number of innovations.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from lms import storage
from lms.accounts.models import User
from lms.attendance.models import AttendanceRecord, Meeting
from lms.catalog.models import AssignmentSpec
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db
from lms.i18n import gettext as _
from lms.iid.models import ClassDocument
from lms.iid.rules import Indicator, RuleSet
from lms.iid.scoring import level_from_count
from lms.innovations.models import Innovation, Innovator
from lms.submissions.fields import VIDEO_ELEMENTS
from lms.submissions.models import CohortAssignment, Submission, SubmissionFile, SubmissionVersion
from lms.timefmt import to_utc

#: Attendance statuses that show the innovator was there.
ATTENDED = ("present", "late")
ELEMENT_KEYS = tuple(key for key, _label in VIDEO_ELEMENTS)


@dataclass(frozen=True)
class Training:
    """One class an innovation's innovators attended in the rule's period."""

    cohort_id: int
    code: str
    name: str
    start_date: date
    end_date: date
    #: The innovators (accounts) who attended, by name.
    people: tuple[str, ...]
    user_ids: tuple[int, ...]


@dataclass(frozen=True)
class ClassVideo:
    """The class video of the innovation's source proposal."""

    cohort_id: int
    cohort_name: str
    submission_id: int
    version_number: int
    url: str
    #: {"key", "name", "size", "kind"} of an uploaded file, or None.
    file: dict[str, Any] | None
    #: Seconds, measured on upload; None for a link only.
    duration: float | None
    #: The element keys (lms.submissions.fields.VIDEO_ELEMENTS) the participant ticked.
    elements: tuple[str, ...]


@dataclass
class ClassEvidence:
    trainings: list[Training] = field(default_factory=list)
    video: ClassVideo | None = None
    #: Row code -> the level the class evidence gives (absent: none).
    derived: dict[str, int] = field(default_factory=dict)


def period(indicator: Indicator | None, year: int) -> tuple[date, date] | None:
    """The days a training counts in: the rule's ``period_years`` ending with the reporting
    year ("dalam 2 tahun terakhir" for 2023: 2022 and 2023); None without a rule."""
    if indicator is None or indicator.derive is None:
        return None
    years = indicator.derive.period_years or 1
    return date(year - years + 1, 1, 1), date(year, 12, 31)


def _derived(indicator: Indicator | None, count: int) -> int | None:
    if indicator is None or indicator.derive is None or count <= 0:
        return None
    level = level_from_count(indicator, count)
    return level or None


def _trainings(
    rules: RuleSet, year: int, people: dict[int, list[tuple[int, str]]]
) -> dict[int, list[Training]]:
    """innovation id -> trainings, from one statement."""
    bimtek = rules.by_role("bimtek")
    days = period(bimtek, year)
    user_ids = {uid for rows in people.values() for uid, _name in rows}
    if days is None or not user_ids:
        return {}
    start, end = days
    certified = (
        db.select(Certificate.id)
        .where(
            Certificate.cohort_id == Cohort.id,
            Certificate.user_id == Membership.user_id,
            Certificate.state == "issued",
        )
        .exists()
    )
    present = (
        db.select(AttendanceRecord.id)
        .join(Meeting, Meeting.id == AttendanceRecord.meeting_id)
        .where(
            Meeting.cohort_id == Cohort.id,
            AttendanceRecord.user_id == Membership.user_id,
            AttendanceRecord.status.in_(ATTENDED),
        )
        .exists()
    )
    rows = db.session.execute(
        db.select(
            Membership.user_id,
            Cohort.id,
            Cohort.code,
            Cohort.name,
            Cohort.start_date,
            Cohort.end_date,
        )
        .join(Cohort, Cohort.id == Membership.cohort_id)
        .where(
            Membership.user_id.in_(user_ids),
            Membership.role == "participant",
            Cohort.end_date >= start,
            Cohort.start_date <= end,
            db.or_(certified, present),
        )
        .order_by(Cohort.start_date, Cohort.id)
    ).all()
    by_user: dict[int, list[tuple]] = defaultdict(list)
    for user_id, *cohort in rows:
        by_user[user_id].append(tuple(cohort))
    found: dict[int, list[Training]] = {}
    for innovation_id, persons in people.items():
        cohorts: dict[int, tuple] = {}
        attended: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for uid, name in persons:
            for cohort in by_user.get(uid, ()):
                cohorts[cohort[0]] = cohort
                attended[cohort[0]].append((uid, name))
        found[innovation_id] = [
            Training(
                cohort_id=cid,
                code=code,
                name=name,
                start_date=start_date,
                end_date=end_date,
                people=tuple(sorted(n for _u, n in attended[cid])),
                user_ids=tuple(sorted(u for u, _n in attended[cid])),
            )
            for cid, code, name, start_date, end_date in sorted(
                cohorts.values(), key=lambda c: (c[3], c[0])
            )
        ]
    return found


def _videos(innovation_ids: list[int]) -> dict[int, ClassVideo]:
    """innovation id -> its source proposal's class video: three statements."""
    sources = db.session.execute(
        db.select(Innovation.id, Submission.user_id, CohortAssignment.cohort_id)
        .join(SubmissionVersion, SubmissionVersion.id == Innovation.source_version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .join(CohortAssignment, CohortAssignment.id == Submission.assignment_id)
        .where(Innovation.id.in_(innovation_ids))
    ).all()
    if not sources:
        return {}
    versions = db.session.execute(
        db.select(SubmissionVersion, Submission.user_id, CohortAssignment.cohort_id, Cohort.name)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .join(CohortAssignment, CohortAssignment.id == Submission.assignment_id)
        .join(AssignmentSpec, AssignmentSpec.id == CohortAssignment.spec_id)
        .join(Cohort, Cohort.id == CohortAssignment.cohort_id)
        .where(
            AssignmentSpec.kind == "video",
            CohortAssignment.cohort_id.in_({c for _i, _u, c in sources}),
            Submission.user_id.in_({u for _i, u, _c in sources}),
        )
        .order_by(SubmissionVersion.submitted_dt, SubmissionVersion.id)
    ).all()
    newest: dict[tuple[int, int], tuple[SubmissionVersion, str]] = {}
    for version, user_id, cohort_id, cohort_name in versions:
        newest[(cohort_id, user_id)] = (version, cohort_name)  # ordered: the last one wins
    keys: dict[int, str] = {}
    for version, _name in newest.values():
        stored = _stored_video(version)
        if stored is not None:
            keys[version.submission_id] = stored["key"]
    durations: dict[tuple[int, str], float | None] = {}
    if keys:
        for submission_id, key, seconds in db.session.execute(
            db.select(SubmissionFile.submission_id, SubmissionFile.key, SubmissionFile.duration)
            .where(
                SubmissionFile.submission_id.in_(keys),
                SubmissionFile.key.in_(set(keys.values())),
            )
            .order_by(SubmissionFile.id)
        ):
            if seconds is not None:
                durations[(submission_id, key)] = seconds
    found: dict[int, ClassVideo] = {}
    for innovation_id, user_id, cohort_id in sources:
        hit = newest.get((cohort_id, user_id))
        if hit is None:
            continue
        version, cohort_name = hit
        fields = version.fields or {}
        stored = _stored_video(version)
        ticked = fields.get("unsur") or []
        found[innovation_id] = ClassVideo(
            cohort_id=cohort_id,
            cohort_name=cohort_name,
            submission_id=version.submission_id,
            version_number=version.number,
            url=str(fields.get("video_url") or "").strip(),
            file=stored,
            duration=durations.get((version.submission_id, stored["key"])) if stored else None,
            elements=tuple(k for k in ELEMENT_KEYS if k in ticked),
        )
    return found


def _stored_video(version: SubmissionVersion) -> dict[str, Any] | None:
    return next((f for f in version.files or [] if f.get("role") == "video" and f.get("key")), None)


def class_evidence(
    rules: RuleSet, year: int, innovation_ids: Iterable[int]
) -> dict[int, ClassEvidence]:
    """innovation id -> its class evidence and the levels it gives (five statements at most)."""
    ids = sorted(set(innovation_ids))
    if not ids:
        return {}
    people: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for innovation_id, user_id, name in db.session.execute(
        db.select(Innovator.innovation_id, Innovator.user_id, User.full_name)
        .join(User, User.id == Innovator.user_id)
        .where(Innovator.innovation_id.in_(ids))
    ):
        people[innovation_id].append((user_id, name))
    trainings = _trainings(rules, year, people)
    videos = _videos(ids) if rules.by_role("video") is not None else {}
    bimtek, video = rules.by_role("bimtek"), rules.by_role("video")
    found: dict[int, ClassEvidence] = {}
    for innovation_id in ids:
        item = ClassEvidence(
            trainings=trainings.get(innovation_id, []), video=videos.get(innovation_id)
        )
        level = _derived(bimtek, len(item.trainings))
        if bimtek is not None and level:
            item.derived[bimtek.rows[0].code] = level
        if video is not None and item.video is not None:
            level = _derived(video, len(item.video.elements))
            if level:
                item.derived[video.rows[0].code] = level
        found[innovation_id] = item
    return found


# --- what a training brings: documents, daftar hadir, certificates -----------------------


@dataclass
class TrainingDetail:
    training: Training
    documents: list[ClassDocument]
    meetings: list[Meeting]
    certificates: list[Certificate]


def training_details(trainings: list[Training], year: int, rules: RuleSet) -> list[TrainingDetail]:
    """Each training's documents, meetings held in the period and the innovators' issued
    certificates: three statements for all of them."""
    if not trainings:
        return []
    ids = [t.cohort_id for t in trainings]
    days = period(rules.by_role("bimtek"), year)
    documents: dict[int, list[ClassDocument]] = defaultdict(list)
    for doc in db.session.scalars(
        db.select(ClassDocument)
        .where(ClassDocument.cohort_id.in_(ids), ClassDocument.removed.is_(False))
        .order_by(ClassDocument.doc_date, ClassDocument.id)
    ):
        documents[doc.cohort_id].append(doc)
    meeting_stmt = db.select(Meeting).where(Meeting.cohort_id.in_(ids))
    if days is not None:
        first = to_utc(days[0], time(0), "UTC")
        after = to_utc(date(days[1].year + 1, 1, 1), time(0), "UTC")
        meeting_stmt = meeting_stmt.where(Meeting.start_dt >= first, Meeting.start_dt < after)
    meetings: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in db.session.scalars(meeting_stmt.order_by(Meeting.start_dt, Meeting.id)):
        meetings[meeting.cohort_id].append(meeting)
    wanted = {(t.cohort_id, uid) for t in trainings for uid in t.user_ids}
    certificates: dict[int, list[Certificate]] = defaultdict(list)
    for certificate in db.session.scalars(
        db.select(Certificate)
        .where(
            Certificate.cohort_id.in_(ids),
            Certificate.user_id.in_({uid for _c, uid in wanted}),
            Certificate.state == "issued",
        )
        .order_by(Certificate.seq)
    ):
        if (certificate.cohort_id, certificate.user_id) in wanted:
            certificates[certificate.cohort_id].append(certificate)
    return [
        TrainingDetail(t, documents[t.cohort_id], meetings[t.cohort_id], certificates[t.cohort_id])
        for t in trainings
    ]


def _cover(innovation: Innovation, year: int, details: list[TrainingDetail]) -> bytes:
    from lms.pdf import FONT, PagedPdf

    pdf = PagedPdf(
        footer_left=f"{innovation.name} · {year}", footer_right=_("Halaman %(page)s dari %(total)s")
    )
    pdf.set_title(_("Bukti dukung bimtek"))
    pdf.set_creator("Kelas Inovasi")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(
        width, 7, _("BUKTI DUKUNG BIMTEK INOVASI"), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(width, 6, innovation.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        width,
        6,
        _("Indeks Inovasi Daerah tahun %(year)d · %(n)d kegiatan", year=year, n=len(details)),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    for number, item in enumerate(details, 1):
        t = item.training
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(width, 5.5, f"{number}. {t.name} ({t.code})", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 10)
        lines = [
            _(
                "Tanggal: %(start)s s.d. %(end)s",
                start=t.start_date.isoformat(),
                end=t.end_date.isoformat(),
            ),
            _("Inovator yang hadir: %(names)s", names=", ".join(t.people)),
            _(
                "Dilampirkan: %(docs)d dokumen kelas, %(lists)d daftar hadir, %(certs)d sertifikat",
                docs=len(item.documents),
                lists=len(item.meetings),
                certs=len(item.certificates),
            ),
        ]
        for line in lines:
            pdf.multi_cell(width, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())


def bimtek_bundle(
    innovation: Innovation, year: int, rules: RuleSet, trainings: list[Training]
) -> bytes | None:
    """One PDF: a cover, then per training its decree/invitation, the daftar hadir of each
    meeting and the innovators' certificates (merged with pypdf); None without trainings."""
    from pypdf import PdfWriter
    from pypdf.errors import PyPdfError

    from lms.attendance.exports import attendance_list_pdf
    from lms.attendance.queries import meeting_summary
    from lms.certificates.pdf import render
    from lms.certificates.queries import plan_or_default

    details = training_details(trainings, year, rules)
    if not details:
        return None
    writer = PdfWriter()
    writer.append(io.BytesIO(_cover(innovation, year, details)))
    for item in details:
        for doc in item.documents:
            try:
                with storage.open_stored(doc.key) as handle:
                    writer.append(io.BytesIO(handle.read()))
            except (OSError, ValueError, PyPdfError):  # gone from the store, or unreadable
                continue
        for meeting in item.meetings:
            writer.append(io.BytesIO(attendance_list_pdf(meeting_summary(meeting))))
        if item.certificates:
            cohort = db.session.get(Cohort, item.training.cohort_id)
            writer.append(io.BytesIO(render(item.certificates, plan_or_default(cohort))))
    writer.add_metadata({"/Title": f"Bimtek {innovation.name} {year}", "/Creator": "Kelas Inovasi"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
