"""Civil-service rules as a user meets them: PNS, PPPK and non-ASN numbers, ranks in the
spellings spreadsheets use, digits typed in other scripts, and L/P."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from flask import Flask
from flask_babel import Babel

from lms.accounts import civil_service as cs
from lms.accounts.civil_service import NIPError

TODAY = date(2026, 1, 1)
PNS_NIP = "198609262015051001"
#: A NI PPPK: birth date 1990-09-13, appointed 2025, digits 13–14 "24" (not a month).
PPPK = "199009132025242014"

_app = Flask(__name__)
Babel(_app)


@pytest.fixture(autouse=True)
def _babel_context():
    with _app.test_request_context():
        yield


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(NIPError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


# --- PPPK ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        PPPK,
        "19900913 2025 24 2 014",
        "19900913 202524 2 014",
        # Digits 13–14 are 13: a month no NIP has, refused for every PPPK until now.
        "198609262015131001",
        # Digit 15 is not a sex digit for a PPPK either: not checked.
        "198609262015053001",
    ],
)
def test_a_pppk_number_is_checked_on_length_birth_date_and_year_only(text):
    number = cs.parse_pppk_number(text, today=TODAY)
    assert number.digits == text.replace(" ", "")
    assert number.status == "pppk"
    assert number.birth_date.year in (1986, 1990)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("19900913202524201", "NI PPPK harus 18 angka; yang diisi 17 angka."),
        ("1990091320252420AB", "NI PPPK hanya boleh berisi angka (spasi boleh)."),
        (
            "199013132025242014",
            "Tanggal lahir dalam NI PPPK (8 angka pertama, 19901313) bukan tanggal yang sah.",
        ),
        (
            "199009132007242014",
            "Tahun pengangkatan dalam NI PPPK (angka ke-9 sampai 12, 2007) terlalu awal: "
            "lahir 1990, jadi paling awal 2008 (usia 18 tahun).",
        ),
        (
            "199009131985242014",
            "Tahun pengangkatan dalam NI PPPK (angka ke-9 sampai 12, 1985) terlalu awal: "
            "lahir 1990, jadi paling awal 2008 (usia 18 tahun).",
        ),
        (
            "199009132027242014",
            "Tahun pengangkatan dalam NI PPPK (angka ke-9 sampai 12, 2027) berada di masa depan.",
        ),
        ("", "NI PPPK kosong."),
    ],
)
def test_a_wrong_pppk_number_says_what_is_wrong(text, message):
    assert refused(cs.parse_pppk_number, text, today=TODAY) == message


def test_the_year_18_years_after_birth_and_this_year_are_accepted():
    assert cs.parse_pppk_number("199009132008242014", today=TODAY).appointment_year == 2008
    assert cs.parse_pppk_number("199009132026242014", today=TODAY).appointment_year == 2026


# --- PNS -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "198609262015131001",
            "Bulan pengangkatan dalam NIP (angka ke-13 dan 14, 13) harus 01 sampai 12.",
        ),
        ("198609262015053001", "Angka jenis kelamin dalam NIP (angka ke-15) harus 1"),
        (
            "198609262003051001",
            "Tahun pengangkatan dalam NIP (angka ke-9 sampai 12, 2003) terlalu awal",
        ),
        ("198609262026021001", "Bulan pengangkatan dalam NIP (202602) berada di masa depan."),
    ],
)
def test_a_pns_nip_still_has_its_month_and_sex_digit_checked(text, message):
    assert message in refused(cs.parse_nip, text, today=TODAY)


def test_a_non_asn_person_has_no_number():
    message = refused(cs.parse_number, PNS_NIP, "non_asn")
    assert message == (
        "Non-ASN tidak memiliki NIP atau NI PPPK. Kosongkan nomornya, atau pilih status PNS "
        "atau PPPK."
    )
    assert cs.parse_number("", "non_asn") is None
    assert cs.parse_number("  ", "pns") is None


@pytest.mark.parametrize(
    ("text", "status"),
    [
        (PNS_NIP, "pns"),
        ("19860926 201505 1 001", "pns"),
        ("198609262015131001", "pppk"),  # valid only as a NI PPPK
        (PPPK, "pppk"),
    ],
)
def test_a_number_without_status_tells_the_status(text, status):
    assert cs.infer_number(text, today=TODAY).status == status
    assert cs.parse_number(text, None, today=TODAY).status == status


def test_a_number_valid_under_neither_rule_names_the_shared_problem():
    assert refused(cs.infer_number, "19860926201505", today=TODAY) == (
        "NIP harus 18 angka; yang diisi 14 angka."
    )


# --- digits of other scripts ---------------------------------------------------------------

SCRIPTS = {
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
    "extended-arabic-indic": "۰۱۲۳۴۵۶۷۸۹",
    "full-width": "０１２３４５６７８９",
    "devanagari": "०१२३४५६७८९",
    "bengali": "০১২৩৪৫৬৭৮৯",
    "thai": "๐๑๒๓๔๕๖๗๘๙",
}


def written_in(script: str, text: str) -> str:
    digits = SCRIPTS[script]
    return "".join(digits[int(c)] if c.isdigit() else c for c in text)


@pytest.mark.parametrize("script", SCRIPTS)
def test_digits_of_other_scripts_become_ascii_in_numbers(script):
    typed = written_in(script, "19860926 201505 1 001")
    assert typed != "19860926 201505 1 001"
    number = cs.parse_nip(typed, today=TODAY)
    assert number.digits == PNS_NIP
    assert number.digits.isascii()
    assert cs.compact_number(written_in(script, PPPK)) == PPPK
    assert cs.normalize_phone(written_in(script, "+62 812-3456-7890")) == "+62 812-3456-7890"


def test_full_width_spaces_and_dashes_separate_the_parts_of_a_nip():
    assert (
        cs.parse_nip("１９８６０９２６\u3000２０１５０５－１－００１", today=TODAY).digits
        == PNS_NIP
    )


@pytest.mark.parametrize("char", ["²", "①", "½", "五"])
def test_characters_that_only_look_like_digits_are_refused(char):
    message = refused(cs.parse_nip, f"19860926201505100{char}", today=TODAY)
    assert message == f"NIP berisi {char}, yang bukan angka 0–9. Ketik ulang dengan angka biasa."
    with pytest.raises(cs.PhoneError) as caught:
        cs.normalize_phone(f"0812{char}")
    assert str(caught.value) == (
        f"Telepon berisi {char}, yang bukan angka 0–9. Ketik ulang dengan angka biasa."
    )


# --- ranks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("III/b", "III/b"),
        ("iii/b", "III/b"),
        ("III b", "III/b"),
        ("IIIb", "III/b"),
        ("III-b", "III/b"),
        ("III.b", "III/b"),
        ("III / b", "III/b"),
        ("Gol. III/b", "III/b"),
        ("Penata Muda Tingkat I", "III/b"),
        ("Penata Muda Tk. I", "III/b"),
        ("Penata Muda Tk.I", "III/b"),
        ("Penata Muda Tkt. I", "III/b"),
        ("penata muda tkt I", "III/b"),
        ("Penata Muda Tk. I (III/b)", "III/b"),
        ("Pembina Utama Muda, IV/c", "IV/c"),
        ("Pengatur Tk. I", "II/d"),
        ("Penata", "III/c"),
        ("IX", "IX"),
        ("Golongan IX", "IX"),
        ("Gol. IX", "IX"),
        ("golongan xvii", "XVII"),
        ("VII", "VII"),
        ("XVIII", None),
        ("V/a", None),
        ("Kolonel", None),
        ("", None),
    ],
)
def test_ranks_are_recognised_as_spreadsheets_write_them(text, code):
    assert cs.normalize_rank(text) == code


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (
            "pppk",
            "III/b",
            "III/b adalah pangkat/golongan PNS. PPPK memakai golongan I sampai XVII, misalnya IX.",
        ),
        (
            "pns",
            "IX",
            "Golongan IX adalah golongan PPPK. PNS memakai pangkat/golongan dengan ruangnya, "
            "misalnya III/b.",
        ),
        (
            "non_asn",
            "III/b",
            "Non-ASN tidak memiliki pangkat/golongan. Kosongkan pangkatnya, atau pilih status "
            "PNS atau PPPK.",
        ),
        ("non_asn", "IX", "Non-ASN tidak memiliki pangkat/golongan."),
    ],
)
def test_a_rank_that_does_not_fit_the_status_is_explained(status, code, message):
    assert message in cs.rank_problem(status, code)


def test_ranks_that_fit_and_their_labels():
    assert cs.rank_problem("pns", "III/b") is None
    assert cs.rank_problem("pppk", "IX") is None
    assert cs.rank_problem("non_asn", None) is None
    assert cs.rank_label("III/b") == "Penata Muda Tingkat I (III/b)"
    assert cs.rank_label("IX") == "Golongan IX"
    assert cs.rank_label(None) == ""
    assert len(cs.rank_codes("pppk")) == 17 and cs.rank_codes("pppk")[-1] == "XVII"
    assert cs.rank_codes("non_asn") == ()
    assert cs.RANK_CODES[:17] == cs.rank_codes("pns")


# --- L/P -----------------------------------------------------------------------------------


def person(**fields):
    data = {"sex": None, "nip": None, "employment_status": "pns"} | fields
    return SimpleNamespace(**data)


def test_sex_is_read_from_a_pns_nip_when_not_stated():
    assert cs.sex_of(person(nip="198609262015051001")) == "L"
    assert cs.sex_of(person(nip="199003142015032002")) == "P"
    assert cs.sex_of(person(nip="198609262015051001", sex="P")) == "P"  # stated wins


def test_sex_of_a_pppk_comes_from_digit_15_when_it_is_1_or_2():
    assert cs.sex_of(person(employment_status="pppk", nip=PPPK)) == "P"
    assert cs.sex_of(person(employment_status="pppk", nip="198609262015131001")) == "L"
    assert cs.sex_of(person(employment_status="pppk", nip="198609262015053001")) is None


def test_sex_of_a_non_asn_is_only_what_they_stated():
    assert cs.sex_of(person(employment_status="non_asn")) is None
    assert cs.sex_of(person(employment_status="non_asn", sex="P")) == "P"


def test_a_sex_against_the_nip_sex_digit_is_explained():
    assert cs.sex_problem("pns", PNS_NIP, "P") == (
        "Jenis kelamin perempuan tidak cocok dengan NIP: angka ke-15 (1) berarti laki-laki. "
        "Periksa NIP atau jenis kelaminnya."
    )
    assert cs.sex_problem("pns", PNS_NIP, "L") is None
    assert cs.sex_problem("pppk", PPPK, "L") is None  # a PPPK's digit is not the record


@pytest.mark.parametrize(
    ("text", "code"),
    [("L", "L"), ("p", "P"), ("Laki-laki", "L"), ("Perempuan", "P"), ("Pria", "L")]
    + [("Wanita", "P"), ("Lk.", "L"), ("Pr", "P"), ("X", None), ("", None)],
)
def test_sex_is_read_in_the_words_of_attendance_lists(text, code):
    assert cs.normalize_sex(text) == code


# --- accounts stored before statuses -------------------------------------------------------


@pytest.mark.parametrize(
    ("nip", "rank", "phone", "expected"),
    [
        (PNS_NIP, "III/b", "0812", {"nip": PNS_NIP, "employment_status": "pns"}),
        (None, "III/b", "", {"nip": None, "employment_status": "pns"}),
        (None, None, "", {"nip": None, "employment_status": "non_asn"}),
        (PPPK, None, "", {"nip": PPPK, "employment_status": "pppk"}),
        # A number only valid as a NI PPPK with a PNS rank: the rank says PNS.
        ("198609262015131001", "III/b", "", {"employment_status": "pns"}),
        # Digits the old form let through are written in ASCII.
        (written_in("arabic-indic", PNS_NIP), None, "٠٨١٢", {"nip": PNS_NIP, "phone": "0812"}),
    ],
)
def test_the_data_migration_gives_every_stored_account_a_status(nip, rank, phone, expected):
    migrated = cs.legacy_person(nip, rank, phone)
    assert expected.items() <= migrated.items()
