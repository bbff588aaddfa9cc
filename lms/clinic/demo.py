# ruff: noqa: E501  (a data table reads best one case a line)
"""Demo clinic of the demo regency: the mentor pendamping@example.org and cases of the demo
participants in every stage and state: one waiting for the coordinator, one per stage, one
done, one merged, one closed; the Deliver case produced a registry innovation and has a
follow-up waiting for its answer (the cases past Deliver link their office's demo innovation
where there is one); the Design case has an overdue action item, a held
appointment with its record and attendance, an upcoming online one and a mentors' note.
Every person and problem is fictional.

Called by :func:`lms.demo.load_demo` after the other demos; a case already there (same
requester and title) is left alone, so a second run changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.clinic import operations, queries
from lms.clinic.access import CaseAccess
from lms.clinic.models import Consultation, FollowUp, Message
from lms.clinic.stages import StageSet, current_stages
from lms.db import utcnow
from lms.extensions import db
from lms.regions import operations as regions
from lms.regions.models import Office, Region, RegionMembership

MENTOR = (
    "pendamping@example.org",
    "Dr. Hj. Nurhaedah Syam, M.Si.",
    "197912032006042011",
    "IV/a",
    "Peneliti Ahli Madya",
)
EMAILS = frozenset({MENTOR[0]})

#: (requester, title, problem, category, urgency, stage reached (None: waiting), days ago)
CASES: list[tuple[Any, ...]] = [
    (
        "peserta2@example.org",
        "Rujukan ibu hamil risiko tinggi sering terlambat",
        "Bidan desa baru tahu ibu hamil berisiko saat sudah darurat. Rujukan ke puskesmas sering terlambat karena **tidak ada jadwal kunjungan** yang tercatat.",
        "new_idea",
        "high",
        None,
        2,
    ),
    (
        "peserta3@example.org",
        "Petani tidak tahu jadwal penyuluhan",
        "Jadwal penyuluhan hanya ditempel di kantor desa; banyak petani tidak datang.",
        "new_idea",
        "normal",
        "drum_up",
        20,
    ),
    (
        "peserta4@example.org",
        "Aduan warga tentang internet desa tercecer",
        "Aduan masuk lewat telepon, surat dan media sosial; tidak ada yang mencatat tindak lanjutnya.",
        "proposal_writing",
        "normal",
        "diagnose",
        35,
    ),
    (
        "peserta1@example.org",
        "Menyempurnakan proposal antrean puskesmas",
        "Proposal kelas saya sudah dinilai; saya ingin menyempurnakan rancang bangun dan rencana uji cobanya.",
        "proposal_writing",
        "normal",
        "design",
        50,
    ),
    (
        "peserta7@example.org",
        "Pendaftaran rawat jalan RSUD lewat pesan singkat",
        "Pasien rawat jalan datang subuh untuk mengambil nomor antrean. Kami ingin pendaftaran lewat pesan singkat sehari sebelumnya.",
        "trial",
        "high",
        "deliver",
        150,
    ),
    (
        "peserta8@example.org",
        "Akta kelahiran langsung dari kelurahan",
        "Warga bolak-balik ke kantor dinas untuk akta kelahiran; kelurahan sebenarnya bisa menerima berkasnya.",
        "evidence",
        "normal",
        "display",
        200,
    ),
    (
        "peserta9@example.org",
        "Video inovasi posyandu remaja",
        "Kami perlu video inovasi untuk indeks inovasi daerah tahun ini, paling lama lima menit.",
        "video",
        "low",
        "documentation",
        260,
    ),
    (
        "peserta10@example.org",
        "Laporan jalan rusak dari warga",
        "Laporan jalan rusak tersebar di grup percakapan; dinas tidak punya daftar yang rapi.",
        "other",
        "normal",
        "done",
        320,
    ),
    (
        "peserta3@example.org",
        "Jadwal penyuluhan pertanian (ganda)",
        "Sama dengan konsultasi saya sebelumnya tentang jadwal penyuluhan.",
        "new_idea",
        "low",
        "merged",
        18,
    ),
    (
        "peserta4@example.org",
        "Pelatihan aplikasi perkantoran",
        "Pegawai kami belum lancar memakai aplikasi perkantoran.",
        "other",
        "normal",
        "closed",
        40,
    ),
]
DELIVER_TITLE = CASES[4][1]
DESIGN_TITLE = CASES[3][1]


def _mentor(region: Region) -> User:
    email, name, nip, rank, position = MENTOR
    user = db.session.scalar(db.select(User).filter_by(email=email))
    office = db.session.scalar(
        db.select(Office).filter_by(region_id=region.id, acronym="Bappelitbangda")
    )
    if user is None:
        from lms.demo import DEMO_PASSWORD

        user = accounts.create_user(
            email=email,
            full_name=name,
            password=DEMO_PASSWORD,
            nip=nip,
            rank=rank,
            position=position,
            office=office.acronym if office else "",
        )
        user.office_id = office.id if office else None
    held = db.session.scalar(
        db.select(RegionMembership.id).filter_by(
            region_id=region.id, user_id=user.id, role="mentor"
        )
    )
    if held is None:
        regions.add_role(region, identifier=email, role="mentor", office=None, actor=None)
    return user


def _user(email: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(email=email))


def _work_through(
    consultation: Consultation, stages: StageSet, target: str, mentor: User, *, produce: bool
) -> None:
    """The mentor ticks every criterion and moves on, stage after stage, until ``target``
    (``done``: past the last). At Deliver the case creates its registry innovation
    (``produce``), or links one of its office's demo innovations when there is one."""
    access = CaseAccess(mentor=True)
    while consultation.state == "active" and consultation.stage != target:
        stage = stages.get(consultation.stage)
        operations.save_ticks(consultation, stages, set(stage.criterion_keys), actor=mentor)
        following = stages.after(consultation.stage)
        move = operations.MoveInput()
        if following is not None and following.key == stages.deliver:
            if produce:
                move.innovation = "create"
            elif choices := queries.innovation_choices(consultation):
                move.innovation, move.link_to = "link", choices[0]
        operations.move_on(consultation, stages, access, move, actor=mentor)


def _backdate(consultation: Consultation, days: int) -> None:
    """Spread the case's history over the days since it was opened (the report's medians
    and the follow-ups' due dates need a past)."""
    now = utcnow()
    opened = now - timedelta(days=days)
    consultation.created_dt = opened
    if consultation.first_response_dt is not None:
        consultation.first_response_dt = opened + timedelta(hours=5)
    messages = list(
        db.session.scalars(
            db.select(Message).filter_by(consultation_id=consultation.id).order_by(Message.id)
        )
    )
    for index, message in enumerate(messages, 1):
        message.created_dt = opened + (now - opened) * index / (len(messages) + 1)
    if consultation.delivered_dt is not None:
        consultation.delivered_dt = opened + timedelta(days=max(days - 100, 1) // 2)
        start = queries.today_in(consultation.region.timezone) - (now - consultation.delivered_dt)
        for follow_up in db.session.scalars(
            db.select(FollowUp).filter_by(consultation_id=consultation.id)
        ):
            follow_up.due_date = operations.months_later(start, follow_up.months)
    if consultation.ended_dt is not None:
        consultation.ended_dt = now - timedelta(days=max(days // 10, 1))


def _design_case(consultation: Consultation, mentor: User, coordinator: User) -> None:
    """An appointment held with its record and attendance, one to come, a mentors' note, an
    overdue action item and a done one."""
    from lms.attendance.forms import GridEntry

    tz = consultation.region.timezone
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    staff = CaseAccess(mentor=True)
    operations.post(
        consultation,
        mentor,
        staff,
        "Terima kasih. Saya sudah membaca proposal Anda; mari kita bahas **rencana uji coba** pada sesi pertama.",
    )
    operations.post(
        consultation,
        consultation.requester,
        CaseAccess(requester=True),
        "Baik, Bu. Saya bawa data antrean tiga bulan terakhir.",
    )
    operations.post(
        consultation,
        mentor,
        staff,
        "Pemohon perlu didorong melibatkan kepala puskesmas sejak awal; dukungannya belum tertulis.",
        private=True,
    )
    held = operations.schedule(
        consultation,
        operations.AppointmentInput(
            title="Sesi pendampingan 1: rencana uji coba",
            start_dt=now - timedelta(days=10),
            end_dt=now - timedelta(days=10) + timedelta(hours=2),
            mode="in_person",
            place="Ruang Rapat Bappelitbangda",
        ),
        actor=mentor,
    )
    operations.record(
        held,
        "Data antrean tiga bulan dibahas: rata-rata tunggu 2,5 jam pada hari Senin.",
        "- Uji coba di satu loket selama satu bulan.\n- Pemohon menyiapkan surat dukungan kepala puskesmas.",
        actor=mentor,
    )
    people = queries.roster(consultation)
    operations.save_attendance(
        held,
        people,
        [GridEntry(p, True, "present", "", "", "", "", "") for p in people],
        actor=mentor,
    )
    operations.schedule(
        consultation,
        operations.AppointmentInput(
            title="Sesi pendampingan 2: rancang bangun",
            start_dt=now + timedelta(days=3),
            end_dt=now + timedelta(days=3, hours=1),
            mode="online",
            link="https://meet.example.id/klinik-inovasi-demo",
        ),
        actor=mentor,
    )
    today = queries.today_in(tz)
    operations.add_action(
        consultation,
        "Kirim surat dukungan kepala puskesmas",
        consultation.requester,
        today - timedelta(days=7),
        actor=mentor,
    )
    done = operations.add_action(
        consultation,
        "Kumpulkan data antrean tiga bulan",
        consultation.requester,
        today - timedelta(days=12),
        actor=mentor,
    )
    operations.set_action_state(done, "done", actor=consultation.requester)


def load(region: Region) -> int:
    """Create the missing demo cases of ``region``; returns how many were created."""
    stages = current_stages()
    mentor = _mentor(region)
    coordinator = _user("bappeda@example.org")
    fallback = db.session.scalar(
        db.select(Office).filter_by(region_id=region.id, acronym="Bappelitbangda")
    )
    created = 0
    by_title: dict[str, Consultation] = {}
    for email, title, problem, category, urgency, reached, days in CASES:
        requester = _user(email)
        if requester is None or coordinator is None:
            continue
        existing = db.session.scalar(
            db.select(Consultation).filter_by(
                region_id=region.id, requester_id=requester.id, title=title
            )
        )
        if existing is not None:
            by_title[title] = existing
            continue
        office = queries.office_in(region, requester.office_id) or fallback
        submission = None
        if title == DESIGN_TITLE:
            submission = next((s for s, _c in queries.own_proposals(requester)), None)
        consultation = operations.open_case(
            region,
            requester,
            operations.Opening(
                title=title,
                problem=problem,
                office=office,
                category=category,
                urgency=urgency,
                submission=submission,
            ),
            stages,
        )
        by_title[title] = consultation
        created += 1
        if reached is None:
            _backdate(consultation, days)
            continue
        if reached == "merged":
            operations.merge(consultation, by_title[CASES[1][1]], actor=coordinator)
        elif reached == "closed":
            operations.close(
                consultation,
                "Ini kebutuhan pelatihan, bukan masalah inovasi; diteruskan ke BKPSDM.",
                actor=coordinator,
            )
        else:
            operations.accept(consultation, [mentor], actor=coordinator)
            operations.post(
                consultation,
                mentor,
                CaseAccess(mentor=True),
                "Salam kenal, saya pendamping Anda. Kapan kita bisa bertemu?",
            )
            _work_through(consultation, stages, reached, mentor, produce=title == DELIVER_TITLE)
            if title == DESIGN_TITLE:
                _design_case(consultation, mentor, coordinator)
        db.session.flush()
        _backdate(consultation, days)
        if title != DELIVER_TITLE:
            _answer_due(consultation, requester)
    db.session.flush()
    return created


def _answer_due(consultation: Consultation, requester: User) -> None:
    """Older cases answered their follow-ups; only the Deliver case's one waits."""
    today = queries.today_in(consultation.region.timezone)
    for follow_up in db.session.scalars(
        db.select(FollowUp).filter_by(consultation_id=consultation.id, answered_dt=None)
    ):
        if follow_up.due_date <= today:
            operations.answer_follow_up(
                follow_up,
                operations.Answer(
                    trial_started=True,
                    trial_date=follow_up.due_date - timedelta(days=60),
                    has_decree=True,
                    decree="Keputusan Kepala Dinas tentang uji coba inovasi (contoh)",
                    still_running=True,
                ),
                actor=requester,
            )


def pending_follow_up(region: Region) -> FollowUp | None:
    """The demo's follow-up waiting for an answer (for the README and the tests)."""
    return db.session.scalar(
        db.select(FollowUp)
        .join(Consultation, Consultation.id == FollowUp.consultation_id)
        .where(
            Consultation.region_id == region.id,
            Consultation.title == DELIVER_TITLE,
            FollowUp.months == 3,
        )
    )
