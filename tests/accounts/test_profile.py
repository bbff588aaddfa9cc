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
