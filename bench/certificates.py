"""Seconds to print a cohort's certificates: the merged PDF, the ZIP of individual PDFs, both.

    .venv/bin/python bench/certificates.py [--certificates 1000] [--runs 1]

A temp dir with a fresh SQLite database (``LMS_*`` variables, as bench/run.py) and upload
store: one finished cohort of ``--certificates`` participants (names with academic titles,
NIP, rank, position, office; one in ten without NIP, as community members are), the
organizer's logo and signature images, and one issued certificate each (rows inserted in
bulk with the snapshot ``operations.snapshot_of`` makes). Then, for the certificates loaded
from the database: ``lms.certificates.pdf.render`` (the merged PDF for printing),
``zip_of`` (one PDF per certificate) and ``batch`` (both files from one drawing), each
``--runs`` times (the median is printed), against a trivial fpdf2 document of as many pages
measured in the same run. Target: both files for 1,000 certificates in about 10 s.
Not a test.
"""

from __future__ import annotations

import argparse
import datetime
import io
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_environment, machine_lines, now_text  # noqa: E402

COHORT = "KIT-BENCH-2023"
BASE_URL = "https://kelasinovasi.sinjaikab.go.id"
TARGET_SECONDS = 10.0

FRONT = ["", "", "", "Dr. ", "Ir. ", "Hj. ", "H. ", "Dr. Ir. ", "drg. ", "Andi "]
GIVEN = [
    "Nurjannah Sitti Rahmawati",
    "Muhammad Arif Daeng Sila",
    "Sitti Aisyah",
    "Ahmad Fauzi",
    "Rahmat Hidayat",
    "Nur Afifah Kamaruddin",
    "Syamsul Bahri Daeng Matutu",
    "Fitriani",
    "Andi Besse Tenri Ajeng",
    "Muh. Ikhsan Syam",
    "Hasnawati Nur'aini",
    "Zulkifli Ramadhan",
]
DEGREES = [
    ", S.Sos.",
    ", S.E., M.Si.",
    ", S.Kep., Ns.",
    ", S.T., M.T.",
    ", S.Pd.",
    ", S.KM., M.Kes.",
    ", S.H., M.H.",
    ", A.Md.Keb.",
    "",
]
POSITIONS = [
    "Analis Kebijakan Ahli Muda",
    "Perencana Ahli Pertama",
    "Kepala Seksi Pelayanan",
    "Pranata Komputer Ahli Pertama",
    "Guru Ahli Madya",
    "Bidan Terampil",
]
OFFICES = [
    "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah",
    "Dinas Kesehatan",
    "Dinas Kependudukan dan Pencatatan Sipil",
    "Kecamatan Sinjai Utara",
    "UPTD Puskesmas Bikeru",
    "SMP Negeri 1 Sinjai Timur",
    "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
]


def seed(count: int) -> tuple[int, str]:
    """The cohort, its people, plan, images and certificates; (cohort id, summary)."""
    from PIL import Image, ImageDraw
    from werkzeug.security import generate_password_hash

    from lms import create_app, storage
    from lms.accounts.civil_service import RANK_CODES
    from lms.accounts.models import User
    from lms.certificates import operations as ops
    from lms.certificates.models import Certificate
    from lms.cohorts import operations as cohorts
    from lms.cohorts.models import Membership
    from lms.extensions import db

    began = time.perf_counter()
    rng = random.Random(2023)
    app = create_app()
    with app.app_context(), app.test_request_context():
        db.create_all()
        cohort = cohorts.create_cohort(
            {
                "code": COHORT,
                "name": "Kelas Inovasi Tematik 2023 Angkatan I",
                "venue": "Aula Bappelitbangda Kabupaten Sinjai",
                "start_date": datetime.date(2023, 9, 5),
                "end_date": datetime.date(2023, 9, 7),
                "timezone": "Asia/Makassar",
                "jp_total": 24,
                "state": "finished",
                "signer_name": "Dr. Ir. H. Andi Mappatunru, M.Si.",
                "signer_title": "Kepala Badan Perencanaan Pembangunan, Penelitian dan "
                "Pengembangan Daerah Kabupaten Sinjai",
                "signer_nip": "197001011995031001",
            },
            actor=None,
        )
        # One cheap hash for everyone: these accounts never log in.
        password = generate_password_hash("bench", method="pbkdf2:sha256:1")
        people = []
        for i in range(count):
            asn = i % 10 != 9
            people.append(
                User(
                    email=f"sertifikat{i}@example.org",
                    full_name=f"{rng.choice(FRONT)}{rng.choice(GIVEN)}{rng.choice(DEGREES)}",
                    nip=f"19{70 + i % 25}{1 + i % 12:02d}{1 + i % 28:02d}2006{i // 1000 + 1:02d}"
                    f"{1 + i % 2}{i % 1000:03d}"
                    if asn
                    else None,
                    rank=rng.choice(RANK_CODES[8:14]) if asn else None,
                    position=rng.choice(POSITIONS) if asn else "",
                    office=f"{rng.choice(OFFICES)} Kabupaten Sinjai",
                    password_hash=password,
                )
            )
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(
            Membership(cohort_id=cohort.id, user_id=p.id, role="participant") for p in people
        )
        plan = ops.plan_for(cohort)
        plan.sign_place = "Sinjai"
        plan.logo_key, logo_size = _image(storage, Image, ImageDraw, (800, 800), "logo")
        plan.signature_key, sign_size = _image(storage, Image, ImageDraw, (1200, 400), "sign")
        now = datetime.datetime.now(datetime.UTC)
        for seq, person in enumerate(sorted(people, key=lambda p: p.full_name), 1):
            candidate = SimpleNamespace(user=person, held=5, attended=5 - seq % 2)
            db.session.add(
                Certificate(
                    cohort_id=cohort.id,
                    user_id=person.id,
                    kind="completion",
                    seq=seq,
                    number=ops.format_number(plan.number_pattern, seq, cohort.code, now),
                    code=ops.new_code(),
                    qualification=rng.choice(["Sangat Memuaskan", "Memuaskan", "Baik"]),
                    jp=15 - 3 * (seq % 2),
                    snapshot=ops.snapshot_of(cohort, plan, candidate),
                    issued_dt=now,
                )
            )
        db.session.commit()
        cohort_id = cohort.id
        db.engine.dispose()
    seconds = time.perf_counter() - began
    return cohort_id, (
        f"{count} issued certificates of {COHORT} (one in ten without NIP), logo PNG "
        f"{logo_size[0]}x{logo_size[1]} and signature PNG {sign_size[0]}x{sign_size[1]} "
        f"(seeded in {seconds:.1f} s)"
    )


def _image(storage, Image, ImageDraw, size: tuple[int, int], what: str):
    """A transparent PNG of ``size``, stored like an organizer's upload: (key, size)."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    w, h = size
    if what == "logo":
        draw.ellipse((8, 8, w - 8, h - 8), fill=(0, 90, 160, 255), outline=(200, 160, 0, 255))
        draw.rectangle((w // 4, h // 3, 3 * w // 4, 2 * h // 3), fill=(255, 255, 255, 255))
    else:
        points = [(x, h // 2 + int((h // 3) * ((x // 60) % 3 - 1))) for x in range(20, w, 60)]
        draw.line(points, fill=(20, 20, 110, 255), width=10)
    out = io.BytesIO()
    image.save(out, format="PNG")
    out.seek(0)
    return storage.save_upload(out, max_bytes=10_000_000, allowed={"png"}).key, size


@dataclass
class Row:
    scenario: str
    pages: int
    seconds: float
    size: int


def median_of(fn: Callable[[], bytes], runs: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        size = len(fn())
        times.append(time.perf_counter() - start)
    return statistics.median(times), size


def trivial(pages: int) -> bytes:
    """The baseline: an fpdf2 document of ``pages`` pages with one line of text each."""
    from fpdf import FPDF

    document = FPDF(orientation="L", format="A4")
    document.set_font("Helvetica", size=12)
    for n in range(pages):
        document.add_page()
        document.text(20, 20, f"Halaman {n + 1}")
    return bytes(document.output())


def measure(cohort_id: int, runs: int) -> tuple[list[Row], float]:
    from lms import create_app
    from lms.certificates import pdf
    from lms.certificates.models import Certificate, CertificatePlan
    from lms.extensions import db

    app = create_app()
    rows: list[Row] = []
    with app.app_context(), app.test_request_context(base_url=BASE_URL):
        start = time.perf_counter()
        plan = db.session.scalar(db.select(CertificatePlan).filter_by(cohort_id=cohort_id))
        certificates = db.session.scalars(
            db.select(Certificate).filter_by(cohort_id=cohort_id).order_by(Certificate.seq)
        ).all()
        load = time.perf_counter() - start
        if "lms.certificates.verify" in app.view_functions:
            url_for_code = pdf.verify_url
        else:  # the verification page is not there yet

            def url_for_code(code: str) -> str:
                return f"{BASE_URL}/verify/{code}"

        n = len(certificates)
        scenarios: list[tuple[str, int, Callable[[], bytes]]] = [
            ("fpdf2 trivial pages", n, lambda: trivial(n)),
            (
                "one certificate (render)",
                1,
                lambda: pdf.render(certificates[:1], plan, url_for_code=url_for_code),
            ),
            (
                "merged PDF (render)",
                n,
                lambda: pdf.render(certificates, plan, url_for_code=url_for_code),
            ),
            (
                "ZIP of PDFs (zip_of)",
                n,
                lambda: pdf.zip_of(certificates, plan, url_for_code=url_for_code),
            ),
            (
                "both files (batch)",
                n,
                lambda: _both(pdf.batch(certificates, plan, url_for_code=url_for_code)),
            ),
        ]
        for name, pages, fn in scenarios:
            seconds, size = median_of(fn, runs if pages > 1 else max(runs, 10))
            rows.append(Row(name, pages, seconds, size))
        db.engine.dispose()
    return rows, load


def _both(batch) -> bytes:
    return batch.merged + batch.zip


def time_batch(cohort_id: int) -> tuple[int, float, int]:
    """Load the cohort's certificates and make both files with ``pdf.batch`` once:
    (certificates, seconds including the load, bytes of both files)."""
    from lms import create_app
    from lms.certificates import pdf
    from lms.certificates.models import Certificate, CertificatePlan
    from lms.extensions import db

    app = create_app()
    with app.app_context(), app.test_request_context(base_url=BASE_URL):
        start = time.perf_counter()
        plan = db.session.scalar(db.select(CertificatePlan).filter_by(cohort_id=cohort_id))
        certificates = db.session.scalars(
            db.select(Certificate).filter_by(cohort_id=cohort_id).order_by(Certificate.seq)
        ).all()
        size = len(_both(pdf.batch(certificates, plan)))
        seconds = time.perf_counter() - start
        db.engine.dispose()
    return len(certificates), seconds, size


def report(rows: list[Row], lines: list[str]) -> str:
    base = rows[0].seconds or float("nan")
    table = [
        f"{'scenario':<26}{'pages':>7}{'seconds':>9}{'pages/s':>9}{'ms/page':>9}"
        f"{'MB':>7}{'ratio':>8}"
    ]
    for r in rows:
        table.append(
            f"{r.scenario:<26}{r.pages:>7}{r.seconds:>9.2f}{r.pages / r.seconds:>9.0f}"
            f"{1000 * r.seconds / r.pages:>9.2f}{r.size / 1e6:>7.1f}{r.seconds / base:>8.1f}"
        )
    return "\n".join([*lines, "", *table])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=1000, help="default 1000")
    parser.add_argument("--runs", type=int, default=1, help="per scenario, median (default 1)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp_dir:
        bench_environment(Path(tmp_dir))
        cohort_id, data = seed(args.certificates)
        rows, load = measure(cohort_id, args.runs)

    by_name = {r.scenario: r for r in rows}
    both = by_name["both files (batch)"].seconds
    separate = by_name["merged PDF (render)"].seconds + by_name["ZIP of PDFs (zip_of)"].seconds
    met = "met" if both <= TARGET_SECONDS else "NOT met"
    cpus, python = machine_lines()
    header = [
        f"Kelas Inovasi certificate benchmark, {now_text()}",
        f"machine: {cpus}; {python}",
        f"data: {data}; {args.certificates} certificates loaded in {load:.2f} s",
        f"runs: {args.runs} per scenario (median); one certificate: median of "
        f"{max(args.runs, 10)}; ratio: to the trivial fpdf2 document of as many pages",
    ]
    footer = [
        "",
        f"target: merged PDF and individual PDFs of {args.certificates} certificates in about "
        f"{TARGET_SECONDS:g} s: {met} ({both:.1f} s with batch; {separate:.1f} s as two "
        "separate calls, render + zip_of)",
    ]
    print(report(rows, header) + "\n" + "\n".join(footer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
