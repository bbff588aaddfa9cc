"""Importing a class's members from CSV/XLSX: what an organizer sees after uploading."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from flask import Flask
from flask_babel import Babel

from lms.cohorts.importing import ParsedImport, parse_member_file

VALID_NIP = "198609262015051001"
OTHER_NIP = "199001012018032002"

# A bare app: the parser only needs a Babel context, not the whole LMS.
_app = Flask(__name__)
Babel(_app)


@pytest.fixture(autouse=True)
def _babel_context():
    with _app.test_request_context():
        yield


def parse(text: str | bytes, filename: str = "peserta.csv", **kwargs) -> ParsedImport:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_member_file(filename, data, **kwargs)


def messages(result: ParsedImport) -> list[str]:
    return [p.message for p in result.problems]


def problems_at(result: ParsedImport, row: int | None) -> list[str]:
    return [p.message for p in result.problems if p.row == row]


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def replace_in_sheet(data: bytes, old: bytes, new: bytes) -> bytes:
    """Rewrite the first sheet's XML, to produce cells openpyxl itself would not write."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old in content
                content = content.replace(old, new)
            target.writestr(item, content)
    return out.getvalue()


# --- happy paths ---------------------------------------------------------------------------


def test_comma_csv_gives_clean_members():
    result = parse(
        "name,email,nip,rank,position,office,phone,role\n"
        f"Budi Santoso, Budi@Contoh.go.id ,{VALID_NIP},III/a,Analis,Bappeda,0812345,peserta\n"
        "Sari Dewi,sari@contoh.go.id,,,Widyaiswara Ahli,BPSDM,,Widyaiswara\n"
        'Andi,andi@contoh.go.id,,"Penata Muda Tingkat I",,"Dinas Kominfo, Bidang TI",,panitia\n'
    )
    assert result.ok, messages(result)
    budi, sari, andi = result.rows
    assert (budi.row, budi.name, budi.email) == (2, "Budi Santoso", "budi@contoh.go.id")
    assert (budi.nip, budi.rank, budi.phone, budi.role) == (
        VALID_NIP,
        "III/a",
        "0812345",
        "participant",
    )
    assert (sari.nip, sari.rank, sari.role) == (None, None, "trainer")
    assert andi.rank == "III/b"
    assert andi.office == "Dinas Kominfo, Bidang TI"
    assert andi.role == "organizer"


def test_semicolon_csv_with_bom_as_saved_by_indonesian_excel():
    data = (
        "\ufeffNama Lengkap;E-mail;NIP;Pangkat/Golongan;Jabatan;Unit Kerja;No HP;Peran\r\n"
        f"Budi;budi@contoh.go.id;{VALID_NIP[:8]} {VALID_NIP[8:14]} 1 001;III/c;Kepala Seksi;"
        "Bappeda; 08123 ;Peserta\r\n"
    ).encode()
    result = parse(data)
    assert result.ok, messages(result)
    [budi] = result.rows
    assert budi.name == "Budi"
    assert budi.nip == VALID_NIP
    assert budi.rank == "III/c"
    assert budi.position == "Kepala Seksi"
    assert budi.office == "Bappeda"
    assert budi.phone == "08123"


@pytest.mark.parametrize(
    ("header", "field", "expected"),
    [
        ("nama,surel,peran,opd", "office", "BPSDM"),
        ("NAMA , Email , ROLE , Perangkat Daerah", "office", "BPSDM"),
        ("Nama,e-mail,Peran,Instansi", "office", "BPSDM"),
        ("name,email,role,golongan", "rank", "IV/a"),
        ("name,email,role,pangkat", "rank", "IV/a"),
        ("name,email,role,telp", "phone", "0811"),
        ("name,email,role,telepon", "phone", "0811"),
        ("name,email,role,hp", "phone", "0811"),
    ],
)
def test_indonesian_header_aliases(header, field, expected):
    value = {"office": "BPSDM", "rank": "Pembina", "phone": "0811"}[field]
    result = parse(f"{header}\nBudi,budi@contoh.go.id,peserta,{value}\n")
    assert result.ok, messages(result)
    assert getattr(result.rows[0], field) == expected


def test_unknown_columns_are_ignored_and_optional_columns_may_be_absent():
    result = parse("No,Nama,Email,Peran,Catatan\n1,Budi,budi@contoh.go.id,peserta,vegetarian\n")
    assert result.ok, messages(result)
    [budi] = result.rows
    assert (budi.nip, budi.rank, budi.position, budi.office, budi.phone) == (None, None, "", "", "")


def test_xlsx_with_numeric_cells():
    data = xlsx(
        [
            ["Nama", "Email", "NIP", "Golongan", "HP", "Peran"],
            ["Budi", "budi@contoh.go.id", 123456, "III/a", 81234567890, "peserta"],
            ["Sari", "sari@contoh.go.id", 1.98609262015051e17, "III/b", None, "peserta"],
            ["Andi", "andi@contoh.go.id", f"  {OTHER_NIP} ", None, 81234.0, "panitia"],
        ]
    )
    # Excel (and openpyxl) store numbers as doubles; a program that writes the exact integer
    # produces this instead, which openpyxl reads back as an int.
    data = replace_in_sheet(data, b"<v>123456</v>", f"<v>{VALID_NIP}</v>".encode())
    result = parse(data, filename="peserta.xlsx")

    budi, sari, andi = result.rows
    assert budi.nip == VALID_NIP
    assert budi.phone == "81234567890"
    assert budi.problems == []
    assert sari.nip is None
    [float_problem] = sari.problems
    assert (float_problem.row, float_problem.column) == (3, "nip")
    assert "Format kolom NIP sebagai Teks" in float_problem.message
    assert andi.nip == OTHER_NIP
    assert andi.phone == "81234"
    assert andi.role == "organizer"
    assert messages(result) == [float_problem.message]


def test_xlsx_row_numbers_match_excel_including_leading_and_blank_rows():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A2"], sheet["B2"], sheet["C2"] = "Nama", "Email", "Peran"
    sheet["A3"], sheet["B3"], sheet["C3"] = "Budi", "budi@contoh.go.id", "peserta"
    sheet["A6"], sheet["B6"], sheet["C6"] = "Sari", "bukan-email", "peserta"
    out = io.BytesIO()
    workbook.save(out)

    result = parse(out.getvalue(), filename="peserta.xlsx")
    assert [r.row for r in result.rows] == [3, 6]
    assert problems_at(result, 6) == ["Email tidak sah: bukan-email"]


def test_xlsx_detected_by_content_even_with_a_csv_name():
    data = xlsx([["name", "email", "role"], ["Budi", "budi@contoh.go.id", "trainer"]])
    result = parse(data, filename="peserta.csv")
    assert result.ok
    assert result.rows[0].role == "trainer"


# --- row problems --------------------------------------------------------------------------


def test_every_problem_of_a_row_is_reported_with_the_spreadsheet_row_number():
    result = parse(
        "name,email,nip,rank,role\n"
        "Budi,budi@contoh.go.id,,,peserta\n"
        ",bukan email,12345,Kolonel,ketua\n"
    )
    assert not result.ok
    bad = result.rows[1]
    assert bad.row == 3
    assert {p.column for p in bad.problems} == {"name", "email", "nip", "rank", "role"}
    assert all(p.row == 3 for p in bad.problems)
    assert problems_at(result, 3) == [
        "Nama wajib diisi.",
        "Email tidak sah: bukan email",
        "NIP harus 18 angka; yang diisi 5 angka.",
        "Pangkat/golongan tidak dikenal: Kolonel",
        "Peran tidak dikenal: ketua. Gunakan peserta, widyaiswara atau panitia.",
    ]
    assert result.rows[0].problems == []


def test_unknown_role():
    result = parse("name,email,role\nBudi,budi@contoh.go.id,dosen\n")
    assert messages(result) == [
        "Peran tidak dikenal: dosen. Gunakan peserta, widyaiswara atau panitia."
    ]
    assert result.problems[0].column == "role"


def test_missing_email_and_role_values():
    result = parse("name,email,role\nBudi,,\n")
    assert messages(result) == [
        "Email wajib diisi.",
        "Peran wajib diisi. Gunakan peserta, widyaiswara atau panitia.",
    ]


@pytest.mark.parametrize(
    ("nip", "expected"),
    [
        ("19860926201505100A", "hanya boleh berisi angka"),
        ("19861326201505100", "harus 18 angka; yang diisi 17 angka"),
        ("198613262015051001", "bukan tanggal yang sah"),
        ("198609262000051001", "terlalu awal: lahir 1986, jadi paling awal 2004"),
    ],
)
def test_malformed_nip_says_what_is_wrong(nip, expected):
    result = parse(f"name,email,nip,role\nBudi,budi@contoh.go.id,{nip},peserta\n")
    [problem] = result.problems
    assert (problem.row, problem.column) == (2, "nip")
    assert expected in problem.message
    assert result.rows[0].nip is None


@pytest.mark.parametrize(
    ("nip", "expected"),
    [
        ("198609262015131001", "Bulan pengangkatan dalam NIP (angka ke-13 dan 14, 13)"),
        ("198609262015053001", "Angka jenis kelamin dalam NIP (angka ke-15) harus 1"),
    ],
)
def test_a_pns_row_has_its_nip_month_and_sex_digit_checked(nip, expected):
    result = parse(f"name,email,status,nip,role\nBudi,budi@contoh.go.id,PNS,{nip},peserta\n")
    [problem] = result.problems
    assert (problem.row, problem.column) == (2, "nip")
    assert expected in problem.message


def test_duplicate_email_names_the_earlier_row():
    result = parse(
        "name,email,role\n"
        "Budi,budi@contoh.go.id,peserta\n"
        "Sari,sari@contoh.go.id,peserta\n"
        "Budi lagi,BUDI@contoh.go.id ,peserta\n"
    )
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (4, "email", "Email sama dengan baris 2.")
    ]


def test_duplicate_nip_names_the_earlier_row():
    spaced = f"{VALID_NIP[:8]} {VALID_NIP[8:14]} {VALID_NIP[14]} {VALID_NIP[15:]}"
    result = parse(
        "name,email,nip,role\n"
        f"Budi,budi@contoh.go.id,{VALID_NIP},peserta\n"
        f"Sari,sari@contoh.go.id,{spaced},peserta\n"
    )
    assert [(p.row, p.message) for p in result.problems] == [(3, "NIP sama dengan baris 2.")]


def test_blank_rows_are_skipped_and_row_numbers_still_match():
    result = parse(
        "name;email;role\n"
        "\n"
        "Budi;budi@contoh.go.id;peserta\n"
        ";;\n"
        "  ;  ;  \n"
        "Sari;sari-at-contoh;peserta\n"
    )
    assert [r.row for r in result.rows] == [3, 6]
    assert [(p.row, p.message) for p in result.problems] == [(6, "Email tidak sah: sari-at-contoh")]


def test_quoted_multiline_cell_counts_as_one_spreadsheet_row():
    result = parse(
        'name,email,office,role\nBudi,budi@contoh.go.id,"Bappeda\nLantai 2",peserta\n'
        "Sari,x,,peserta\n"
    )
    assert result.rows[0].office == "Bappeda\nLantai 2"
    assert problems_at(result, 3) == ["Email tidak sah: x"]


def test_excel_sep_line_is_honoured_and_not_counted_as_a_row():
    result = parse("sep=;\nname;email;role\nBudi;budi;peserta\n")
    assert problems_at(result, 2) == ["Email tidak sah: budi"]


# --- file problems -------------------------------------------------------------------------


def test_missing_required_columns_are_listed_once():
    result = parse("Nama,NIP,Jabatan\nBudi,198609262015051001,Analis\n")
    assert result.rows == []
    [problem] = result.problems
    assert (problem.row, problem.column) == (None, None)
    assert problem.message.startswith("Kolom wajib tidak ditemukan: email, peran.")
    assert "name" not in problem.message.split(".")[0]


@pytest.mark.parametrize("data", [b"", b"   \r\n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n"])
def test_empty_file(data):
    result = parse(data)
    assert not result.ok
    assert messages(result) == ["Berkas kosong."]


def test_header_only():
    result = parse("name,email,role\n\n,,\n , , \n")
    assert result.rows == []
    assert messages(result) == ["Berkas hanya berisi judul kolom; tidak ada baris data."]
    assert not result.ok


def test_xlsx_header_only():
    result = parse(xlsx([["Nama", "Email", "Peran"]]), filename="peserta.xlsx")
    assert messages(result) == ["Berkas hanya berisi judul kolom; tidak ada baris data."]


UNREADABLE = "Berkas bukan CSV atau XLSX yang dapat dibaca."


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        "name,email,role\nBudi,budi@contoh.go.id,peserta\n".encode("utf-16"),
        "nama,email,peran\nJosé,jose@contoh.go.id,peserta\n".encode("cp1252"),
        b"PK\x03\x04 this is not really a zip",
    ],
    ids=["png", "utf-16", "cp1252", "corrupt-zip"],
)
def test_unreadable_files(data):
    result = parse(data, filename="peserta.xlsx")
    assert result.rows == []
    [message] = messages(result)
    assert message.startswith(UNREADABLE)
    assert "XLSX atau CSV" in message


def test_zip_that_is_not_a_spreadsheet():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "halo")
    result = parse(out.getvalue(), filename="peserta.xlsx")
    assert messages(result)[0].startswith(UNREADABLE)


def test_old_xls_asks_to_save_as_xlsx_or_csv():
    result = parse(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, filename="peserta.xls")
    [message] = messages(result)
    assert ".xls" in message
    assert "XLSX atau CSV" in message


def test_too_many_rows():
    lines = "".join(f"Orang {i},orang{i}@contoh.go.id,peserta\n" for i in range(4))
    result = parse("name,email,role\n" + lines, max_rows=3)
    assert result.rows == []
    assert messages(result) == [
        "Berkas berisi lebih dari 3 baris data. Bagi menjadi beberapa berkas."
    ]
    assert parse("name,email,role\n" + lines, max_rows=4).ok


def test_problems_collects_file_and_row_problems():
    result = parse("name,email,role,Email\nBudi,budi@contoh.go.id,dosen,x\n")
    assert [(p.row, p.column) for p in result.problems] == [(None, "email"), (2, "role")]
    assert result.problems[0].message == "Kolom email muncul lebih dari sekali."


# --- status, NI PPPK, ranks, L/P and digits (issue 13) -------------------------------------

PPPK_NUMBER = "199009132023212014"


def test_without_a_status_column_the_status_is_read_from_the_number_or_the_rank():
    result = parse(
        "nama;email;NIP;pangkat;peran\n"
        f"PNS;pns@contoh.go.id;{VALID_NIP};III/b;peserta\n"
        # Digits 13–14 are 13: not a NIP, a valid NI PPPK; refused until now.
        "PPPK;pppk@contoh.go.id;19860926 2015 13 1 001;Golongan IX;peserta\n"
        "Pangkat saja;pangkat@contoh.go.id;;Penata Muda Tk. I;peserta\n"
        "Golongan saja;gol@contoh.go.id;;IX;peserta\n"
        "Warga;warga@contoh.go.id;;;peserta\n"
    )
    assert result.ok, messages(result)
    seen = [(r.status, r.status_source, r.status_display, r.nip, r.rank) for r in result.rows]
    assert seen == [
        ("pns", "number", "PNS (dari nomor)", VALID_NIP, "III/b"),
        ("pppk", "number", "PPPK (dari nomor)", "198609262015131001", "IX"),
        ("pns", "rank", "PNS (dari pangkat)", None, "III/b"),
        ("pppk", "rank", "PPPK (dari pangkat)", None, "IX"),
        ("non_asn", "none", "Non-ASN (tanpa nomor)", None, None),
    ]


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("PNS", "pns"),
        ("cpns", "pns"),
        ("PPPK", "pppk"),
        ("P3K", "pppk"),
        ("PPPK Paruh Waktu", "pppk"),
        ("Non-ASN", "non_asn"),
        ("non ASN", "non_asn"),
        ("NonASN", "non_asn"),
        ("Bukan ASN", "non_asn"),
        ("Honorer", "non_asn"),
    ],
)
def test_a_status_column_is_taken_in_the_usual_words(value, status):
    nip = {"pns": VALID_NIP, "pppk": PPPK_NUMBER, "non_asn": ""}[status]
    result = parse(
        f"Nama,Email,Status Kepegawaian,NIP,Peran\nBudi,b@contoh.go.id,{value},{nip},peserta\n"
    )
    assert result.ok, messages(result)
    [row] = result.rows
    assert (row.status, row.status_source, row.status_display) == (
        status,
        "column",
        {"pns": "PNS", "pppk": "PPPK", "non_asn": "Non-ASN"}[status],
    )


@pytest.mark.parametrize("value", ["ASN", "Kontrak", "TNI"])
def test_an_unknown_status_is_a_row_problem(value):
    result = parse(f"name,email,status,role\nBudi,b@contoh.go.id,{value},peserta\n")
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (2, "status", f"Status tidak dikenal: {value}. Gunakan PNS, PPPK atau Non-ASN.")
    ]


@pytest.mark.parametrize(
    ("status", "nip", "rank", "column", "message"),
    [
        (
            "Non-ASN",
            VALID_NIP,
            "",
            "nip",
            "Non-ASN tidak memiliki NIP atau NI PPPK. Kosongkan nomornya, atau pilih status "
            "PNS atau PPPK.",
        ),
        (
            "PPPK",
            "199009132005212014",
            "",
            "nip",
            "Tahun pengangkatan dalam NI PPPK (angka ke-9 sampai 12, 2005) terlalu awal: "
            "lahir 1990, jadi paling awal 2008 (usia 18 tahun).",
        ),
        (
            "PPPK",
            PPPK_NUMBER,
            "III/b",
            "rank",
            "III/b adalah pangkat/golongan PNS. PPPK memakai golongan I sampai XVII, misalnya IX.",
        ),
        (
            "PNS",
            VALID_NIP,
            "IX",
            "rank",
            "Golongan IX adalah golongan PPPK. PNS memakai pangkat/golongan dengan ruangnya, "
            "misalnya III/b.",
        ),
        (
            "Non-ASN",
            "",
            "Penata Muda",
            "rank",
            "Non-ASN tidak memiliki pangkat/golongan. Kosongkan pangkatnya, atau pilih status "
            "PNS atau PPPK.",
        ),
    ],
)
def test_number_and_rank_must_fit_the_status(status, nip, rank, column, message):
    result = parse(
        f"name,email,status,nip,rank,role\nBudi,b@contoh.go.id,{status},{nip},{rank},peserta\n"
    )
    assert [(p.row, p.column, p.message) for p in result.problems] == [(2, column, message)]


@pytest.mark.parametrize(
    "rank",
    ["Penata Muda Tk. I", "Penata Muda Tkt. I", "Penata Muda Tingkat I", "III/b", "III b"]
    + ["IIIb", "III-b", "Gol. III/b"],
)
def test_ranks_in_the_spellings_of_spreadsheets(rank):
    result = parse(f'name,email,rank,role\nBudi,b@contoh.go.id,"{rank}",peserta\n')
    assert result.ok, messages(result)
    assert result.rows[0].rank == "III/b"
    assert result.rows[0].rank_display == "Penata Muda Tingkat I (III/b)"


@pytest.mark.parametrize(
    ("digits", "name"),
    [
        ("٠١٢٣٤٥٦٧٨٩", "arabic-indic"),
        ("۰۱۲۳۴۵۶۷۸۹", "extended-arabic-indic"),
        ("０１２３４５６７８９", "full-width"),
        ("०१२३४५६७८९", "devanagari"),
    ],
)
def test_nip_and_phone_cells_in_other_scripts_are_read_as_ascii(digits, name):
    def written(text):
        return "".join(digits[int(c)] if c.isdigit() else c for c in text)

    data = xlsx(
        [
            ["Nama", "Email", "NIP", "HP", "Peran"],
            [
                "Budi",
                "budi@contoh.go.id",
                written("19860926 201505 1 001"),
                written("0812 3456"),
                "peserta",
            ],
        ]
    )
    result = parse(data, filename=f"peserta-{name}.xlsx")
    assert result.ok, messages(result)
    [budi] = result.rows
    assert (budi.nip, budi.phone, budi.status) == (VALID_NIP, "0812 3456", "pns")


def test_digits_that_cannot_be_read_are_row_problems():
    result = parse(
        "name,email,nip,phone,role\nBudi,b@contoh.go.id,19860926201505100²,0812①,peserta\n"
    )
    assert [(p.column, p.message) for p in result.problems] == [
        ("nip", "NIP berisi ², yang bukan angka 0–9. Ketik ulang dengan angka biasa."),
        ("phone", "Telepon berisi ①, yang bukan angka 0–9. Ketik ulang dengan angka biasa."),
    ]


def test_a_sex_column_is_read_and_checked_against_the_nip():
    result = parse(
        "nama,email,NIP,L/P,peran\n"
        "Andi,andi@contoh.go.id,,Laki-laki,peserta\n"
        "Sari,sari@contoh.go.id,,P,peserta\n"
        f"Budi,budi@contoh.go.id,{VALID_NIP},P,peserta\n"
        "Dewi,dewi@contoh.go.id,,W,peserta\n"
    )
    assert [r.sex for r in result.rows] == ["L", "P", "P", None]
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (
            4,
            "sex",
            "Jenis kelamin perempuan tidak cocok dengan NIP: angka ke-15 (1) berarti laki-laki. "
            "Periksa NIP atau jenis kelaminnya.",
        ),
        (5, "sex", "Jenis kelamin tidak dikenal: W. Gunakan L atau P."),
    ]
