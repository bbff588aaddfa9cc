"""Pre-export checks: what the national application would refuse, per innovation and indicator.

Pure over a year's data (lms.iid.queries.YearData). No network call is ever made: a video
link is "dead" when it is not a well-formed https address on a host in ``LMS_VIDEO_HOSTS``;
the length of a linked video cannot be checked and is listed as a note to check by hand.
Messages are lazy strings, so a cached result speaks the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask_babel import LazyString, format_date

from lms.iid.rules import Indicator, RuleSet
from lms.lazytext import lazy_gettext as _l

if TYPE_CHECKING:
    from lms.iid.queries import Doc, Subject, YearData


@dataclass(frozen=True)
class Problem:
    #: None: a region-level indicator.
    innovation_id: int | None
    innovation_name: str
    #: The scored row's code; None for the innovation as a whole (the two-year rule).
    code: str | None
    indicator_name: str
    #: True: the national application would refuse it; False: a note to check by hand.
    refused: bool
    message: Any  # a lazy string
    #: The rule behind the check is itself not confirmed ("belum dapat dipastikan").
    uncertain: bool


def video_hosts(raw: str) -> tuple[str, ...]:
    return tuple(sorted({h.strip().lower() for h in raw.replace(",", " ").split() if h.strip()}))


def link_problem(url: str, hosts: Iterable[str]) -> str | None:
    """ "malformed", "host" or None: judged on the address alone."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return "malformed"
    if parts.scheme != "https" or not host or " " in url.strip():
        return "malformed"
    if not any(host == h or host.endswith("." + h) for h in hosts):
        return "host"
    return None


def _minutes(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def too_early(rules: RuleSet, year: int, implemented: date | None, developed: bool) -> bool:
    """Implementation began more than the rule's years before the reporting year (1 January
    of year − N), and the innovation is not marked developed further (where that exempts)."""
    limit = rules.innovation_rules.max_years_since_implementation
    if limit is None or implemented is None:
        return False
    if developed and rules.innovation_rules.developed_further_exempt:
        return False
    return implemented < date(year - limit, 1, 1)


def _uncertain(ind: Indicator) -> bool:
    return ind.uncertain or any(lv.uncertain for row in ind.rows for lv in row.levels)


def problems(data: YearData, hosts: Iterable[str]) -> list[Problem]:
    """Every refusal (and note), innovations in the data's order, then the region's rows."""
    rules, year = data.rules, data.year
    hosts = tuple(hosts)
    found: list[Problem] = []
    video = rules.by_role("video")
    bimtek = rules.by_role("bimtek")
    max_minutes = rules.innovation_rules.video_max_minutes
    video_uncertain = "video_max_minutes" in rules.innovation_rules.uncertain
    kinds = {k.key: k for k in rules.evidence_kinds}

    def add(subject: Subject | None, ind: Indicator | None, code, refused, message, uncertain):
        found.append(
            Problem(
                innovation_id=subject.id if subject else None,
                innovation_name=subject.name if subject else "",
                code=code,
                indicator_name=ind.name if ind else "",
                refused=refused,
                message=message,
                uncertain=uncertain,
            )
        )

    def documents(subject_id: int | None, ind: Indicator) -> list[Doc]:
        return [d for row in ind.rows for d in data.documents.get((subject_id, row.code), [])]

    def check_documents(subject: Subject | None, ind: Indicator) -> None:
        for doc in documents(subject.id if subject else None, ind):
            kind = kinds.get(doc.kind)
            if kind is None:
                continue
            name = doc.name or doc.url
            if "nomor_surat" in kind.fields and not doc.number.strip():
                add(
                    subject,
                    ind,
                    doc.code,
                    True,
                    _l("Dokumen %(name)s belum mencantumkan nomor surat.", name=name),
                    kind.uncertain,
                )
            if "tanggal_surat" in kind.fields and doc.doc_date is None:
                add(
                    subject,
                    ind,
                    doc.code,
                    True,
                    _l("Dokumen %(name)s belum mencantumkan tanggal surat.", name=name),
                    kind.uncertain,
                )

    def check_link(subject: Subject, ind: Indicator, code: str, url: str) -> None:
        kind = link_problem(url, hosts)
        if kind == "malformed":
            add(
                subject,
                ind,
                code,
                True,
                _l(
                    "Tautan video %(url)s tidak sah: harus alamat https:// yang lengkap. "
                    "Aplikasi tidak membuka tautan; yang diperiksa hanya alamatnya.",
                    url=url,
                ),
                False,
            )
        elif kind == "host":
            add(
                subject,
                ind,
                code,
                True,
                _l(
                    "Tautan video %(url)s bukan dari layanan yang dikenal (%(hosts)s), jadi "
                    "dianggap mati. Aplikasi tidak membuka tautan; yang diperiksa hanya "
                    "alamatnya.",
                    url=url,
                    hosts=", ".join(hosts),
                ),
                False,
            )
        elif max_minutes:
            add(
                subject,
                ind,
                code,
                False,
                _l(
                    "Durasi video dari tautan %(url)s tidak dapat diperiksa aplikasi; "
                    "pastikan paling lama %(max)d menit.",
                    url=url,
                    max=max_minutes,
                ),
                video_uncertain,
            )

    def check_length(subject: Subject, ind: Indicator, code: str, name: str, seconds) -> None:
        if max_minutes and seconds is not None and seconds > max_minutes * 60:
            add(
                subject,
                ind,
                code,
                True,
                _l(
                    "Video %(name)s berdurasi %(duration)s menit, lebih dari batas %(max)d menit.",
                    name=name,
                    duration=_minutes(seconds),
                    max=max_minutes,
                ),
                video_uncertain,
            )

    for subject in data.subjects:
        klass = data.classes.get(subject.id)
        registry = data.registry_video.get(subject.id)
        if too_early(rules, year, subject.implementation_date, subject.developed_further):
            years = rules.innovation_rules.max_years_since_implementation
            message = (
                _l(
                    "Penerapan dimulai %(date)s, lebih dari %(years)d tahun sebelum tahun "
                    "%(year)d. Inovasi ini akan ditolak kecuali ditandai dikembangkan lebih "
                    "lanjut.",
                    date=LazyString(format_date, subject.implementation_date, "long"),
                    years=years,
                    year=year,
                )
                if rules.innovation_rules.developed_further_exempt
                else _l(
                    "Penerapan dimulai %(date)s, lebih dari %(years)d tahun sebelum tahun "
                    "%(year)d; inovasi ini akan ditolak.",
                    date=LazyString(format_date, subject.implementation_date, "long"),
                    years=years,
                    year=year,
                )
            )
            add(
                subject,
                None,
                None,
                True,
                message,
                "max_years_since_implementation" in rules.innovation_rules.uncertain,
            )
        for ind in rules.innovation_indicators:
            docs = documents(subject.id, ind)
            from_class = (ind is bimtek and klass is not None and bool(klass.trainings)) or (
                ind is video
                and (
                    (klass is not None and klass.video is not None)
                    or (registry is not None and registry.present)
                )
            )
            if ind.mandatory and not docs and not from_class:
                add(
                    subject,
                    ind,
                    ind.rows[0].code,
                    True,
                    _l("Indikator wajib ini belum diisi: belum ada bukti dukung."),
                    ind.mandatory_uncertain,
                )
            check_documents(subject, ind)
            if ind is not video:
                continue
            code = ind.rows[0].code
            for doc in docs:
                if doc.url:
                    check_link(subject, ind, code, doc.url)
                if doc.key:
                    check_length(subject, ind, code, doc.name, doc.duration)
            if klass is not None and klass.video is not None:
                clip = klass.video
                if clip.url:
                    check_link(subject, ind, code, clip.url)
                if clip.file is not None:
                    check_length(subject, ind, code, clip.file.get("name") or "", clip.duration)
            if registry is not None and registry.url:
                check_link(subject, ind, code, registry.url)
    if data.include_region:
        for ind in rules.region_indicators:
            if ind.mandatory and not documents(None, ind):
                add(
                    None,
                    ind,
                    ind.rows[0].code,
                    True,
                    _l("Indikator wajib ini belum diisi: belum ada bukti dukung."),
                    ind.mandatory_uncertain,
                )
            check_documents(None, ind)
    return found


def uncertain_indicator(ind: Indicator) -> bool:
    """Shown with the mark "ketentuan ini belum dapat dipastikan"."""
    return _uncertain(ind) or ind.mandatory_uncertain or bool(ind.derive and ind.derive.uncertain)
