"""What the database and the account operations hold about a person's status, whatever the
caller: numbers in ASCII digits, no number for a non-ASN, a rank that fits the status."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from lms.accounts import operations
from lms.accounts.models import User

PNS_NIP = "198609262015051001"
PPPK_NUMBER = "199009132023212014"


def _insert(db, **fields) -> None:
    with db.session.begin_nested():
        db.session.add(
            User(email="langsung@example.org", full_name="Langsung", password_hash="x", **fields)
        )
        db.session.flush()


@pytest.mark.parametrize(
    "fields",
    [
        {"employment_status": "non_asn", "nip": PNS_NIP},
        {"employment_status": "pns", "nip": PNS_NIP, "rank": "IX"},
        {"employment_status": "pppk", "nip": PPPK_NUMBER, "rank": "III/b"},
        {"employment_status": "non_asn", "rank": "III/b"},
        {"employment_status": "honorer"},
        {"employment_status": "pns", "nip": "١٩٨٦٠٩٢٦٢٠١٥٠٥١٠٠١"},
        {"employment_status": "pns", "sex": "X"},
    ],
    ids=[
        "non-asn-number",
        "pns-golongan",
        "pppk-pangkat",
        "non-asn-rank",
        "status",
        "digits",
        "sex",
    ],
)
def test_the_database_refuses_what_does_not_fit(db, fields):
    with pytest.raises(IntegrityError):
        _insert(db, **fields)


def test_an_account_written_without_a_status_gets_the_guessed_one(db):
    _insert(db, nip=PNS_NIP, rank="III/b")
    user = db.session.scalar(db.select(User).filter_by(email="langsung@example.org"))
    assert user.employment_status == "pns"


def test_operations_clean_digits_and_refuse_what_does_not_fit(db, make_user):
    user = make_user(nip="١٩٨٦٠٩٢٦ ٢٠١٥٠٥ ١ ٠٠١", phone="۰۸۱۲")
    assert (user.nip, user.phone, user.employment_status) == (PNS_NIP, "0812", "pns")
    with pytest.raises(operations.ProfileError) as caught:
        make_user(employment_status="non_asn", nip=PPPK_NUMBER)
    assert caught.value.field == "nip"
    with pytest.raises(operations.ProfileError) as caught:
        operations.update_profile(user, {"rank": "IX"})
    assert caught.value.field == "rank"
    assert "Golongan IX adalah golongan PPPK" in str(caught.value)
    with pytest.raises(operations.ProfileError):
        operations.update_profile(user, {"employment_status": "non_asn"})  # the NIP stays
    operations.update_profile(user, {"employment_status": "non_asn", "nip": None})
    assert (user.employment_status, user.nip) == ("non_asn", None)
