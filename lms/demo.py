# ruff: noqa: E501  (a data table reads best one person a line)
"""Demo data for ``make run`` and ``flask lms demo``. Every person here is fictional."""

from __future__ import annotations

from datetime import date

from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.clinic import demo as clinic_demo
from lms.cohorts import operations as cohorts
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.iid import demo as iid_demo
from lms.innovations import demo as innovations_demo
from lms.regions import demo as regions_demo

DEMO_PASSWORD = "kelasinovasi"
DEMO_DOMAIN = "@example.org"


class DemoRefused(RuntimeError):
    pass


#: The date the demo people's ranks are true at: the first day of their class.
RANKS_AS_OF = {"KIT-2023-I": date(2023, 9, 5), "KIV-2024-I": date(2024, 5, 14)}

#: Participants of KIT-2023-I: (name with titles, birth date, appointment, sex digit, rank,
#: position, office). A PNS's appointment is YYYYMM (the NIP's digits 9–14); a PPPK's is the
#: year YYYY of the NI PPPK. Ranks follow education and years of service: an S1/D4 starts at
#: III/a and a D3 at II/c, then about one step every four years; PPPK golongan follow the
#: education (D3 VII, S1 IX).
PARTICIPANTS = [
    (
        "Andi Muh. Rahmat, S.Sos.",
        "19860926",
        "201505",
        1,
        "III/c",
        "Analis Kebijakan Ahli Muda",
        "Dinas Kesehatan",
    ),
    (
        "Nurul Hikmah, S.KM.",
        "19900314",
        "201503",
        2,
        "III/b",
        "Epidemiolog Kesehatan Ahli Pertama",
        "Puskesmas Balangnipa",
    ),
    (
        "Ir. Sitti Aminah, M.Si.",
        "19780511",
        "200501",
        2,
        "IV/a",
        "Kepala Bidang",
        "Dinas Pertanian",
    ),
    (
        "Muhammad Ilham, S.Kom.",
        "19980807",
        "202203",
        1,
        "III/a",
        "Pranata Komputer Ahli Pertama",
        "Dinas Kominfo",
    ),
    (
        "Hj. Rosmiati, S.Pd., M.Pd.",
        "19750120",
        "199903",
        2,
        "IV/b",
        "Kepala Sekolah",
        "SMP Negeri 1",
    ),
    (
        "Arifuddin, S.E.",
        "19830219",
        "201001",
        1,
        "III/c",
        "Kepala Subbagian Keuangan",
        "Kecamatan Lamaru Utara",
    ),
    ("dr. Fitriani Basri", "19910630", "201802", 2, "III/b", "Dokter Ahli Pertama", "RSUD"),
    (
        "Syamsul Bahri, S.IP.",
        "19870404",
        "201203",
        1,
        "III/c",
        "Administrator Database Kependudukan Ahli Muda",
        "Dinas Dukcapil",
    ),
    (
        "Hasnawati, A.Md.Keb.",
        "19930918",
        "201712",
        2,
        "II/d",
        "Bidan Terampil",
        "Puskesmas Tondong",
    ),
    ("Ahmad Fauzi, S.T., M.T.", "19820112", "200904", 1, "III/d", "Kepala Seksi", "Dinas PUPR"),
    (
        "Rahmawati, S.Sos.",
        "19890725",
        "201403",
        2,
        "III/c",
        "Pengelola Layanan",
        "Mal Pelayanan Publik",
    ),
    (
        "Baharuddin, S.Pt.",
        "19800303",
        "200701",
        1,
        "III/d",
        "Penyuluh Peternakan Ahli Muda",
        "Dinas Peternakan",
    ),
    (
        "Irma Suryani, S.Farm., Apt.",
        "19940216",
        "2023",
        2,
        "IX",
        "Apoteker Ahli Pertama",
        "Instalasi Farmasi",
    ),
    (
        "Muh. Yusuf, S.H.",
        "19851111",
        "201105",
        1,
        "III/c",
        "Analis Hukum Ahli Muda",
        "Bagian Hukum Setda",
    ),
    ("Nurhayati, S.E., M.M.", "19790827", "200312", 2, "IV/a", "Sekretaris", "Bappelitbangda"),
    ("Kamaruddin, S.Pd.", "19770605", "200201", 1, "IV/a", "Guru Ahli Madya", "SD Negeri 12"),
    (
        "Sri Wahyuni, S.Kep., Ns.",
        "19920402",
        "201703",
        2,
        "III/b",
        "Perawat Ahli Pertama",
        "Puskesmas Bikeru",
    ),
    ("Andi Tenri Sanna, S.STP.", "19950909", "201810", 2, "III/b", "Lurah", "Kelurahan Biringere"),
    (
        "Rusdi Hamid, S.Kel.",
        "19881219",
        "201402",
        1,
        "III/b",
        "Penyuluh Perikanan Ahli Pertama",
        "Dinas Perikanan",
    ),
    (
        "Nurfadillah, S.AB.",
        "19960101",
        "2022",
        2,
        "IX",
        "Analis Kebijakan Ahli Pertama",
        "Kecamatan Lamaru Timur",
    ),
]


def asn_number(birth: str, appointed: str, sex: int, sequence: int) -> tuple[str, str]:
    """(status, number) of a demo person: a NIP for an appointment month YYYYMM, a NI PPPK
    for an appointment year YYYY (digits 13–14 "21" as in published NI PPPK, not a month)."""
    if len(appointed) == 6:
        return "pns", f"{birth}{appointed}{sex}{sequence:03d}"
    return "pppk", f"{birth}{appointed}21{sex}{sequence:03d}"


def _demo_emails() -> set[str]:
    emails = {
        "admin@example.org",
        "panitia@example.org",
        "widyaiswara@example.org",
        "widyaiswara2@example.org",
        "peserta.lain@example.org",
    }
    emails.update(f"peserta{i}@example.org" for i in range(1, len(PARTICIPANTS) + 1))
    emails.update(f"klinik{i}@example.org" for i in range(1, len(CLINIC_PARTICIPANTS) + 1))
    emails.update(regions_demo.EMAILS)
    emails.update(clinic_demo.EMAILS)
    return emails


def _user(email: str, full_name: str, **profile) -> User:
    user = db.session.scalar(db.select(User).filter_by(email=email))
    if user is None:
        user = accounts.create_user(
            email=email, full_name=full_name, password=DEMO_PASSWORD, **profile
        )
    return user


def _cohort(code: str, **data) -> Cohort:
    cohort = db.session.scalar(db.select(Cohort).filter_by(code=code))
    if cohort is None:
        cohort = cohorts.create_cohort({"code": code, **data}, actor=None)
    return cohort


DEMO_COURSES = {
    "KIT-2023-I": [
        "kebijakan-inovasi-daerah",
        "penulisan-proposal-inovasi",
        "video-inovasi-sederhana",
    ],
    "KIV-2024-I": ["video-inovasi-sederhana"],
}


def _demo_courses(main: Cohort, other: Cohort, organizer: User) -> None:
    """Synced courses for the demo classes, and some reading done by the first participants.

    Only classes that follow no course yet are given theirs, so an organizer's later choice
    is kept on the next run.
    """
    from lms.catalog.models import CohortCourse, Course, Lesson, LessonProgress
    from lms.catalog.operations import mark_done, set_cohort_courses

    for cohort in (main, other):
        if db.session.scalar(db.select(CohortCourse.id).filter_by(cohort_id=cohort.id).limit(1)):
            continue
        slugs = DEMO_COURSES[cohort.code]
        found = {
            c.slug: c.id
            for c in db.session.scalars(db.select(Course).where(Course.slug.in_(slugs)))
        }
        set_cohort_courses(cohort, [found[s] for s in slugs if s in found], actor=organizer)
    first_course = db.session.scalar(
        db.select(Course).filter_by(slug=DEMO_COURSES["KIT-2023-I"][0])
    )
    if first_course is None:
        return
    lessons = db.session.scalars(
        db.select(Lesson)
        .filter_by(course_id=first_course.id, archived=False)
        .order_by(Lesson.position)
    ).all()
    for i in range(1, 6):
        reader = db.session.scalar(db.select(User).filter_by(email=f"peserta{i}@example.org"))
        started = db.session.scalar(
            db.select(LessonProgress.id).filter_by(user_id=reader.id).limit(1)
        )
        if started is None:
            for lesson in lessons[: 6 - i]:
                mark_done(reader, lesson)


PRACTICE_TITLE = "Latihan presensi (demo)"
PAST_MEETINGS = [
    ("Kebijakan inovasi daerah", date(2023, 9, 5)),
    ("Penulisan proposal inovasi", date(2023, 9, 6)),
    ("Video inovasi sederhana", date(2023, 9, 7)),
]
#: Statuses of peserta1..20 at the three past meetings: mostly present, some exceptions.
PAST_MARKS = {
    3: ("late", "present", "present"),
    7: ("present", "excused", "present"),
    11: ("sick", "sick", "present"),
    16: ("present", "present", "absent"),
    19: ("absent", "late", "present"),
}


def _demo_signer(cohort: Cohort) -> None:
    """The official who signs the lists and certificates, and the agency that runs the class."""
    if not cohort.signer_name:
        cohort.signer_name = "Dr. Ir. Muhammad Syukri, M.Si."
        cohort.signer_title = "Kepala Bappelitbangda"
        cohort.signer_nip = "197005121996031004"
    if not cohort.signer_rank:
        cohort.signer_rank = "IV/c"
    if not cohort.organized_by:
        cohort.organized_by = (
            "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah Kabupaten Lamaru"
        )


def _demo_attendance(cohort: Cohort, organizer: User) -> None:
    """Three past meetings with marks, and a practice meeting moved to the current hour on
    every run so that check-in can be tried at once."""
    from datetime import time, timedelta

    from lms.attendance.models import Meeting
    from lms.attendance.operations import create_meeting, set_mark
    from lms.db import utcnow
    from lms.timefmt import local, to_utc

    _demo_signer(cohort)
    trainer = db.session.scalar(db.select(User).filter_by(email="widyaiswara@example.org"))
    for title, day in PAST_MEETINGS:
        if db.session.scalar(db.select(Meeting.id).filter_by(cohort_id=cohort.id, title=title)):
            continue
        meeting = create_meeting(
            cohort,
            {
                "title": title,
                "venue": cohort.venue,
                "start_dt": to_utc(day, time(8, 0), cohort.timezone),
                "end_dt": to_utc(day, time(16, 0), cohort.timezone),
                "jp": 8,
            },
            trainers=[trainer],
            actor=organizer,
        )
        index = [t for t, _d in PAST_MEETINGS].index(title)
        for i in range(1, len(PARTICIPANTS) + 1):
            person = db.session.scalar(db.select(User).filter_by(email=f"peserta{i}@example.org"))
            status = PAST_MARKS.get(i, ("present",) * 3)[index]
            set_mark(meeting, person, status, actor=organizer)

    now = local(utcnow(), cohort.timezone)
    start = to_utc(now.date(), time(now.hour, 0), cohort.timezone)
    practice = db.session.scalar(
        db.select(Meeting).filter_by(cohort_id=cohort.id, title=PRACTICE_TITLE)
    )
    if practice is None:
        create_meeting(
            cohort,
            {
                "title": PRACTICE_TITLE,
                "venue": cohort.venue,
                "start_dt": start,
                "end_dt": start + timedelta(hours=3),
                "jp": 0,
                "late_after_minutes": 60,
            },
            trainers=[trainer],
            actor=organizer,
        )
    elif practice.start_dt != start:
        practice.start_dt = start
        practice.end_dt = start + timedelta(hours=3)


def _demo_submissions(cohort: Cohort) -> None:
    """peserta1, peserta3 and peserta4 have submitted the demo proposal, peserta2 has a draft."""
    import tomllib
    from pathlib import Path

    from lms.submissions import operations as submissions
    from lms.submissions.fields import PP38_CRITERIA
    from lms.submissions.models import Submission

    proposal = next(
        (a for a in submissions.ensure_cohort_assignments(cohort) if a.spec.kind == "proposal"),
        None,
    )
    if proposal is None:
        return
    text = (Path(__file__).parent / "demo_data" / "proposal.toml").read_text(encoding="utf-8")
    fields = tomllib.loads(text)
    for number, submit in ((1, True), (2, False), (3, True), (4, True)):
        person = db.session.scalar(db.select(User).filter_by(email=f"peserta{number}@example.org"))
        exists = db.session.scalar(
            db.select(Submission.id).filter_by(assignment_id=proposal.id, user_id=person.id)
        )
        if exists:
            continue
        work = submissions.submission_for(proposal, person)
        submissions.save_draft(work, fields)
        if submit:
            submissions.submit(
                work, self_check={key: True for key, _label in PP38_CRITERIA}, statement=True
            )


#: Participants of the finished video clinic (KIV-2024-I) besides peserta.lain:
#: (name, status, number, rank, position, office, sex, statuses on its two days). A community
#: member takes part too: non-ASN, no number and no rank.
CLINIC_PARTICIPANTS = [
    (
        "Nurul Hikmah, S.Kom.",
        "pns",
        "199103142019032009",
        "III/a",
        "Pranata Komputer Ahli Pertama",
        "Dinas Komunikasi dan Informatika",
        None,
        ("present", "present"),
    ),
    (
        "Ahmad Fauzi, S.E.",
        "pns",
        "198811022014031002",
        "III/b",
        "Analis Keuangan",
        "Badan Keuangan Daerah",
        None,
        ("present", "late"),
    ),
    (
        "Sitti Aminah, A.Md.Keb.",
        "pns",
        "199006212015032004",
        "II/d",
        "Bidan Terampil",
        "Puskesmas Bulupoddo",
        None,
        ("present", "present"),
    ),
    (
        "Rudi Hartono, S.Pd.",
        "pppk",
        "198502102021211011",
        "IX",
        "Guru Ahli Pertama",
        "SMP Negeri 2 Lamaru Utara",
        None,
        ("present", "absent"),
    ),
    (
        "Dewi Lestari, S.Sos.",
        "non_asn",
        None,
        None,
        "Ketua Komunitas Relawan TIK",
        "Relawan TIK Kabupaten Lamaru",
        "P",
        ("present", "present"),
    ),
]
CLINIC_DAYS = (date(2024, 5, 14), date(2024, 5, 15))


def _demo_certificates(cohort: Cohort, organizer: User) -> None:
    """The video clinic is finished: two days of attendance, certificates of attendance for
    everyone who came to both days (80% minimum), one of them reissued after a name error, so
    one is revoked and points to its replacement."""
    from datetime import time

    from lms.attendance.models import Meeting
    from lms.attendance.operations import create_meeting, set_mark
    from lms.certificates import operations as certificates
    from lms.certificates.models import Certificate
    from lms.certificates.queries import evaluate
    from lms.timefmt import to_utc

    if db.session.scalar(db.select(Certificate.id).filter_by(cohort_id=cohort.id).limit(1)):
        return
    cohort.state = "finished"
    _demo_signer(cohort)
    people = [
        db.session.scalar(db.select(User).filter_by(email=f"klinik{i}@example.org"))
        for i in range(1, len(CLINIC_PARTICIPANTS) + 1)
    ]
    lain = db.session.scalar(db.select(User).filter_by(email="peserta.lain@example.org"))
    for index, day in enumerate(CLINIC_DAYS):
        title = f"Klinik video hari {index + 1}"
        meeting = db.session.scalar(db.select(Meeting).filter_by(cohort_id=cohort.id, title=title))
        if meeting is None:
            meeting = create_meeting(
                cohort,
                {
                    "title": title,
                    "venue": cohort.venue,
                    "start_dt": to_utc(day, time(8, 0), cohort.timezone),
                    "end_dt": to_utc(day, time(14, 0), cohort.timezone),
                    "jp": 6,
                },
                actor=organizer,
            )
        for person, row in zip(people, CLINIC_PARTICIPANTS, strict=True):
            set_mark(meeting, person, row[-1][index], actor=organizer)
        set_mark(meeting, lain, "present", actor=organizer)
    plan = certificates.plan_for(cohort)
    plan.kind, plan.min_attendance = "attendance", 80
    plan.number_pattern = "{seq:03d}/SERT/{cohort_code}/{year}"
    plan.sign_place = "Lamaru"
    eligible = [c.user.id for c in evaluate(cohort, plan).eligible]
    issued = certificates.issue(cohort, eligible, actor=organizer)
    mistaken = next(c for c in issued if c.user_id == people[0].id)
    certificates.reissue(
        mistaken, "Gelar peserta salah tulis; diganti dengan sertifikat baru.", actor=organizer
    )


#: Demo markings of the proposal rubric: criterion points and overall comment.
GOOD_MARKING = (
    {
        "kebaruan": 3,
        "manfaat": 3,
        "kewenangan_kolaborasi": 3,
        "replikasi": 2,
        "kualitas_penulisan": 3,
    },
    "Proposal sudah runtut dan menjawab masalah antrean. Perkuat bagian replikasi: sebutkan "
    "syarat yang harus dipenuhi perangkat daerah lain yang ingin meniru.",
)
HIGH_MARKING = (
    {
        "kebaruan": 4,
        "manfaat": 4,
        "kewenangan_kolaborasi": 4,
        "replikasi": 4,
        "kualitas_penulisan": 4,
    },
    "Sangat baik; siap diuji coba.",
)
LOW_MARKING = (
    {
        "kebaruan": 2,
        "manfaat": 2,
        "kewenangan_kolaborasi": 3,
        "replikasi": 2,
        "kualitas_penulisan": 2,
    },
    "Unsur pembaruan belum dibandingkan dengan cara lama; manfaat belum terukur.",
)


def _demo_grading(cohort: Cohort, organizer: User, lead: User, second: User) -> None:
    """peserta1: marked by the lead trainer and released; peserta3: double-marked with totals
    far apart, so flagged for reconciliation; peserta4: waiting for the second trainer."""
    from lms.grading import operations as grading
    from lms.grading.models import Allocation
    from lms.grading.queries import submission as grading_queries
    from lms.grading.scoring import MarkingInput
    from lms.submissions import operations as submissions
    from lms.submissions.models import Submission

    proposal = next(
        (a for a in submissions.ensure_cohort_assignments(cohort) if a.spec.kind == "proposal"),
        None,
    )
    if proposal is None or grading_queries.rubric_for(proposal) is None:
        return
    if db.session.scalar(db.select(Allocation.id).filter_by(assignment_id=proposal.id)):
        return
    plan = grading.plan_for(proposal)
    plan.lead_trainer_id = lead.id
    rubric = grading_queries.rubric_for(proposal)
    gates = {gate["key"]: True for gate in rubric.gates or []}
    people = {
        number: db.session.scalar(db.select(User).filter_by(email=f"peserta{number}@example.org"))
        for number in (1, 3, 4)
    }
    plan_of = {
        1: [(lead, GOOD_MARKING)],
        3: [(lead, HIGH_MARKING), (second, LOW_MARKING)],
        4: [(second, None)],
    }
    for number, markers in plan_of.items():
        person = people[number]
        work = db.session.scalar(
            db.select(Submission).filter_by(assignment_id=proposal.id, user_id=person.id)
        )
        for slot, (trainer, _marking) in enumerate(markers, 1):
            db.session.add(
                Allocation(
                    assignment_id=proposal.id,
                    participant_id=person.id,
                    trainer_id=trainer.id,
                    slot=slot,
                    created_by_id=organizer.id,
                )
            )
        db.session.flush()
        version = grading_queries.latest_version(work)
        for trainer, marking in markers:
            if marking is None:
                continue
            points, comment = marking
            data = MarkingInput(
                points={k: float(v) for k, v in points.items()},
                gates=gates,
                overall_comment=comment,
            )
            grading.save_review(work, version, trainer, data, done=True, lock_version=0)
    first = grading_queries.grade_of(
        grading_queries.latest_version(
            db.session.scalar(
                db.select(Submission).filter_by(assignment_id=proposal.id, user_id=people[1].id)
            )
        )
    )
    if first is not None:
        grading.release([first], organizer)


def load_demo() -> str:
    """Create what is missing and leave everything else alone; returns a summary."""
    others = db.session.scalars(
        db.select(User.email).where(User.email.not_in(_demo_emails())).limit(3)
    ).all()
    if others:
        raise DemoRefused(
            "Refusing to load demo data: this database has accounts that are not demo "
            f"accounts ({', '.join(others)}). Demo data belongs in a fresh database."
        )

    admin = _user("admin@example.org", "Administrator Demo", is_admin=True)
    panitia = _user(
        "panitia@example.org",
        "Hasanuddin, S.Sos., M.Si.",
        employment_status="pns",
        nip="197802152005011003",
        rank="III/d",
        position="Kepala Bidang Litbang",
        office="Bappelitbangda",
    )
    widyaiswara = _user(
        "widyaiswara@example.org",
        "Dr. Andi Nurjannah, M.Si.",
        employment_status="pns",
        nip="197011232000032002",
        rank="IV/b",
        position="Widyaiswara Ahli Madya",
        office="BPSDM Provinsi Sulawesi Selatan",
    )
    main = _cohort(
        "KIT-2023-I",
        name="Kelas Inovasi Tematik 2023 Angkatan I",
        description=(
            "Kelas inovasi tematik bagi ASN perangkat daerah: kebijakan inovasi daerah, "
            "penulisan proposal inovasi dan pembuatan video inovasi sederhana."
        ),
        venue="Aula Bappelitbangda, Lamaru, Sulawesi Selatan",
        start_date=date(2023, 9, 5),
        end_date=date(2023, 9, 7),
        timezone="Asia/Makassar",
        jp_total=24,
        state="open",
    )
    other = _cohort(
        "KIV-2024-I",
        name="Klinik Video Inovasi 2024",
        description="Pendampingan pembuatan video inovasi untuk penilaian indeks inovasi daerah.",
        # The regency's own clinic: a WITA venue in South Sulawesi, like the thematic class.
        venue="Ruang Rapat Bappelitbangda, Lamaru, Sulawesi Selatan",
        start_date=date(2024, 5, 14),
        end_date=date(2024, 5, 15),
        timezone="Asia/Makassar",
        jp_total=12,
        state="open",
    )
    cohorts.add_member(main, email=panitia.email, role="organizer", actor=admin)
    cohorts.add_member(main, email=widyaiswara.email, role="trainer", actor=admin)
    widyaiswara2 = _user(
        "widyaiswara2@example.org",
        "Ir. I Made Suarjana, M.T.",
        employment_status="pns",
        nip="198405122010031005",
        rank="III/d",
        position="Widyaiswara Ahli Muda",
        office="BPSDM Provinsi Sulawesi Selatan",
    )
    cohorts.add_member(main, email=widyaiswara2.email, role="trainer", actor=admin)
    cohorts.add_member(other, email=panitia.email, role="organizer", actor=admin)
    cohorts.add_member(other, email=widyaiswara.email, role="trainer", actor=admin)
    for i, (name, birth, appointed, sex, rank, position, office) in enumerate(PARTICIPANTS, 1):
        status, number = asn_number(birth, appointed, sex, i)
        user = _user(
            f"peserta{i}@example.org",
            name,
            employment_status=status,
            nip=number,
            rank=rank,
            position=position,
            office=office,
            phone=f"0812{i:08d}",
        )
        cohorts.add_member(main, email=user.email, role="participant", actor=panitia)
    lain = _user(
        "peserta.lain@example.org",
        "Yohanes Kristianto, S.T.",
        employment_status="pns",
        nip="198705172011011004",
        rank="III/c",
        position="Penata Ruang Ahli Muda",
        office="Dinas PUPR",
    )
    cohorts.add_member(other, email=lain.email, role="participant", actor=panitia)
    for i, row in enumerate(CLINIC_PARTICIPANTS, 1):
        name, status, number, rank, position, office, sex, _marks = row
        user = _user(
            f"klinik{i}@example.org",
            name,
            employment_status=status,
            nip=number,
            rank=rank,
            position=position,
            office=office,
            sex=sex,
        )
        cohorts.add_member(other, email=user.email, role="participant", actor=panitia)
    _demo_courses(main, other, panitia)
    _demo_attendance(main, panitia)
    _demo_submissions(main)
    _demo_grading(main, panitia, widyaiswara, widyaiswara2)
    _demo_certificates(other, panitia)
    region = regions_demo.load([main, other])
    innovations_demo.load(region)
    iid_demo.load(region)
    clinic_demo.load(region)
    db.session.commit()
    return "\n".join(
        [
            "Demo data ready. Accounts (password: kelasinovasi):",
            "  admin@example.org        admin",
            "  panitia@example.org      panitia (organizer) of KIT-2023-I and KIV-2024-I",
            "  widyaiswara@example.org  widyaiswara (trainer) of KIT-2023-I and KIV-2024-I,",
            "                           lead trainer of the proposal assignment",
            "  widyaiswara2@example.org second widyaiswara of KIT-2023-I",
            f"  peserta1..{len(PARTICIPANTS)}@example.org  peserta (participants) of KIT-2023-I",
            "  peserta.lain@example.org peserta of KIV-2024-I (finished, with certificates;",
            f"  klinik1..{len(CLINIC_PARTICIPANTS)}@example.org   also participants of it)",
            "Certificates: flask --app wsgi lms certificates list KIV-2024-I; try /verify.",
            "Courses: run `flask --app wsgi lms courses sync` before this command to attach them.",
            f"Check-in practice: the meeting '{PRACTICE_TITLE}' of KIT-2023-I is open now;",
            "  log in as panitia@example.org, open Jadwal > Layar presensi, and check in as a",
            "  participant (or: flask --app wsgi lms attendance code <meeting-id>).",
        ]
    )
