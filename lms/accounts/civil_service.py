"""Civil-service facts about people, pure (no database): the employment status (PNS, PPPK,
non-ASN), NIP and NI PPPK numbers, ranks (PNS pangkat/golongan, PPPK golongan), sex (L/P),
and digits typed in other scripts. Messages are lazy gettext strings.

Other modules use :func:`rank_label`, :func:`sex_of`, :func:`format_nip` and
:func:`status_label` (the rank select's choices: ``lms.accounts.forms.rank_choices``).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from lms.lazytext import lazy_gettext as _l

__all__ = [
    "NIP",
    "PNS_RANKS",
    "PPPK_GRADES",
    "RANK_CODES",
    "SEXES",
    "STATUSES",
    "DigitsError",
    "NIPError",
    "PPPKNumber",
    "ascii_digits",
    "compact_number",
    "format_nip",
    "guess_status",
    "infer_number",
    "legacy_person",
    "normalize_phone",
    "normalize_rank",
    "normalize_sex",
    "parse_nip",
    "parse_number",
    "parse_pppk_number",
    "rank_codes",
    "rank_label",
    "rank_problem",
    "rank_status",
    "sex_label",
    "sex_of",
    "sex_problem",
    "status_label",
]

# --- status --------------------------------------------------------------------------------

#: PNS and PPPK are ASN (civil servants) with an 18-digit number; non-ASN people (community
#: members, academics, private partners) have none.
STATUSES: tuple[str, ...] = ("pns", "pppk", "non_asn")


def status_label(code: str | None) -> str:
    labels = {"pns": "PNS", "pppk": "PPPK", "non_asn": str(_l("Non-ASN"))}
    return labels.get(code or "", "")


# --- digits --------------------------------------------------------------------------------


class DigitsError(ValueError):
    """A character that reads as a number but is not a plain digit (², ①, ½, 五)."""

    def __init__(self, char: str) -> None:
        super().__init__(char)
        self.char = char


def ascii_digits(text: str) -> str:
    """``text`` with the decimal digits of every script (Arabic-Indic ٠-٩, Extended
    Arabic-Indic ۰-۹, Devanagari, full-width ０-９, …) written as ASCII 0-9.

    Raises :class:`DigitsError` for a numeric character that is not a decimal digit: a
    superscript or a circled number would otherwise be guessed, not read.
    """
    out = []
    for char in text:
        if char.isdecimal():
            out.append(str(unicodedata.decimal(char)))
        elif char.isnumeric():
            raise DigitsError(char)
        else:
            out.append(char)
    return "".join(out)


def _is_separator(char: str) -> bool:
    # Spaces of any kind, dashes of any kind (full-width too) and dots group a NIP's parts.
    return char.isspace() or unicodedata.category(char) == "Pd" or char in ".．"


def compact_number(value: str | None, label: str = "NIP") -> str:
    """An 18-digit number as typed, without separators and in ASCII digits (not validated)."""
    text = "".join(c for c in (value or "") if not _is_separator(c))
    try:
        return ascii_digits(text)
    except DigitsError as exc:
        raise NIPError(_digit_message(label, exc.char)) from None


def _digit_message(label: str, char: str) -> str:
    return str(
        _l(
            "%(label)s berisi %(char)s, yang bukan angka 0–9. Ketik ulang dengan angka biasa.",
            label=label,
            char=char,
        )
    )


class PhoneError(ValueError):
    """A phone number with a character that is not a plain digit."""


def normalize_phone(value: str | None) -> str:
    """A phone number with digits of any script written as ASCII 0-9."""
    try:
        return ascii_digits((value or "").strip())
    except DigitsError as exc:
        raise PhoneError(_digit_message(str(_l("Telepon")), exc.char)) from None


# --- numbers: NIP (PNS) and NI PPPK -----------------------------------------------------------

#: The youngest age at a first appointment as CPNS or PPPK.
MIN_APPOINTMENT_AGE = 18


class NIPError(ValueError):
    """A NIP or NI PPPK that is not valid; the message names what is wrong."""


@dataclass(frozen=True)
class NIP:
    """A PNS number: birth date YYYYMMDD, appointment YYYYMM, sex digit, sequence."""

    digits: str
    birth_date: date
    appointment: tuple[int, int]
    sex: int
    status = "pns"

    @property
    def sex_code(self) -> str:
        return "L" if self.sex == 1 else "P"

    def formatted(self) -> str:
        return format_nip(self.digits)


@dataclass(frozen=True)
class PPPKNumber:
    """A PPPK number (NI PPPK): birth date YYYYMMDD, year of appointment, then digits that are
    not a month (only the length, the birth date and the year are checked)."""

    digits: str
    birth_date: date
    appointment_year: int
    status = "pppk"

    @property
    def sex_code(self) -> str | None:
        # Public descriptions of the NI PPPK (e.g. Kabupaten Luwu Utara's) put the sex digit
        # at place 15 as in a NIP, 1 male and 2 female; anything else is not guessed.
        return {"1": "L", "2": "P"}.get(self.digits[14])

    def formatted(self) -> str:
        return format_nip(self.digits)


def format_nip(digits: str | None) -> str:
    if not digits or len(digits) != 18:
        return digits or ""
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"


def _birth_and_year(value: str, label: str, today: date) -> tuple[str, date, int]:
    """The checks a NIP and a NI PPPK share: 18 digits, a birth date, a plausible year."""
    compact = compact_number(value, label)
    if not compact:
        raise NIPError(_l("%(label)s kosong.", label=label))
    if not (compact.isascii() and compact.isdigit()):
        raise NIPError(_l("%(label)s hanya boleh berisi angka (spasi boleh).", label=label))
    if len(compact) != 18:
        raise NIPError(
            _l("%(label)s harus 18 angka; yang diisi %(n)d angka.", label=label, n=len(compact))
        )
    try:
        birth = date(int(compact[0:4]), int(compact[4:6]), int(compact[6:8]))
    except ValueError:
        raise NIPError(
            _l(
                "Tanggal lahir dalam %(label)s (8 angka pertama, %(part)s) bukan tanggal yang sah.",
                label=label,
                part=compact[:8],
            )
        ) from None
    if birth.year < 1940 or birth > today:
        raise NIPError(
            _l(
                "Tanggal lahir dalam %(label)s (%(part)s) tidak masuk akal.",
                label=label,
                part=compact[:8],
            )
        )
    year = int(compact[8:12])
    earliest = birth.year + MIN_APPOINTMENT_AGE
    if year < earliest:
        raise NIPError(
            _l(
                "Tahun pengangkatan dalam %(label)s (angka ke-9 sampai 12, %(year)d) terlalu "
                "awal: lahir %(birth)d, jadi paling awal %(earliest)d (usia %(age)d tahun).",
                label=label,
                year=year,
                birth=birth.year,
                earliest=earliest,
                age=MIN_APPOINTMENT_AGE,
            )
        )
    if year > today.year:
        raise NIPError(
            _l(
                "Tahun pengangkatan dalam %(label)s (angka ke-9 sampai 12, %(year)d) "
                "berada di masa depan.",
                label=label,
                year=year,
            )
        )
    return compact, birth, year


def _pns_part(compact: str, birth: date, year: int, label: str, today: date) -> NIP:
    """What only a NIP has: the appointment month and the sex digit."""
    month = int(compact[12:14])
    if not 1 <= month <= 12:
        raise NIPError(
            _l(
                "Bulan pengangkatan dalam %(label)s (angka ke-13 dan 14, %(part)s) harus 01 "
                "sampai 12.",
                label=label,
                part=compact[12:14],
            )
        )
    if (year, month) > (today.year, today.month):
        raise NIPError(
            _l(
                "Bulan pengangkatan dalam %(label)s (%(part)s) berada di masa depan.",
                label=label,
                part=compact[8:14],
            )
        )
    sex = int(compact[14])
    if sex not in (1, 2):
        raise NIPError(
            _l(
                "Angka jenis kelamin dalam %(label)s (angka ke-15) harus 1 (laki-laki) atau "
                "2 (perempuan), bukan %(digit)s.",
                label=label,
                digit=compact[14],
            )
        )
    return NIP(digits=compact, birth_date=birth, appointment=(year, month), sex=sex)


def parse_nip(value: str, *, today: date | None = None) -> NIP:
    """Validate a PNS's 18-digit NIP written with or without spaces."""
    today = today or date.today()
    compact, birth, year = _birth_and_year(value, "NIP", today)
    return _pns_part(compact, birth, year, "NIP", today)


def parse_pppk_number(value: str, *, today: date | None = None) -> PPPKNumber:
    """Validate a PPPK's 18-digit NI PPPK: the length, the birth date and the year only."""
    today = today or date.today()
    compact, birth, year = _birth_and_year(value, "NI PPPK", today)
    return PPPKNumber(digits=compact, birth_date=birth, appointment_year=year)


def parse_number(
    value: str | None, status: str | None, *, today: date | None = None
) -> NIP | PPPKNumber | None:
    """The number of a person of ``status`` (inferred for None); None when none was given."""
    if not compact_number(value):
        return None
    if status == "pns":
        return parse_nip(value or "", today=today)
    if status == "pppk":
        return parse_pppk_number(value or "", today=today)
    if status is None:
        return infer_number(value or "", today=today)
    raise NIPError(
        _l(
            "Non-ASN tidak memiliki NIP atau NI PPPK. Kosongkan nomornya, atau pilih status "
            "PNS atau PPPK."
        )
    )


def infer_number(value: str, *, today: date | None = None) -> NIP | PPPKNumber:
    """A number whose status is not known: a valid NIP is a PNS's, an 18-digit number that is
    valid only as a NI PPPK (digits 13–14 not a month, say) is a PPPK's."""
    today = today or date.today()
    compact, birth, year = _birth_and_year(value, "NIP", today)
    try:
        return _pns_part(compact, birth, year, "NIP", today)
    except NIPError:
        return PPPKNumber(digits=compact, birth_date=birth, appointment_year=year)


def guess_status(nip: str | None, rank: str | None) -> str:
    """The status of an account stored before statuses existed, or created by code that does
    not say: a valid NIP or a PNS rank is a PNS, a valid NI PPPK or a PPPK golongan a PPPK,
    another number a PNS (numbers were PNS numbers), nothing a non-ASN."""
    number = None
    if nip:
        try:
            number = infer_number(nip)
        except NIPError:
            number = None
    if (number is not None and number.status == "pns") or rank_status(rank) == "pns":
        return "pns"
    if number is not None or rank_status(rank) == "pppk":
        return "pppk"
    return "pns" if nip else "non_asn"


def legacy_person(nip: str | None, rank: str | None, phone: str | None) -> dict[str, Any]:
    """The new columns of an account stored before statuses: for the data migration.

    Returns ``{"nip", "phone", "employment_status"}``: numbers in ASCII digits (a character
    that cannot be read as a digit is left as it is, for a person to fix) and the status.
    """
    with contextlib.suppress(NIPError):
        nip = compact_number(nip) or None
    with contextlib.suppress(PhoneError):
        phone = normalize_phone(phone)
    return {"nip": nip, "phone": phone or "", "employment_status": guess_status(nip, rank)}


# --- ranks ---------------------------------------------------------------------------------

#: PNS (golongan, pangkat) in ascending order, as in the civil-service regulation.
PNS_RANKS: tuple[tuple[str, str], ...] = (
    ("I/a", "Juru Muda"),
    ("I/b", "Juru Muda Tingkat I"),
    ("I/c", "Juru"),
    ("I/d", "Juru Tingkat I"),
    ("II/a", "Pengatur Muda"),
    ("II/b", "Pengatur Muda Tingkat I"),
    ("II/c", "Pengatur"),
    ("II/d", "Pengatur Tingkat I"),
    ("III/a", "Penata Muda"),
    ("III/b", "Penata Muda Tingkat I"),
    ("III/c", "Penata"),
    ("III/d", "Penata Tingkat I"),
    ("IV/a", "Pembina"),
    ("IV/b", "Pembina Tingkat I"),
    ("IV/c", "Pembina Utama Muda"),
    ("IV/d", "Pembina Utama Madya"),
    ("IV/e", "Pembina Utama"),
)
#: PPPK golongan I–XVII (PPPK have no pangkat).
PPPK_GRADES: tuple[str, ...] = (
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
)
PNS_RANK_CODES: tuple[str, ...] = tuple(code for code, _name in PNS_RANKS)
#: Every code ``User.rank`` may hold: the PNS ranks first, then the PPPK golongan.
RANK_CODES: tuple[str, ...] = PNS_RANK_CODES + PPPK_GRADES
_PANGKAT_BY_CODE = dict(PNS_RANKS)
_PNS_PATTERN = re.compile(r"(?<![a-z])(iv|i{1,3})\s*[/ .\-]?\s*([a-e])(?![a-z])", re.IGNORECASE)
_TINGKAT = re.compile(r"\b(?:tkt?|tingkat)\b\s*\.?\s*", re.IGNORECASE)
_GOLONGAN_WORDS = re.compile(r"\b(?:golongan|gol|pppk)\b\.?", re.IGNORECASE)


def _name_key(text: str) -> str:
    return " ".join(_TINGKAT.sub(" tingkat ", text.lower()).split())


_CODE_BY_NAME = {_name_key(name): code for code, name in PNS_RANKS}


def rank_status(code: str | None) -> str | None:
    """ "pns" for a pangkat/golongan code, "pppk" for a PPPK golongan, else None."""
    if code in _PANGKAT_BY_CODE:
        return "pns"
    if code in PPPK_GRADES:
        return "pppk"
    return None


def rank_label(code: str | None) -> str:
    """ "Penata Muda Tingkat I (III/b)" for a PNS, "Golongan IX" for a PPPK."""
    if code in _PANGKAT_BY_CODE:
        return f"{_PANGKAT_BY_CODE[code]} ({code})"
    if code in PPPK_GRADES:
        return f"Golongan {code}"
    return code or ""


def rank_codes(status: str | None = None) -> tuple[str, ...]:
    """The codes a person of ``status`` may hold as rank (every code for None)."""
    return {"pns": PNS_RANK_CODES, "pppk": PPPK_GRADES, "non_asn": ()}.get(status or "", RANK_CODES)


def normalize_rank(value: str | None) -> str | None:
    """The code of a rank as spreadsheets write it, or None.

    PNS: "III/b", "iii/b", "III b", "IIIb", "III-b", "Penata Muda Tk. I", "Penata Muda Tkt. I",
    "Penata Muda Tingkat I", "Penata Muda (III/b)". PPPK: "IX", "Golongan IX", "Gol. IX".
    """
    if value is None:
        return None
    text = " ".join(value.split())
    if not text:
        return None
    match = _PNS_PATTERN.search(text)
    if match:
        code = f"{match.group(1).upper()}/{match.group(2).lower()}"
        if code in _PANGKAT_BY_CODE:
            return code
    by_name = _CODE_BY_NAME.get(_name_key(text))
    if by_name:
        return by_name
    grade = " ".join(_GOLONGAN_WORDS.sub(" ", text).strip(" ()-,").split()).upper()
    return grade if grade in PPPK_GRADES else None


def rank_problem(status: str | None, code: str | None) -> str | None:
    """Why ``code`` does not fit a person of ``status``, or None when it does."""
    if not code:
        return None
    kind = rank_status(code)
    if status == "non_asn":
        return str(
            _l(
                "Non-ASN tidak memiliki pangkat/golongan. Kosongkan pangkatnya, atau pilih "
                "status PNS atau PPPK."
            )
        )
    if status == "pppk" and kind == "pns":
        return str(
            _l(
                "%(code)s adalah pangkat/golongan PNS. PPPK memakai golongan I sampai XVII, "
                "misalnya IX.",
                code=code,
            )
        )
    if status == "pns" and kind == "pppk":
        return str(
            _l(
                "Golongan %(code)s adalah golongan PPPK. PNS memakai pangkat/golongan dengan "
                "ruangnya, misalnya III/b.",
                code=code,
            )
        )
    return None


# --- sex (L/P) -----------------------------------------------------------------------------

SEXES: tuple[str, ...] = ("L", "P")
_SEX_WORDS = {
    "l": "L",
    "lk": "L",
    "laki-laki": "L",
    "laki laki": "L",
    "lakilaki": "L",
    "pria": "L",
    "p": "P",
    "pr": "P",
    "perempuan": "P",
    "wanita": "P",
}


def sex_label(code: str | None) -> str:
    return {"L": str(_l("Laki-laki")), "P": str(_l("Perempuan"))}.get(code or "", "")


def normalize_sex(value: str | None) -> str | None:
    """ "L" or "P" from L/P, Laki-laki/Perempuan, Pria/Wanita, Lk/Pr; None when unknown."""
    return _SEX_WORDS.get(" ".join((value or "").lower().rstrip(".").split()))


def _number_of(person: Any) -> NIP | PPPKNumber | None:
    nip = getattr(person, "nip", None)
    if not nip:
        return None
    try:
        return parse_number(nip, getattr(person, "employment_status", None) or "pns")
    except NIPError:
        return None


def sex_of(person: Any) -> str | None:
    """ "L" or "P" for the attendance list: what the person stated, else what their number
    says (a NIP's sex digit; a NI PPPK's when it is 1 or 2), else None."""
    stated = getattr(person, "sex", None)
    if stated in SEXES:
        return stated
    number = _number_of(person)
    return number.sex_code if number is not None else None


def sex_problem(status: str | None, nip: str | None, sex: str | None) -> str | None:
    """Why ``sex`` contradicts a PNS's NIP (its sex digit is the civil-service record)."""
    if not sex or status != "pns" or not nip:
        return None
    try:
        number = parse_nip(nip)
    except NIPError:
        return None
    if number.sex_code == sex:
        return None
    return str(
        _l(
            "Jenis kelamin %(sex)s tidak cocok dengan NIP: angka ke-15 (%(digit)s) berarti "
            "%(meaning)s. Periksa NIP atau jenis kelaminnya.",
            sex=sex_label(sex).lower(),
            digit=number.sex,
            meaning=sex_label(number.sex_code).lower(),
        )
    )
