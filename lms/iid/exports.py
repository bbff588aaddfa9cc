"""The year's exports: the XLSX in the layout of the national input (one row per innovation:
profile fields, then each indicator's level and evidence file names), and the ZIP of every
evidence file named ``<innovation>/<indicator code>-<file>``.

Both are plain functions of (region, year) writing to a file object, so a job queue can run
them later as they are. The ZIP adds stored files chunk by chunk (``ZipFile.write``), never
holding a file in memory; files are stored, not deflated (PDFs, photos and videos are
compressed already).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import selectinload

from lms import profile, storage
from lms.extensions import db
from lms.i18n import gettext as _
from lms.iid import checks, queries, scoring
from lms.iid.evidence import bimtek_bundle
from lms.iid.rules import RuleSet, rules_for
from lms.innovations.display import profile_text
from lms.innovations.models import Innovation, Innovator
from lms.regions.models import Region
from lms.spreadsheets import row_cells

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def xlsx_name(region: Region, year: int) -> str:
    return f"iid-{_ascii(region.code)}-{year}.xlsx"


def zip_name(region: Region, year: int) -> str:
    return f"bukti-dukung-iid-{_ascii(region.code)}-{year}.zip"


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "daerah"


def safe_part(text: str, fallback: str = "berkas") -> str:
    """One path part of a ZIP entry: no separators, no control characters, not too long."""
    name = unicodedata.normalize("NFC", text or "")
    name = _UNSAFE.sub("_", name).strip(" .")[:100]
    return name or fallback


def _innovations(ids: list[int]) -> dict[int, Innovation]:
    if not ids:
        return {}
    return {
        i.id: i
        for i in db.session.scalars(
            db.select(Innovation)
            .where(Innovation.id.in_(ids))
            .options(selectinload(Innovation.innovators).joinedload(Innovator.user))
        )
    }


def _file_names(data: queries.YearData, innovation_id: int | None, code: str) -> list[str]:
    names = [d.name or d.url for d in data.documents.get((innovation_id, code), [])]
    if innovation_id is None:
        return names
    rules = data.rules
    klass = data.classes.get(innovation_id)
    bimtek, video = rules.by_role("bimtek"), rules.by_role("video")
    if klass is not None and bimtek is not None and code == bimtek.rows[0].code and klass.trainings:
        names.append(f"{code}-bimtek-dari-kelas.pdf")
    if klass is not None and video is not None and code == video.rows[0].code and klass.video:
        clip = klass.video
        names.append((clip.file or {}).get("name") or clip.url)
    registry = data.registry_video.get(innovation_id)
    if registry is not None and video is not None and code == video.rows[0].code:
        names.extend(name for _id, name in registry.files)
        if registry.url:
            names.append(registry.url)
    return [n for n in names if n]


def _level(data: queries.YearData, innovation_id: int | None, code: str) -> tuple[Any, bool]:
    """The level reported: the coordinator's verified one, else the claim (and whether it is
    a claim only)."""
    claimed, verified = data.pair(innovation_id, code)
    if verified is not None:
        return verified, False
    return claimed, claimed is not None


def rancang_bangun(values: dict[str, Any]) -> str:
    parts = []
    for field in profile.RANCANG_BANGUN_PARTS:
        text = profile_text(field.key, values.get(field.key))
        if text:
            parts.append(f"{field.label}:\n{text}")
    return "\n\n".join(parts)


def write_xlsx(region: Region, year: int, out: IO[bytes]) -> None:
    """The national input's layout, one innovation a row (openpyxl write-only)."""
    rules = rules_for(year)
    data = queries.year_data(region, year, rules)
    innovations = _innovations([s.id for s in data.reported()])
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Inovasi"))
    rows = rules.rows("innovation")
    sheet.append(
        row_cells(
            sheet,
            [_("Indeks Inovasi Daerah %(year)d · %(region)s", year=year, region=region.name)],
            font=BOLD,
        )
    )
    header = [
        _("No."),
        _("Nama Pemda"),
        _("Nama inovasi"),
        _("Perangkat daerah"),
        _("Tahapan"),
        _("Inisiator"),
        _("Nama inisiator"),
        _("Jenis inovasi"),
        _("Bentuk inovasi"),
        _("Inovasi tematik"),
        _("Urusan pemerintahan"),
        _("Waktu uji coba"),
        _("Waktu penerapan"),
        _("Dikembangkan lebih lanjut"),
        _("Rancang bangun"),
        _("Tujuan"),
        _("Manfaat"),
        _("Hasil"),
    ]
    for row in rows:
        header += [
            _("%(code)s tingkat", code=row.code),
            _("%(code)s bukti dukung", code=row.code),
        ]
    header += [_("Belum diverifikasi"), _("Skor terverifikasi")]
    sheet.append(row_cells(sheet, header, font=BOLD))
    verified = {i.id: i for i in scoring.score(rules, data.inputs(), "verified").innovations}
    for number, subject in enumerate(data.reported(), 1):
        item = innovations[subject.id]
        values = item.profile or {}
        cells: list[Any] = [
            number,
            region.name,
            item.name,
            subject.office_label,
            profile_text("tahapan", values.get("tahapan")),
            profile_text("inisiator", values.get("inisiator")),
            ", ".join(i.display_name for i in item.innovators) or values.get("inovator", ""),
            profile_text("jenis", values.get("jenis")),
            profile_text("bentuk", values.get("bentuk")),
            values.get("tematik", ""),
            profile_text("urusan", values.get("urusan")),
            item.trial_date,
            item.implementation_date,
            _("Ya") if subject.developed_further else _("Tidak"),
            rancang_bangun(values),
            profile_text("tujuan", values.get("tujuan")),
            profile_text("manfaat", values.get("manfaat")),
            profile_text("hasil", values.get("hasil")),
        ]
        unverified = []
        for row in rows:
            level, claim_only = _level(data, subject.id, row.code)
            if claim_only:
                unverified.append(row.code)
            cells += [level, "; ".join(_file_names(data, subject.id, row.code))]
        cells += [", ".join(unverified), float(verified[subject.id].score)]
        sheet.append(row_cells(sheet, cells))

    region_sheet = workbook.create_sheet(_("Pemda"))
    region_sheet.append(
        row_cells(
            region_sheet,
            [_("Kode"), _("Indikator"), _("Tingkat"), _("Belum diverifikasi"), _("Bukti dukung")],
            font=BOLD,
        )
    )
    for ind in rules.region_indicators:
        for row in ind.rows:
            level, claim_only = _level(data, None, row.code)
            region_sheet.append(
                row_cells(
                    region_sheet,
                    [
                        row.code,
                        row.name or ind.name,
                        level,
                        _("Ya") if claim_only else "",
                        "; ".join(_file_names(data, None, row.code)),
                    ],
                )
            )

    check_sheet = workbook.create_sheet(_("Pemeriksaan"))
    check_sheet.append(
        row_cells(
            check_sheet,
            [_("Inovasi"), _("Indikator"), _("Ditolak"), _("Masalah"), _("Ketentuan pasti")],
            font=BOLD,
        )
    )
    for problem in checks.problems(data, queries.hosts()):
        check_sheet.append(
            row_cells(
                check_sheet,
                [
                    problem.innovation_name or region.name,
                    problem.code or "",
                    _("Ya") if problem.refused else _("Catatan"),
                    str(problem.message),
                    _("Belum pasti") if problem.uncertain else _("Ya"),
                ],
            )
        )
    workbook.save(out)


def xlsx_bytes(region: Region, year: int) -> io.BytesIO:
    out = io.BytesIO()
    write_xlsx(region, year, out)
    out.seek(0)
    return out


class _Folder:
    """Unique names inside one folder of the ZIP."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.taken: set[str] = set()

    def entry(self, file_name: str) -> str:
        stem, dot, ext = file_name.rpartition(".")
        if not dot:
            stem, ext = file_name, ""
        candidate, n = file_name, 2
        while candidate.lower() in self.taken:
            candidate = f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}"
            n += 1
        self.taken.add(candidate.lower())
        return f"{self.name}/{candidate}"


def _folders(region: Region, data: queries.YearData) -> dict[int | None, _Folder]:
    names: dict[str, int] = defaultdict(int)
    for subject in data.reported():
        names[safe_part(subject.name, "inovasi").lower()] += 1
    folders: dict[int | None, _Folder] = {None: _Folder(safe_part(region.name, "daerah"))}
    for subject in data.reported():
        base = safe_part(subject.name, "inovasi")
        if names[base.lower()] > 1:  # two innovations of one name: their ids tell them apart
            base = f"{base} ({subject.id})"
        folders[subject.id] = _Folder(base)
    return folders


def write_evidence_zip(region: Region, year: int, out: IO[bytes]) -> int:
    """Every evidence file of the year into ``out``; returns the number of entries. Links go
    into ``<code>-tautan.txt``; the bimtek evidence from the classes is one PDF."""
    rules: RuleSet = rules_for(year)
    data = queries.year_data(region, year, rules)
    folders = _folders(region, data)
    bimtek, video = rules.by_role("bimtek"), rules.by_role("video")
    innovations = _innovations([s.id for s in data.reported()])
    count = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:

        def add_file(folder: _Folder, code: str, name: str, key: str) -> None:
            nonlocal count
            try:
                path = storage.path_of(key)
            except ValueError:
                return
            if not path.is_file():
                return
            kind = storage.kind_of(key)
            archive.write(path, folder.entry(f"{code}-{storage.download_name_for(name, kind)}"))
            count += 1

        def add_links(folder: _Folder, code: str, links: list[str]) -> None:
            nonlocal count
            if links:
                archive.writestr(folder.entry(f"{code}-tautan.txt"), "\n".join(links) + "\n")
                count += 1

        keys = [None, *(s.id for s in data.reported())]
        for innovation_id in keys:
            folder = folders[innovation_id]
            scope = "region" if innovation_id is None else "innovation"
            for row in rules.rows(scope):
                links = []
                for doc in data.documents.get((innovation_id, row.code), []):
                    if doc.key:
                        add_file(folder, row.code, doc.name, doc.key)
                    if doc.url:
                        links.append(doc.url)
                if innovation_id is not None:
                    klass = data.classes.get(innovation_id)
                    if klass and bimtek and row.code == bimtek.rows[0].code and klass.trainings:
                        pdf = bimtek_bundle(
                            innovations[innovation_id], year, rules, klass.trainings
                        )
                        if pdf:
                            archive.writestr(folder.entry(f"{row.code}-bimtek-dari-kelas.pdf"), pdf)
                            count += 1
                    if klass and video and row.code == video.rows[0].code and klass.video:
                        clip = klass.video
                        if clip.file and clip.file.get("key"):
                            add_file(
                                folder,
                                row.code,
                                clip.file.get("name") or "video.mp4",
                                clip.file["key"],
                            )
                        if clip.url:
                            links.append(clip.url)
                    registry = data.registry_video.get(innovation_id)
                    if registry and video and row.code == video.rows[0].code and registry.url:
                        links.append(registry.url)
                add_links(folder, row.code, list(dict.fromkeys(links)))
    return count
