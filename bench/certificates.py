"""A class's certificates as jobs, in time and memory, and the single certificate and a merged
PDF against WeasyPrint rendering the same page, in one run.

    nice -n 10 .venv/bin/python bench/certificates.py [--sizes 1000,10000] [--runs 3]
                                                      [--skip-weasyprint]

A temp dir with a fresh SQLite database (``LMS_*`` variables, as bench/run.py) and upload
store. For each size: one finished cohort of that many participants (names with academic
titles, NIP, rank, position, office; one in ten without NIP, as community members are),
the organizer's logo and signature images, and one issued certificate each (rows inserted
in bulk with the snapshot ``operations.snapshot_of`` makes), then each one's own PDF stored
as issuing does (``operations.store_pdfs``, timed). Then, each in a new process (so that its
peak RSS, ``VmHWM`` from /proc, is the job's): the merged PDF job and the ZIP job
(``lms.certificates.jobs``, run by ``lms.jobs.tasks.run_job`` on the in-process queue),
seconds, certificates per second, peak RSS and file size. At the first size also the ZIP job
with no PDF stored (everything drawn).

Peers, on the first 200 certificates of the first size: WeasyPrint renders the same layout
(``bench/weasyprint_certificate.html`` and ``.css``: landscape A4, DejaVu, logo, signature,
the QR code as SVG, the texts of ``pdf._page_of``) for one certificate and for a merged
200-page PDF; against them the participant's download of a stored certificate (the app's
route, Flask test client), one certificate drawn afresh (``pdf.render``, caches warm), and the
merged 200 pages (``pdf.write_merged``). A trivial fpdf2 document of as many pages is the
baseline of the first table. Targets: a job of 10,000 certificates under 400 MB RSS; at
least 20 times WeasyPrint's speed for the single certificate and for the merged PDF. Not a
test.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import io
import itertools
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# The in-process app would log every request it serves (the downloads) to stderr.
logging.getLogger("lms.request").setLevel(logging.WARNING)

from common import bench_environment, machine_lines, now_text  # noqa: E402

BASE_URL = "https://kelasinovasi.sinjaikab.go.id"
#: The memory a job of 10,000 certificates must stay under (MB of peak RSS).
RSS_TARGET_MB = 400
#: How many times faster than WeasyPrint the single certificate and the merged PDF must be.
PEER_TARGET = 20
PEER_PAGES = 200
#: bench/report.py's target for both files of 1,000 certificates.
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


def cohort_code(count: int) -> str:
    return f"KIT-BENCH-{count}"


def peak_rss_mb() -> float:
    """This process's peak resident memory (``VmHWM``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- seeding ---------------------------------------------------------------------------------


def seed(count: int, *, store: bool = True) -> tuple[int, str]:
    """The cohort, its people, plan, images and certificates (and, with ``store``, each
    one's own PDF in the upload store, as issuing makes it); (cohort id, summary)."""
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
    rng = random.Random(2023 + count)
    code = cohort_code(count)
    app = create_app()
    with app.app_context(), app.test_request_context(base_url=BASE_URL):
        db.create_all()
        cohort = cohorts.create_cohort(
            {
                "code": code,
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
        # One cheap hash for everyone: these accounts never log in through the form.
        password = generate_password_hash("bench", method="pbkdf2:sha256:1")
        appointed = 1990 + count % 29  # NIPs unique across the classes of one run
        people = []
        for i in range(count):
            asn = i % 10 != 9
            people.append(
                User(
                    email=f"sertifikat{count}-{i}@example.org",
                    full_name=f"{rng.choice(FRONT)}{rng.choice(GIVEN)}{rng.choice(DEGREES)}",
                    nip=f"19{70 + i % 25}{1 + i % 12:02d}{1 + i % 28:02d}{appointed}"
                    f"{i // 1000 + 1:02d}{1 + i % 2}{i % 1000:03d}"
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
        certificates = []
        for seq, person in enumerate(sorted(people, key=lambda p: p.full_name), 1):
            candidate = SimpleNamespace(user=person, held=5, attended=5 - seq % 2)
            certificates.append(
                Certificate(
                    cohort_id=cohort.id,
                    user_id=person.id,
                    kind="completion",
                    state="issued",
                    seq=seq,
                    number=ops.format_number(plan.number_pattern, seq, cohort.code, now),
                    code=ops.new_code(),
                    qualification=rng.choice(["Sangat Memuaskan", "Memuaskan", "Baik"]),
                    jp=15 - 3 * (seq % 2),
                    snapshot=ops.snapshot_of(cohort, plan, candidate),
                    issued_dt=now,
                )
            )
        db.session.add_all(certificates)
        db.session.commit()
        cohort_id = cohort.id
        seeded = time.perf_counter() - began
        stored = ""
        if store:
            began = time.perf_counter()
            for start in range(0, len(certificates), 500):
                ops.store_pdfs(certificates[start : start + 500], plan)
                db.session.commit()
            seconds = time.perf_counter() - began
            stored = (
                f"; each one's own PDF stored as issuing does in {seconds:.1f} s "
                f"({count / seconds:.0f} certs/s)"
            )
        db.engine.dispose()
    return cohort_id, (
        f"{count} issued certificates of {code} (one in ten without NIP), logo PNG "
        f"{logo_size[0]}x{logo_size[1]} and signature PNG {sign_size[0]}x{sign_size[1]} "
        f"(seeded in {seeded:.1f} s{stored})"
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


# --- a job in a process of its own -----------------------------------------------------------


@dataclass
class JobRun:
    scenario: str
    certificates: int
    seconds: float
    peak_mb: float
    base_mb: float
    size: int
    state: str = "done"

    @property
    def rate(self) -> float:
        return self.certificates / self.seconds if self.seconds else float("nan")


def _job_child(kind: str, cohort_id: int, unstore: bool) -> dict:
    """In the child: run one job of ``kind`` about the cohort, as a worker would."""
    from lms import create_app
    from lms.certificates.models import Certificate
    from lms.cohorts.models import Cohort
    from lms.extensions import db
    from lms.jobs import operations, tasks
    from lms.jobs.models import Job

    app = create_app()
    with app.app_context():
        if unstore:  # as if nothing had been stored at issue
            db.session.execute(
                db.update(Certificate)
                .where(Certificate.cohort_id == cohort_id)
                .values(pdf_key=None, pdf_fingerprint=None)
            )
            db.session.commit()
        with app.test_request_context(base_url=BASE_URL):
            cohort = db.session.get(Cohort, cohort_id)
            job, _created = operations.start(kind, cohort, owner=None, enqueue=False)
            db.session.commit()
            job_id = job.id
        count = db.session.scalar(
            db.select(db.func.count(Certificate.id)).filter_by(cohort_id=cohort_id, state="issued")
        )
        db.session.remove()
    base = rss_mb()
    start = time.perf_counter()
    outcome = tasks.run_job(app, job_id)
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    with app.app_context():
        row = db.session.get(Job, job_id)
        size = row.result_size or 0
        error = row.error
        db.engine.dispose()
    return {
        "state": outcome if not error else f"{outcome}: {error}",
        "certificates": count,
        "seconds": seconds,
        "peak_mb": peak,
        "base_mb": base,
        "size": size,
    }


def run_job(scenario: str, kind: str, cohort_id: int, *, unstore: bool = False) -> JobRun:
    """Run the job in a new process (``LMS_JOBS_URL=memory://``: that process runs it);
    its time, peak RSS and file size."""
    env = {**os.environ, "LMS_JOBS_URL": "memory://"}
    command = [sys.executable, __file__, "--job", kind, "--cohort", str(cohort_id)]
    if unstore:
        command.append("--unstore")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{scenario}: the job process failed:\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return JobRun(
        scenario,
        data["certificates"],
        data["seconds"],
        data["peak_mb"],
        data["base_mb"],
        data["size"],
        data["state"],
    )


def time_batch(cohort_id: int) -> tuple[int, float, int, float]:
    """Both batch jobs of the cohort (each in a process of its own, the stored PDFs current):
    (certificates, seconds of both, bytes of both files, the higher peak RSS in MB).
    bench/report.py's row."""
    from lms.certificates import jobs as certificate_jobs

    merged = run_job("merged", certificate_jobs.BATCH_PDF, cohort_id)
    bundle = run_job("zip", certificate_jobs.BATCH_ZIP, cohort_id)
    for run in (merged, bundle):
        if run.state != "done":
            raise RuntimeError(f"the {run.scenario} job ended {run.state}")
    return (
        merged.certificates,
        merged.seconds + bundle.seconds,
        merged.size + bundle.size,
        max(merged.peak_mb, bundle.peak_mb),
    )


def first_render_child(cohort_id: int) -> dict:
    """In the child: one certificate drawn in a new process (fonts cut, images read)."""
    from lms import create_app
    from lms.certificates import pdf, queries
    from lms.cohorts.models import Cohort
    from lms.extensions import db

    app = create_app()
    with app.app_context(), app.test_request_context(base_url=BASE_URL):
        cohort = db.session.get(Cohort, cohort_id)
        plan = queries.plan_or_default(cohort)
        first = next(iter(queries.iter_issued(cohort, page=1)))
        start = time.perf_counter()
        pdf.render([first], plan)
        seconds = time.perf_counter() - start
        db.engine.dispose()
    return {"seconds": seconds}


# --- the peers ---------------------------------------------------------------------------------


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


class WeasyCertificates:
    """The certificate of lms/certificates/pdf.py as HTML and CSS, rendered by WeasyPrint."""

    def __init__(self, plan) -> None:
        import jinja2
        import weasyprint

        from lms import storage
        from lms.certificates import pdf

        self.weasyprint = weasyprint
        self.pdf = pdf
        self.template = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE), autoescape=True
        ).get_template("weasyprint_certificate.html")
        self.css = weasyprint.CSS(filename=str(HERE / "weasyprint_certificate.css"))
        self.drawing = pdf._Drawing(plan, pdf.verify_url)

        def data_uri(key: str | None) -> str | None:
            if not key:
                return None
            data = storage.path_of(key).read_bytes()
            return "data:image/png;base64," + base64.b64encode(data).decode()

        self.logo = data_uri(plan.logo_key)
        self.signature = data_uri(plan.signature_key)

    def render(self, certificates) -> bytes:
        import zxingcpp

        pages = [self.drawing.page(c) for c in certificates]
        qr = []
        for page in pages:  # the same QR encoder as the app's, as SVG
            code = zxingcpp.create_barcode(page.url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
            svg = code.to_svg(add_quiet_zones=False)
            qr.append("data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode())
        html = self.template.render(
            pages=pages,
            qr=qr,
            logo=self.logo,
            signature=self.signature,
            lang="id",
            title=certificates[0].number,
        )
        document = self.weasyprint.HTML(string=html, base_url=str(HERE) + "/")
        return document.write_pdf(stylesheets=[self.css])


def download_client(app, certificate):
    """A test client logged in as the certificate's participant, and the download's URL."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(certificate.user_id)
        session["_fresh"] = True
    return client, f"/cohorts/{certificate.cohort_id}/certificates/{certificate.id}.pdf"


def measure_peers(cohort_id: int, runs: int, weasy: bool) -> tuple[list[Row], list[str]]:
    from lms import create_app
    from lms.certificates import pdf, queries
    from lms.cohorts.models import Cohort
    from lms.extensions import db

    app = create_app()
    rows: list[Row] = []
    notes: list[str] = []
    with app.app_context(), app.test_request_context(base_url=BASE_URL):
        cohort = db.session.get(Cohort, cohort_id)
        plan = queries.plan_or_default(cohort)
        certificates = list(itertools.islice(queries.iter_issued(cohort), PEER_PAGES))
        one = certificates[:1]
        client, url = download_client(app, one[0])
        assert pdf.stored_path(one[0], plan) is not None, "the certificate has no stored PDF"
        pdf.render(one, plan)  # the process's caches: fonts cut down, images parsed

        def download() -> bytes:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response.data

        def merged() -> bytes:
            out = io.BytesIO()
            pdf.write_merged(iter(certificates), plan, out)
            return out.getvalue()

        download()
        scenarios: list[tuple[str, int, Callable[[], bytes], int]] = [
            ("fpdf2 trivial pages", PEER_PAGES, lambda: trivial(PEER_PAGES), runs),
            ("one: stored, downloaded", 1, download, max(runs, 20)),
            ("one: drawn (render)", 1, lambda: pdf.render(one, plan), max(runs, 10)),
            (f"merged {PEER_PAGES} (write_merged)", PEER_PAGES, merged, runs),
        ]
        if weasy:
            peer = WeasyCertificates(plan)
            peer.render(one)  # its fonts and stylesheet, once
            scenarios += [
                ("WeasyPrint: one", 1, lambda: peer.render(one), max(runs, 5)),
                (
                    f"WeasyPrint: merged {PEER_PAGES}",
                    PEER_PAGES,
                    lambda: peer.render(certificates),
                    1,
                ),
            ]
        for name, pages, fn, times in scenarios:
            seconds, size = median_of(fn, times)
            rows.append(Row(name, pages, seconds, size))
        db.engine.dispose()
    first = subprocess.run(
        [sys.executable, __file__, "--first-render", "--cohort", str(cohort_id)],
        capture_output=True,
        text=True,
        check=False,
    )
    if first.returncode == 0:
        seconds = json.loads(first.stdout.strip().splitlines()[-1])["seconds"]
        notes.append(
            f"one certificate drawn in a new process (fonts cut down, images parsed): "
            f"{1000 * seconds:.0f} ms"
        )
    return rows, notes


# --- the report ---------------------------------------------------------------------------------


def job_table(runs: list[JobRun]) -> list[str]:
    lines = [
        f"{'job':<40}{'certs':>7}{'seconds':>9}{'certs/s':>9}{'peak MB':>9}{'app MB':>8}"
        f"{'file MB':>9}  state"
    ]
    for r in runs:
        lines.append(
            f"{r.scenario:<40}{r.certificates:>7}{r.seconds:>9.1f}{r.rate:>9.0f}"
            f"{r.peak_mb:>9.0f}{r.base_mb:>8.0f}{r.size / 1e6:>9.1f}  {r.state}"
        )
    return lines


def peer_table(rows: list[Row]) -> list[str]:
    base = rows[0].seconds / rows[0].pages or float("nan")
    lines = [f"{'scenario':<34}{'pages':>7}{'ms':>10}{'ms/page':>9}{'KB':>9}{'ratio':>8}"]
    for r in rows:
        per_page = r.seconds / r.pages
        lines.append(
            f"{r.scenario:<34}{r.pages:>7}{1000 * r.seconds:>10.1f}{1000 * per_page:>9.2f}"
            f"{r.size / 1000:>9.0f}{per_page / base:>8.1f}"
        )
    return lines


def verdicts(runs: list[JobRun], rows: list[Row]) -> list[str]:
    lines = []
    largest = max(runs, key=lambda r: r.certificates)
    worst = max(r.peak_mb for r in runs if r.certificates == largest.certificates)
    met = "met" if worst < RSS_TARGET_MB and all(r.state == "done" for r in runs) else "NOT met"
    lines.append(
        f"target: a job of {largest.certificates} certificates under {RSS_TARGET_MB} MB RSS: "
        f"{met} (peak {worst:.0f} MB)"
    )
    by_name = {r.scenario: r for r in rows}
    weasy_one = by_name.get("WeasyPrint: one")
    weasy_merged = by_name.get(f"WeasyPrint: merged {PEER_PAGES}")
    if weasy_one is None or weasy_merged is None:
        lines.append("peers: WeasyPrint not measured (--skip-weasyprint, or not installed)")
        return lines
    for ours, peer in (
        (by_name["one: stored, downloaded"], weasy_one),
        (by_name["one: drawn (render)"], weasy_one),
        (by_name[f"merged {PEER_PAGES} (write_merged)"], weasy_merged),
    ):
        ratio = peer.seconds / ours.seconds
        met = "met" if ratio >= PEER_TARGET else "NOT met"
        lines.append(
            f"target: {ours.scenario} at least {PEER_TARGET}x faster than {peer.scenario}: "
            f"{met} ({ratio:.1f}x; {1000 * ours.seconds:.1f} ms vs {1000 * peer.seconds:.1f} ms)"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="certificates per class")
    parser.add_argument("--runs", type=int, default=3, help="median of (default 3)")
    parser.add_argument("--skip-weasyprint", action="store_true")
    # What the child processes are asked to do.
    parser.add_argument("--job", help=argparse.SUPPRESS)
    parser.add_argument("--cohort", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--unstore", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--first-render", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.job:
        print(json.dumps(_job_child(args.job, args.cohort, args.unstore)))
        return 0
    if args.first_render:
        print(json.dumps(first_render_child(args.cohort)))
        return 0

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    weasy = not args.skip_weasyprint
    if weasy:
        try:
            import weasyprint  # noqa: F401
        except (ImportError, OSError) as exc:
            print(f"WeasyPrint not available ({exc}): `make bench` installs it", file=sys.stderr)
            weasy = False

    from lms.certificates import jobs as certificate_jobs

    began = time.perf_counter()
    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp_dir:
        bench_environment(Path(tmp_dir))
        data, runs = [], []
        peers: list[Row] = []
        notes: list[str] = []
        for n, size in enumerate(sizes):
            cohort_id, summary = seed(size)
            data.append(summary)
            if n == 0:
                peers, notes = measure_peers(cohort_id, args.runs, weasy)
            runs.append(run_job(f"merged PDF ({size})", certificate_jobs.BATCH_PDF, cohort_id))
            runs.append(
                run_job(
                    f"ZIP, PDFs stored at issue ({size})", certificate_jobs.BATCH_ZIP, cohort_id
                )
            )
            if n == 0:
                runs.append(
                    run_job(
                        f"ZIP, nothing stored: all drawn ({size})",
                        certificate_jobs.BATCH_ZIP,
                        cohort_id,
                        unstore=True,
                    )
                )
    cpus, python = machine_lines()
    lines = [
        f"Kelas Inovasi certificate benchmark, {now_text()} "
        f"(the run took {(time.perf_counter() - began) / 60:.1f} min)",
        f"machine: {cpus}; {python}",
        f"load average (1, 5, 15 min) before and after: {load_before} and "
        + " ".join(f"{x:.1f}" for x in os.getloadavg())
        + " (other work on the machine slows every row; the ratios are of one run)",
        *(f"data: {d}" for d in data),
        "jobs: each in a new process running lms.jobs.tasks.run_job (in-process queue); "
        "peak MB: that process's VmHWM; app MB: its RSS with the app loaded, before the job",
        "",
        *job_table(runs),
        "",
        f"peers: the first {PEER_PAGES} certificates of {cohort_code(sizes[0])}; median of "
        f"{args.runs} (one certificate: of more); ratio: ms per page to the trivial fpdf2 "
        "document's",
        *notes,
        "",
        *peer_table(peers),
        "",
        *verdicts(runs, peers),
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
