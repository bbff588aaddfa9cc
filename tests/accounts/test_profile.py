from __future__ import annotations

from datetime import date

import pytest

from lms.accounts.civil_service import NIPError, normalize_rank, parse_nip
from lms.audit import AuditEvent
from tests.helpers import PASSWORD, csrf_token

VALID_NIP = "198609262015051001"


def _profile_data(client, **changes):
    data = {
        "csrf_token": csrf_token(client, "/account/profile"),
        "full_name": "Dr. Rina Marlina, S.E., M.Si.",
        "employment_status": "pns",
        "nip": "",
        "rank": "",
        "position": "Analis Kebijakan",
        "office": "Bappelitbangda",
        "phone": "0812345678",
        "locale": "id",
    }
    data.update(changes)
    return data


def test_profile_saves_nip_written_with_spaces_as_digits(client, make_user, login_as, db):
    user = make_user()
    login_as(user)
    response = client.post(
        "/account/profile",
        data=_profile_data(client, nip="19860926 201505 1 001", rank="III/b"),
        follow_redirects=True,
    )
    assert "Profil sudah disimpan." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.nip == VALID_NIP
    assert user.rank == "III/b"
    assert user.full_name == "Dr. Rina Marlina, S.E., M.Si."
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="user.profile")).one()
    assert event.after["nip"] == VALID_NIP


@pytest.mark.parametrize(
    ("nip", "message"),
    [
        ("19860926201505100", "NIP harus 18 angka; yang diisi 17 angka."),
        ("19861326201505 1 001", "Tanggal lahir dalam NIP"),
        ("198609262015131001", "Bulan pengangkatan dalam NIP"),
        ("198609262015053001", "Angka jenis kelamin dalam NIP (angka ke-15) harus 1"),
        ("1986092620150510AB", "NIP hanya boleh berisi angka"),
    ],
)
def test_malformed_nip_is_refused_with_a_message_naming_the_problem(
    client, make_user, login_as, db, nip, message
):
    user = make_user()
    login_as(user)
    response = client.post("/account/profile", data=_profile_data(client, nip=nip))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert f'value="{nip}"' in html  # what was typed stays in the field
    assert 'aria-describedby="nip-hint nip-error"' in html
    db.session.refresh(user)
    assert user.nip is None
    assert user.position == ""


def test_nip_of_another_account_is_refused(client, make_user, login_as, db):
    make_user(nip=VALID_NIP)
    user = make_user()
    login_as(user)
    response = client.post("/account/profile", data=_profile_data(client, nip=VALID_NIP))
    assert "NIP ini sudah dipakai akun lain." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.nip is None


def test_rank_must_come_from_the_fixed_list(client, make_user, login_as, db):
    user = make_user()
    login_as(user)
    response = client.post("/account/profile", data=_profile_data(client, rank="V/a"))
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True) or "bukan pilihan" in (
        response.get_data(as_text=True)
    )
    html = client.get("/account/profile").get_data(as_text=True)
    assert "IV/e — Pembina Utama" in html


def test_choosing_english_in_the_profile_switches_the_interface(client, make_user, login_as):
    user = make_user()
    login_as(user)
    response = client.post(
        "/account/profile", data=_profile_data(client, locale="en"), follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "Profile saved." in html
    assert '<html lang="en">' in html


def test_change_password_requires_the_current_one(client, make_user, login_as, db):
    user = make_user()
    login_as(user)
    token = csrf_token(client, "/account/password")
    wrong = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "bukan-ini",
            "new_password": "sandi-baru-99",
            "confirm": "sandi-baru-99",
        },
    )
    assert "Kata sandi sekarang salah." in wrong.get_data(as_text=True)
    mismatch = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "sandi-baru-99",
            "confirm": "sandi-baru-98",
        },
    )
    assert "Kedua kata sandi baru tidak sama." in mismatch.get_data(as_text=True)
    ok = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "sandi-baru-99",
            "confirm": "sandi-baru-99",
        },
    )
    assert ok.status_code == 302
    db.session.refresh(user)
    assert user.check_password("sandi-baru-99")
    assert not user.check_password(PASSWORD)


def test_parse_nip_accepts_the_documented_example():
    nip = parse_nip("19860926 201505 1 001", today=date(2026, 1, 1))
    assert nip.digits == VALID_NIP
    assert nip.birth_date == date(1986, 9, 26)
    assert nip.appointment == (2015, 5)
    assert nip.sex == 1
    assert nip.formatted() == "19860926 201505 1 001"


def test_parse_nip_refuses_an_appointment_before_adulthood():
    with pytest.raises(NIPError):
        parse_nip("198609261990051001", today=date(2026, 1, 1))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("III/a", "III/a"),
        ("iii/a", "III/a"),
        ("III a", "III/a"),
        ("Penata Muda", "III/a"),
        ("Pembina Utama Madya (IV/d)", "IV/d"),
        ("V/a", None),
        ("Ketua", None),
    ],
)
def test_rank_is_recognised_in_the_usual_spellings(text, code):
    assert normalize_rank(text) == code


# --- status, number, rank and sex (issue 13) -----------------------------------------------

PPPK_NUMBER = "199009132023212014"
ARABIC = "١٩٨٦٠٩٢٦ ٢٠١٥٠٥ ١ ٠٠١"


def _field_error(html: str, field: str) -> str:
    """The error text shown next to a field."""
    start = html.index(f'id="{field}-error"')
    return html[html.index(">", start) + 1 : html.index("</p>", start)]


def test_a_pppk_saves_their_ni_pppk_which_a_nip_check_would_refuse(client, make_user, login_as, db):
    user = make_user()
    login_as(user)
    # Digits 13–14 are "21": no month. Until now every PPPK was refused this way.
    response = client.post(
        "/account/profile",
        data=_profile_data(
            client, employment_status="pppk", nip="19900913 2023 21 2 014", rank="IX"
        ),
        follow_redirects=True,
    )
    assert "Profil sudah disimpan." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.employment_status, user.nip, user.rank) == ("pppk", PPPK_NUMBER, "IX")
    assert user.rank_display == "Golongan IX"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"employment_status": "pppk", "nip": "199009132005212014"},
            "nip",
            "Tahun pengangkatan dalam NI PPPK (angka ke-9 sampai 12, 2005) terlalu awal: "
            "lahir 1990, jadi paling awal 2008 (usia 18 tahun).",
        ),
        (
            {"employment_status": "pppk", "nip": "199009132099212014"},
            "nip",
            "Tahun pengangkatan dalam NI PPPK (angka ke-9 sampai 12, 2099) berada di masa depan.",
        ),
        (
            {"employment_status": "pns", "nip": PPPK_NUMBER},
            "nip",
            "Bulan pengangkatan dalam NIP (angka ke-13 dan 14, 21) harus 01 sampai 12.",
        ),
        (
            {"employment_status": "non_asn", "nip": VALID_NIP},
            "nip",
            "Non-ASN tidak memiliki NIP atau NI PPPK. Kosongkan nomornya, atau pilih status "
            "PNS atau PPPK.",
        ),
        (
            {"employment_status": "pppk", "nip": PPPK_NUMBER, "rank": "III/b"},
            "rank",
            "III/b adalah pangkat/golongan PNS. PPPK memakai golongan I sampai XVII, misalnya IX.",
        ),
        (
            {"employment_status": "pns", "nip": VALID_NIP, "rank": "IX"},
            "rank",
            "Golongan IX adalah golongan PPPK. PNS memakai pangkat/golongan dengan ruangnya, "
            "misalnya III/b.",
        ),
        (
            {"employment_status": "non_asn", "rank": "IX"},
            "rank",
            "Non-ASN tidak memiliki pangkat/golongan. Kosongkan pangkatnya, atau pilih status "
            "PNS atau PPPK.",
        ),
        (
            {"employment_status": "pns", "nip": VALID_NIP, "sex": "P"},
            "sex",
            "Jenis kelamin perempuan tidak cocok dengan NIP: angka ke-15 (1) berarti laki-laki. "
            "Periksa NIP atau jenis kelaminnya.",
        ),
        (
            {"nip": "19860926201505100²"},
            "nip",
            "NIP berisi ², yang bukan angka 0–9. Ketik ulang dengan angka biasa.",
        ),
        (
            {"phone": "0812-①②"},
            "phone",
            "Telepon berisi ①, yang bukan angka 0–9. Ketik ulang dengan angka biasa.",
        ),
    ],
)
def test_status_number_rank_and_sex_that_do_not_fit_are_refused_next_to_the_field(
    client, make_user, login_as, db, changes, field, message
):
    user = make_user()
    login_as(user)
    response = client.post("/account/profile", data=_profile_data(client, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _field_error(html, field) == message
    db.session.refresh(user)
    assert (user.employment_status, user.nip, user.rank, user.position) == (
        "non_asn",
        None,
        None,
        "",
    )


@pytest.mark.parametrize(
    "script",
    ["٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "０１２３４５６７８９", "०१२३४५६७८९"],
    ids=["arabic-indic", "extended-arabic-indic", "full-width", "devanagari"],
)
def test_digits_typed_in_another_script_are_stored_as_ascii(
    client, make_user, login_as, db, script
):
    def written(text):
        return "".join(script[int(c)] if c.isdigit() else c for c in text)

    user = make_user()
    login_as(user)
    response = client.post(
        "/account/profile",
        data=_profile_data(client, nip=written("19860926 201505 1 001"), phone=written("0812 345")),
        follow_redirects=True,
    )
    assert "Profil sudah disimpan." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.nip, user.phone) == (VALID_NIP, "0812 345")
    # ...and the number typed that way logs in too.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login = client.post(
        "/login",
        data={
            "csrf_token": csrf_token(client, "/login"),
            "identifier": written("19860926 201505 1 001"),
            "password": PASSWORD,
        },
    )
    assert login.status_code == 302


def test_the_rank_list_offers_pns_ranks_and_pppk_golongan_and_a_neutral_empty_choice(
    client, make_user, login_as
):
    login_as(make_user())
    html = client.get("/account/profile").get_data(as_text=True)
    start = html.index('id="rank"')
    rank = html[start : html.index("</select>", start)]
    assert '<option value="">— pilih —</option>' in rank
    assert "bukan ASN" not in rank
    assert '<optgroup label="PNS: pangkat/golongan">' in rank
    assert '<optgroup label="PPPK: golongan">' in rank
    assert '<option value="III/b">III/b — Penata Muda Tingkat I</option>' in rank
    assert '<option value="XVII">Golongan XVII</option>' in rank
    assert '<option value="pppk">PPPK</option>' in html
    assert "NIP / NI PPPK" in html


def test_sex_is_shown_as_read_from_the_nip_and_saved_with_the_profile(
    client, make_user, login_as, db
):
    user = make_user(nip="199003142015032002")
    login_as(user)
    html = client.get("/account/profile").get_data(as_text=True)
    assert '<option selected value="P">Perempuan (P)</option>' in html
    form = _profile_data(client, nip="199003142015032002", sex="P")
    assert client.post("/account/profile", data=form).status_code == 302
    db.session.refresh(user)
    assert user.sex == "P"


def test_a_person_becomes_non_asn_by_clearing_number_and_rank(client, make_user, login_as, db):
    user = make_user(nip=VALID_NIP, rank="III/b")
    assert user.employment_status == "pns"
    login_as(user)
    form = _profile_data(client, employment_status="non_asn", sex="L")
    assert client.post("/account/profile", data=form).status_code == 302
    db.session.refresh(user)
    assert (user.employment_status, user.nip, user.rank, user.sex) == ("non_asn", None, None, "L")


def test_a_new_office_text_drops_the_office_it_was_matched_to(db, make_user):
    from lms.accounts import operations
    from lms.regions.models import Office, Region

    region = Region(code="7398", name="Kabupaten Uji", kind="kabupaten")
    office = Office(region=region, name="Dinas Kesehatan", acronym="Dinkes")
    db.session.add_all([region, office])
    db.session.flush()
    person = make_user(office="Dinas Kesehatan")
    person.office_id = office.id
    operations.update_profile(person, {"office": "Dinas Kesehatan", "position": "Analis"})
    assert person.office_id == office.id  # same text: still matched
    operations.update_profile(person, {"office": "Dinas Pendidikan"})
    assert person.office_id is None  # the coordinator's matching page shows the new text
