# ruff: noqa: E501  (a data table reads best one innovation a line)
"""Demo innovations of the demo regency: twelve, in every state and stage, most in Dinkes and
Disdukcapil (so the two operators see different ones), one registered from the demo class's
graded proposal, some in the public catalogue with yearly confirmations, one stopped with a
reason, one sent back for revisions and answered. Every innovation, person and number is
fictional.

Called by :func:`lms.demo.load_demo` after the regions demo; an innovation already there (by
name) is left alone, so a second run changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from lms.accounts.models import User
from lms.db import utcnow
from lms.extensions import db
from lms.innovations import operations, queries
from lms.innovations.models import Innovation
from lms.regions.models import Office, Region

COORDINATOR = "bappeda@example.org"
OPERATORS = {"Dinkes": "opd.dinkes@example.org", "Disdukcapil": "opd.dukcapil@example.org"}

#: (office acronym, name, bentuk, jenis, urusan, stage, state, registered, problem, change,
#:  benefit, result, innovators: [(email or name, role, shown in the catalogue)])
INNOVATIONS: list[tuple[Any, ...]] = [
    (
        "Dinkes",
        "SIGAP Ibu Hamil (Sistem Informasi Gawat dan Pendampingan Ibu Hamil)",
        "pelayanan_publik",
        "digital",
        "kesehatan",
        "penerapan",
        "verified",
        2023,
        "Ibu hamil risiko tinggi di desa terpencil sering terlambat dirujuk karena bidan desa tidak tahu kapan harus menjemput.",
        "Bidan desa mencatat ibu hamil risiko tinggi di ponsel; tanda bahaya memicu pesan ke puskesmas dan ambulans desa.",
        "Rujukan ibu hamil risiko tinggi lebih cepat dan terpantau.",
        "Waktu rujukan rata-rata turun dari 6 jam menjadi 2 jam (angka ilustrasi).",
        [
            ("peserta9@example.org", "Ketua tim", True),
            ("Kader Posyandu Desa Bonto", "Anggota", True),
        ],
    ),
    (
        "Dinkes",
        "Posbindu Keliling Lansia",
        "pelayanan_publik",
        "non_digital",
        "kesehatan",
        "uji_coba",
        "verified",
        2024,
        "Lansia dengan hipertensi jarang memeriksakan diri karena jarak ke puskesmas jauh.",
        "Tim posbindu datang ke dusun sebulan sekali dengan jadwal tetap yang diumumkan di masjid.",
        "Tekanan darah lansia terpantau setiap bulan.",
        "Cakupan pemeriksaan lansia naik menjadi 70 persen (angka ilustrasi).",
        [("peserta17@example.org", "Ketua tim", True)],
    ),
    (
        "Dinkes",
        "Apotek Desa Terpadu",
        "pelayanan_publik",
        "non_digital",
        "kesehatan",
        "inisiatif",
        "submitted",
        2025,
        "Obat rutin penyakit kronis sering habis di pustu sebelum jadwal distribusi.",
        "Stok obat pustu dicatat mingguan dan dikirim bersama kurir surat kantor desa.",
        "Obat rutin tersedia di desa.",
        "Diharapkan tidak ada kekosongan obat rutin di pustu.",
        [("peserta13@example.org", "Pengusul", False)],
    ),
    (
        "Dinkes",
        "Rapor Gizi Balita Digital",
        "pelayanan_publik",
        "digital",
        "kesehatan",
        "uji_coba",
        "revisions_requested",
        2025,
        "Orang tua tidak tahu perkembangan gizi anaknya karena kartu menuju sehat sering hilang.",
        "Hasil penimbangan posyandu dikirim ke orang tua lewat pesan singkat dengan grafik sederhana.",
        "Orang tua memantau gizi balita dari rumah.",
        "Diharapkan kunjungan posyandu naik.",
        [("peserta2@example.org", "Ketua tim", False)],
    ),
    (
        "Disdukcapil",
        "KTP Kilat Kecamatan",
        "pelayanan_publik",
        "digital",
        "adminduk_capil",
        "penerapan",
        "verified",
        2023,
        "Warga harus datang ke kantor dinas di ibu kota kabupaten untuk mencetak KTP elektronik.",
        "Pencetakan KTP elektronik dibuka di kantor kecamatan dengan jadwal bergilir.",
        "Warga mengurus KTP tanpa ke ibu kota kabupaten.",
        "Waktu layanan turun dari 14 hari menjadi 1 hari (angka ilustrasi).",
        [("peserta8@example.org", "Ketua tim", True)],
    ),
    (
        "Disdukcapil",
        "Akta Lahir dari Puskesmas",
        "pelayanan_publik",
        "digital",
        "adminduk_capil",
        "penerapan",
        "verified",
        2024,
        "Banyak bayi belum memiliki akta kelahiran sampai usia sekolah.",
        "Berkas akta kelahiran diajukan bidan puskesmas saat bayi lahir; akta dikirim ke rumah.",
        "Setiap bayi punya akta sejak lahir.",
        "Kepemilikan akta bayi naik menjadi 95 persen (angka ilustrasi).",
        [
            ("peserta8@example.org", "Anggota", False),
            ("Bidan Koordinator Puskesmas Tondong", "Anggota", True),
        ],
    ),
    (
        "Disdukcapil",
        "Jemput Bola Rekam KTP Disabilitas",
        "pelayanan_publik",
        "non_digital",
        "adminduk_capil",
        "uji_coba",
        "draft",
        2025,
        "Warga penyandang disabilitas sulit datang untuk perekaman KTP elektronik.",
        "Petugas membawa alat perekaman ke rumah warga atas permintaan desa.",
        "Warga disabilitas tercatat dan memiliki KTP.",
        "Diharapkan 200 warga terlayani pada tahun pertama.",
        [],
    ),
    (
        "Disdukcapil",
        "Antrean Daring Dukcapil",
        "pelayanan_publik",
        "digital",
        "adminduk_capil",
        "penerapan",
        "archived",
        2023,
        "Antrean di kantor dinas mengular sejak subuh.",
        "Nomor antrean diambil lewat laman dengan kuota per jam.",
        "Warga datang sesuai jam antreannya.",
        "Antrean fisik berkurang, tetapi banyak warga tidak memakai laman.",
        [("Pranata Komputer Disdukcapil", "Pengembang", False)],
    ),
    (
        "Diskominfo",
        "Satu Data Desa",
        "tata_kelola",
        "digital",
        "statistik",
        "uji_coba",
        "submitted",
        2024,
        "Data desa tersebar di banyak aplikasi dan tidak sama satu dengan yang lain.",
        "Satu formulir data desa dipakai bersama oleh semua perangkat daerah.",
        "Perencanaan memakai data yang sama.",
        "Diharapkan 40 desa memakai formulir yang sama.",
        [("peserta4@example.org", "Ketua tim", False)],
    ),
    (
        "Disdik",
        "Guru Penggerak Literasi Dusun",
        "pelayanan_publik",
        "non_digital",
        "pendidikan",
        "inisiatif",
        "draft",
        2025,
        "Siswa SD di dusun terpencil tertinggal dalam kemampuan membaca.",
        "Guru dan relawan membuka pojok baca sore hari di rumah warga.",
        "Kemampuan membaca siswa membaik.",
        "Diharapkan semua siswa kelas 3 lancar membaca.",
        [("peserta16@example.org", "Ketua tim", False)],
    ),
    (
        "Distan",
        "Kalender Tanam Berbasis Pesan Singkat",
        "pelayanan_publik",
        "digital",
        "pertanian",
        "penerapan",
        "verified",
        2024,
        "Petani menanam tidak serempak sehingga serangan hama meluas.",
        "Penyuluh mengirim jadwal tanam dan peringatan hama lewat pesan singkat ke kelompok tani.",
        "Tanam serempak dan serangan hama berkurang.",
        "Gagal panen karena hama turun (angka ilustrasi).",
        [("peserta3@example.org", "Ketua tim", True)],
    ),
]
#: Which of them are in the public catalogue, and their catalogue texts.
PUBLISHED = {
    "SIGAP Ibu Hamil (Sistem Informasi Gawat dan Pendampingan Ibu Hamil)": "https://www.youtube.com/watch?v=demo-sigap",
    "KTP Kilat Kecamatan": "https://www.youtube.com/watch?v=demo-ktp-kilat",
    "Akta Lahir dari Puskesmas": "",
    "Kalender Tanam Berbasis Pesan Singkat": "https://www.youtube.com/watch?v=demo-kalender-tanam",
}
ARCHIVE_REASON = (
    "Diganti layanan antrean di Mal Pelayanan Publik; warga lebih banyak datang langsung. "
    "Pelajaran: sosialisasi kurang sebelum diterapkan."
)


def _user(email: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(email=email))


def _profile(row: tuple[Any, ...], office: Office) -> dict[str, Any]:
    (
        acronym,
        name,
        bentuk,
        jenis,
        urusan,
        stage,
        _state,
        year,
        problem,
        change,
        benefit,
        result,
        _people,
    ) = row
    values: dict[str, Any] = {
        "nama_inovasi": name,
        "perangkat_daerah": office.name,
        "bentuk": bentuk,
        "jenis": jenis,
        "inisiator": "asn",
        "urusan": urusan,
        "tahapan": stage,
        "latar_belakang": problem,
        "dasar_hukum": "1. Peraturan Pemerintah Nomor 38 Tahun 2017 tentang Inovasi Daerah.\n2. Peraturan Bupati Lamaru tentang Inovasi Daerah (fiktif).",
        "isu_strategis": "Pelayanan dasar yang menjangkau warga di desa terpencil.",
        "metode_pembaharuan": change,
        "keunggulan": "Memakai sumber daya yang sudah ada, tanpa biaya besar.",
        "cara_kerja": f"{change} Petugas {acronym} memantau pelaksanaannya setiap bulan.",
        "tujuan": benefit,
        "manfaat": benefit,
        "hasil": result,
        "anggaran": "Dari anggaran rutin perangkat daerah (angka ilustrasi).",
        "kontak": f"Sekretariat {office.name}, telepon kantor (0482) 000-0000",
    }
    if stage in ("uji_coba", "penerapan"):
        values["tanggal_uji_coba"] = f"{year}-03-01"
    if stage == "penerapan":
        values["tanggal_penerapan"] = f"{year}-09-01"
    return values


def _innovators(
    innovation: Innovation, people: list[tuple[str, str, bool]], actor: Any
) -> set[int]:
    """Add the innovators; return the ids of those the catalogue shows."""
    shown = set()
    for who, role, show in people:
        user = _user(who) if "@" in who else None
        if "@" in who and user is None:
            continue
        person = operations.add_innovator(
            innovation, user=user, name="" if user else who, role=role, actor=actor
        )
        if show:
            shown.add(person.id)
    return shown


def _advance(innovation: Innovation, row: tuple[Any, ...], operator: Any, coordinator: Any) -> None:
    state = row[6]
    if state == "draft":
        return
    operations.submit(innovation, actor=operator)
    if state == "revisions_requested":
        operations.request_revisions(
            innovation,
            {
                "hasil": "Tulis angka kunjungan posyandu sebelum uji coba sebagai pembanding.",
                "": "Unggah SK uji coba dari kepala dinas.",
            },
            actor=coordinator,
        )
        for note in operations.open_notes(innovation):
            answer = (
                "Angka kunjungan tiga bulan sebelum uji coba ditambahkan dari register posyandu."
                if note.field_key
                else "SK uji coba sedang ditandatangani; diunggah minggu depan."
            )
            operations.update_innovation(
                innovation,
                innovation.profile,
                operations.Details(
                    office=innovation.office,
                    initiated_date=innovation.initiated_date,
                    answers={note.id: answer},
                ),
                actor=operator,
                seen_lock=None,
            )
        return
    if state == "submitted":
        return
    operations.verify(innovation, actor=coordinator, note="Bukti dukung sudah diperiksa.")
    if state == "archived":
        operations.archive(innovation, ARCHIVE_REASON, actor=coordinator)


def _publish(
    innovation: Innovation, row: tuple[Any, ...], shown: set[int], coordinator: Any
) -> None:
    innovation.video_url = PUBLISHED[innovation.name]
    operations.set_catalogue(
        innovation,
        operations.CatalogueInput(
            publish=True,
            summary=f"{row[9]} {row[10]}",
            drivers="Dukungan kepala perangkat daerah dan kader yang aktif.",
            obstacles="Sinyal ponsel lemah di beberapa desa; pergantian petugas.",
            prerequisites="Petugas penanggung jawab di setiap desa dan jadwal pemantauan bulanan.",
            shown=shown,
        ),
        actor=coordinator,
        seen_lock=None,
    )
    for year in range(int(row[7]) + 1, utcnow().year + 1):
        answer = operations.confirm_running(innovation, year, "running", "", actor=coordinator)
        answer.confirmed_dt = datetime(year, 1, 20, 2, 0, tzinfo=UTC)


def _registered(innovation: Innovation, year: int) -> None:
    """Spread the demo over the years the list filters by."""
    innovation.created_dt = datetime(year, 2, 1, 2, 0, tzinfo=UTC)
    innovation.initiated_date = date(year, 1, 15)


def _from_class(region: Region, coordinator: Any) -> None:
    """peserta1's released proposal of KIT-2023-I, registered from the class."""
    from lms.cohorts.models import Cohort
    from lms.submissions.models import CohortAssignment, Submission

    owner = _user("peserta1@example.org")
    cohort = db.session.scalar(db.select(Cohort).filter_by(code="KIT-2023-I"))
    if owner is None or cohort is None:
        return
    if cohort.region_id is None:
        cohort.region_id = region.id
    submission = db.session.scalar(
        db.select(Submission)
        .join(CohortAssignment, CohortAssignment.id == Submission.assignment_id)
        .where(CohortAssignment.cohort_id == cohort.id, Submission.user_id == owner.id)
    )
    if submission is None or queries.innovation_from(submission) is not None:
        return
    version = queries.graded_version(submission)
    if version is None:
        return
    office = queries.office_in(region, owner.office_id) or db.session.scalar(
        db.select(Office).filter_by(region_id=region.id, acronym="Dinkes")
    )
    innovation = operations.promote(
        region,
        office,
        version,
        queries.carried_from(version, submission),
        owner=owner,
        actor=owner,
    )
    _registered(innovation, 2023)


def load(region: Region) -> int:
    """Create the missing demo innovations of ``region``; returns how many were created."""
    coordinator = _user(COORDINATOR)
    offices = {
        o.acronym: o for o in db.session.scalars(db.select(Office).filter_by(region_id=region.id))
    }
    existing = set(db.session.scalars(db.select(Innovation.name).filter_by(region_id=region.id)))
    created = 0
    by_name: dict[str, Innovation] = {}
    for row in INNOVATIONS:
        office = offices.get(row[0])
        if office is None or row[1] in existing:
            continue
        operator = _user(OPERATORS.get(row[0], COORDINATOR)) or coordinator
        innovation = operations.create_innovation(
            region, _profile(row, office), operations.Details(office=office), actor=operator
        )
        shown = _innovators(innovation, row[12], operator)
        _advance(innovation, row, operator, coordinator)
        if row[1] in PUBLISHED:
            _publish(innovation, row, shown, coordinator)
        _registered(innovation, int(row[7]))
        by_name[row[1]] = innovation
        created += 1
    # Replication both ways: one copied here, one from a national catalogue.
    copy = by_name.get("Akta Lahir dari Puskesmas")
    source = by_name.get("SIGAP Ibu Hamil (Sistem Informasi Gawat dan Pendampingan Ibu Hamil)")
    if copy is not None and source is not None:
        copy.replicated_from_id = source.id
    calendar = by_name.get("Kalender Tanam Berbasis Pesan Singkat")
    if calendar is not None:
        calendar.replicated_from_url = "https://jippnas.menpan.go.id/"
        calendar.replicated_from_label = "JIPPNas: inovasi layanan informasi pertanian (contoh)"
    before = db.session.scalar(db.select(db.func.count(Innovation.id)))
    _from_class(region, coordinator)
    created += db.session.scalar(db.select(db.func.count(Innovation.id))) - before
    db.session.flush()
    return created
