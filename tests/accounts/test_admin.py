from __future__ import annotations

from lms.accounts.models import User
from lms.audit import AuditEvent
from tests.helpers import csrf_token


def _user_form(client, **changes):
    data = {
        "csrf_token": csrf_token(client, "/admin/users/new"),
        "email": "Baru@Example.org",
        "full_name": "Baru, S.T.",
        "password": "kata-sandi-awal",
        "nip": "",
        "rank": "",
        "position": "",
        "office": "",
        "phone": "",
    }
    data.update(changes)
    return data


def test_admin_creates_an_account_that_can_log_in(client, make_user, login_as, db):
    login_as(make_user(is_admin=True))
    response = client.post("/admin/users/new", data=_user_form(client))
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="baru@example.org"))
    assert user is not None and not user.is_admin
    assert user.check_password("kata-sandi-awal")


def test_duplicate_email_or_nip_is_refused_and_nothing_written(client, make_user, login_as, db):
    login_as(make_user(is_admin=True))
    make_user(email="baru@example.org", nip="198609262015051001")
    before = db.session.scalar(db.select(db.func.count()).select_from(User))
    email = client.post("/admin/users/new", data=_user_form(client)).get_data(as_text=True)
    assert "Email ini sudah dipakai akun lain." in email
    nip = client.post(
        "/admin/users/new",
        data=_user_form(client, email="lain@example.org", nip="19860926 201505 1 001"),
    ).get_data(as_text=True)
    assert "NIP ini sudah dipakai akun lain." in nip
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == before


def test_admin_makes_another_admin_and_it_is_audited(client, make_user, login_as, db):
    admin = make_user(is_admin=True)
    other = make_user()
    login_as(admin)
    token = csrf_token(client, "/admin/users")
    client.post(f"/admin/users/{other.id}/admin", data={"csrf_token": token, "make_admin": "1"})
    db.session.refresh(other)
    assert other.is_admin
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="user.admin")).one()
    assert event.actor_id == admin.id and event.after == {"is_admin": True}


def test_an_admin_cannot_remove_their_own_admin_right(client, make_user, login_as, db):
    admin = make_user(is_admin=True)
    login_as(admin)
    token = csrf_token(client, "/admin/users")
    response = client.post(
        f"/admin/users/{admin.id}/admin",
        data={"csrf_token": token, "make_admin": "0"},
        follow_redirects=True,
    )
    assert "tidak dapat mencabut hak admin Anda sendiri" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.is_admin


def test_user_search_finds_by_name_email_or_nip(client, make_user, login_as):
    login_as(make_user(is_admin=True))
    make_user(full_name="Sitti Aminah", nip="197805112005012001")
    html = client.get("/admin/users?q=19780511 200501").get_data(as_text=True)
    assert "Sitti Aminah" in html
    assert "Sitti Aminah" not in client.get("/admin/users?q=zzz").get_data(as_text=True)


def test_the_admin_form_takes_the_status_or_reads_it_from_the_number(
    client, make_user, login_as, db
):
    login_as(make_user(is_admin=True))

    def created(email, **changes):
        form = _user_form(client, email=email, **changes)
        assert client.post("/admin/users/new", data=form).status_code == 302
        return db.session.scalar(db.select(User).filter_by(email=email))

    pppk = created("pppk@example.org", employment_status="pppk", rank="IX")
    assert (pppk.employment_status, pppk.nip, pppk.rank) == ("pppk", None, "IX")
    # Left blank: a NI PPPK makes a PPPK, a NIP a PNS, no number a non-ASN.
    read = created("dibaca@example.org", nip="19900913 2023 21 2 014")
    assert (read.employment_status, read.nip) == ("pppk", "199009132023212014")
    assert created("pns@example.org", nip="198609262015051001").employment_status == "pns"
    assert created("warga@example.org", sex="P").employment_status == "non_asn"


def test_the_admin_form_refuses_a_number_for_a_non_asn(client, make_user, login_as, db):
    login_as(make_user(is_admin=True))
    before = db.session.scalar(db.select(db.func.count()).select_from(User))
    html = client.post(
        "/admin/users/new",
        data=_user_form(client, employment_status="non_asn", nip="198609262015051001"),
    ).get_data(as_text=True)
    assert "Non-ASN tidak memiliki NIP atau NI PPPK." in html
    assert '<option selected value="non_asn">Non-ASN</option>' in html
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == before
