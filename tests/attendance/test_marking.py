"""The organizer's marking grid, closing a meeting and the marks import."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import openpyxl
import pytest

from lms.attendance import operations
from lms.attendance.models import AttendanceRecord
from lms.audit import AuditEvent
from lms.cohorts import operations as cohort_ops
from lms.cohorts.models import Membership
from tests.helpers import counted_queries, csrf_token

_nip_seq = iter(range(100, 1000))


def _nip() -> str:
    return f"19860926201505{1}{next(_nip_seq):03d}"


class _FormReader(HTMLParser):
    """What a browser would submit for the form whose action ends with ``action``."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "").endswith(self.action)
        elif tag == "input" and self.inside and a.get("name"):
            kind = a.get("type", "text")
            if kind == "radio":
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value", "")
            elif kind != "file":
                self.fields[a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_fields(html: str, action: str) -> dict[str, str]:
    reader = _FormReader(action)
    reader.feed(html)
    return reader.fields


def _record(db, meeting, user):
    db.session.expire_all()
    return db.session.scalar(
        db.select(AttendanceRecord).filter_by(meeting_id=meeting.id, user_id=user.id)
    )


def _marks_url(cohort, meeting) -> str:
    return f"/cohorts/{cohort.id}/meetings/{meeting.id}/marks"


@pytest.fixture
def klass(make_user, make_cohort, make_meeting, login_as):
    """An organizer (logged in), three participants, a meeting; Andi checked in."""
    organizer = make_user(full_name="Panitia Satu")
    andi = make_user(full_name="Andi Rahmat", nip=_nip(), office="Dinas Kesehatan")
    budi = make_user(full_name="Budi Santoso", nip=_nip(), office="Bappelitbangda")
    citra = make_user(full_name="Citra Lestari", office="Kecamatan Bontoa")
    cohort = make_cohort(organizers=[organizer], participants=[andi, budi, citra])
    meeting = make_meeting(cohort)
    operations.check_in(meeting, andi)
    from lms.extensions import db

    db.session.commit()
    login_as(organizer)
    return {
        "organizer": organizer,
        "andi": andi,
        "budi": budi,
        "citra": citra,
        "cohort": cohort,
        "meeting": meeting,
    }


# --- the grid -------------------------------------------------------------------------------


def test_grid_shows_every_participant_with_nip_office_and_five_statuses(client, klass):
    html = client.get(_marks_url(klass["cohort"], klass["meeting"])).get_data(as_text=True)
    for person in ("andi", "budi", "citra"):
        user = klass[person]
        assert user.full_name in html
        assert f'name="version-{user.id}"' in html
        for status in ("present", "late", "excused", "sick", "absent"):
            assert f'name="status-{user.id}" value="{status}"' in html
    assert "19860926 201505 1" in html and "Dinas Kesehatan" in html
    for word in ("Hadir", "Terlambat", "Izin", "Sakit", "Alpa"):
        assert word in html
    fields = form_fields(html, "/marks")
    andi = klass["andi"]
    assert fields[f"status-{andi.id}"] == "present"
    assert fields[f"version-{andi.id}"] == "1"
    assert fields[f"version-{klass['budi'].id}"] == ""
    assert "Panitia Satu" not in html.split('class="mark-list"', 1)[1]  # organizers are not rows


def test_saving_the_grid_marks_changed_rows_and_audits_each(client, db, klass):
    cohort, meeting = klass["cohort"], klass["meeting"]
    andi, budi, citra = klass["andi"], klass["budi"], klass["citra"]
    url = _marks_url(cohort, meeting)
    fields = form_fields(client.get(url).get_data(as_text=True), "/marks")
    fields[f"status-{budi.id}"] = "sick"
    fields[f"note-{budi.id}"] = "Surat dokter menyusul"
    fields[f"status-{andi.id}"] = "late"
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))

    response = client.post(url, data=fields, follow_redirects=True)

    assert "Kehadiran 2 peserta sudah disimpan." in response.get_data(as_text=True)
    budi_record = _record(db, meeting, budi)
    assert (budi_record.status, budi_record.note, budi_record.source) == (
        "sick",
        "Surat dokter menyusul",
        "organizer",
    )
    assert budi_record.marked_by_id == klass["organizer"].id
    andi_record = _record(db, meeting, andi)
    assert (andi_record.status, andi_record.version) == ("late", 2)
    assert _record(db, meeting, citra) is None  # untouched rows stay unmarked
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "attendance.mark").order_by(AuditEvent.id)
    ).all()
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == before + 2
    assert {e.after["user_id"] for e in events[-2:]} == {andi.id, budi.id}
    assert all(e.actor_id == klass["organizer"].id for e in events[-2:])
    andi_event = next(e for e in events[-2:] if e.after["user_id"] == andi.id)
    assert andi_event.before["status"] == "present" and andi_event.after["status"] == "late"


def test_saving_without_changes_writes_nothing(client, db, klass):
    url = _marks_url(klass["cohort"], klass["meeting"])
    fields = form_fields(client.get(url).get_data(as_text=True), "/marks")
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    response = client.post(url, data=fields, follow_redirects=True)
    assert "Tidak ada perubahan." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == before


def test_conflict_saves_nothing_names_the_person_and_keeps_the_inputs(client, db, klass):
    cohort, meeting = klass["cohort"], klass["meeting"]
    andi, budi, citra = klass["andi"], klass["budi"], klass["citra"]
    url = _marks_url(cohort, meeting)
    fields = form_fields(client.get(url).get_data(as_text=True), "/marks")

    # Meanwhile another organizer marks Budi and corrects Andi.
    other = klass["organizer"]
    operations.set_mark(meeting, budi, "sick", actor=other, expected_version=None)
    operations.set_mark(meeting, andi, "late", actor=other, expected_version=1)
    db.session.commit()

    fields[f"status-{budi.id}"] = "absent"
    fields[f"status-{andi.id}"] = "excused"
    fields[f"note-{andi.id}"] = "Izin rapat dinas"
    fields[f"status-{citra.id}"] = "present"
    response = client.post(url, data=fields)

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Isian Anda belum disimpan" in html  # the conflict message (lms.errors.Conflict)
    assert "Budi Santoso: sekarang Sakit" in html
    assert "Andi Rahmat: sekarang Terlambat" in html
    assert "Citra Lestari: sekarang" not in html
    # Nothing of this submission was written, not even the row without a conflict.
    assert _record(db, meeting, citra) is None
    assert _record(db, meeting, budi).status == "sick"
    assert _record(db, meeting, andi).status == "late"
    # The organizer's own choices are still on the page.
    again = form_fields(html, "/marks")
    assert again[f"status-{citra.id}"] == "present"
    assert again[f"status-{budi.id}"] == "absent"
    assert again[f"status-{andi.id}"] == "excused"
    assert again[f"note-{andi.id}"] == "Izin rapat dinas"
    # Saving again after seeing the other change is a deliberate choice and goes through.
    done = client.post(url, data=again, follow_redirects=True)
    assert "Kehadiran 3 peserta sudah disimpan." in done.get_data(as_text=True)
    assert _record(db, meeting, andi).status == "excused"
    assert _record(db, meeting, budi).status == "absent"
    assert _record(db, meeting, citra).status == "present"


def test_a_row_changed_elsewhere_but_untouched_here_is_not_a_conflict(client, db, klass):
    meeting, budi, citra = klass["meeting"], klass["budi"], klass["citra"]
    url = _marks_url(klass["cohort"], meeting)
    fields = form_fields(client.get(url).get_data(as_text=True), "/marks")
    operations.set_mark(meeting, budi, "sick", actor=None, expected_version=None)
    db.session.commit()
    fields[f"status-{citra.id}"] = "late"
    response = client.post(url, data=fields, follow_redirects=True)
    assert "Kehadiran 1 peserta sudah disimpan." in response.get_data(as_text=True)
    assert _record(db, meeting, budi).status == "sick"  # the other change is kept
    assert _record(db, meeting, citra).status == "late"


def test_the_same_change_made_by_someone_else_is_not_a_conflict(client, db, klass):
    meeting, budi, citra = klass["meeting"], klass["budi"], klass["citra"]
    url = _marks_url(klass["cohort"], meeting)
    fields = form_fields(client.get(url).get_data(as_text=True), "/marks")
    operations.set_mark(meeting, budi, "sick", actor=None, expected_version=None)
    db.session.commit()
    fields[f"status-{budi.id}"] = "sick"
    fields[f"status-{citra.id}"] = "present"
    response = client.post(url, data=fields, follow_redirects=True)
    assert "Kehadiran 1 peserta sudah disimpan." in response.get_data(as_text=True)
    assert _record(db, meeting, budi).version == 1
    assert _record(db, meeting, citra).status == "present"


def test_bad_rows_are_refused_with_a_message_next_to_the_row(client, db, klass):
    meeting, budi, citra = klass["meeting"], klass["budi"], klass["citra"]
    url = _marks_url(klass["cohort"], meeting)
    fields = form_fields(client.get(url).get_data(as_text=True), "/marks")
    fields[f"status-{budi.id}"] = "present"
    fields[f"status-{citra.id}"] = "bolos"
    response = client.post(url, data=fields)
    html = response.get_data(as_text=True)
    assert f'id="row-{citra.id}-error"' in html
    assert "Status tidak dikenal" in html
    assert _record(db, meeting, budi) is None  # all rows or none

    fields[f"status-{citra.id}"] = ""
    fields[f"note-{citra.id}"] = "datang siang"
    html = client.post(url, data=fields).get_data(as_text=True)
    assert "Pilih status dulu" in html
    assert _record(db, meeting, budi) is None


def test_grid_belongs_to_the_meetings_cohort(client, klass, make_cohort, make_meeting):
    other_meeting = make_meeting(make_cohort())
    assert client.get(_marks_url(klass["cohort"], other_meeting)).status_code == 404


# --- closing ------------------------------------------------------------------------------


def test_close_marks_only_the_unmarked_as_absent(client, db, klass):
    cohort, meeting = klass["cohort"], klass["meeting"]
    andi, budi, citra = klass["andi"], klass["budi"], klass["citra"]
    operations.set_mark(meeting, budi, "sick", note="Demam", actor=None, expected_version=None)
    db.session.commit()
    url = f"/cohorts/{cohort.id}/meetings/{meeting.id}/close"
    token = csrf_token(client, _marks_url(cohort, meeting))

    response = client.post(url, data={"csrf_token": token}, follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "1 peserta yang belum ditandai sudah dicatat Alpa." in html
    assert (_record(db, meeting, citra).status, _record(db, meeting, citra).source) == (
        "absent",
        "close",
    )
    assert _record(db, meeting, andi).status == "present"
    assert (_record(db, meeting, budi).status, _record(db, meeting, budi).note) == ("sick", "Demam")
    assert meeting.closed_dt is not None
    assert (
        db.session.scalar(
            db.select(AuditEvent).where(
                AuditEvent.action == "attendance.mark",
                AuditEvent.object_id == _record(db, meeting, citra).id,
            )
        ).after["source"]
        == "close"
    )

    again = client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "tidak ada yang dicatat Alpa" in again.get_data(as_text=True)


def test_close_needs_a_csrf_token(client, klass):
    url = f"/cohorts/{klass['cohort'].id}/meetings/{klass['meeting'].id}/close"
    assert client.post(url, data={}).status_code == 400


# --- query count ----------------------------------------------------------------------------


def test_grid_uses_the_same_number_of_queries_for_5_and_60_participants(
    client, db, make_user, make_cohort, make_meeting, login_as
):
    def count_queries(size: int) -> int:
        organizer = make_user()
        people = [make_user(nip=_nip(), office="Dinas") for _ in range(size)]
        cohort = make_cohort(organizers=[organizer], participants=people)
        meeting = make_meeting(cohort)
        for person in people[::2]:
            operations.set_mark(meeting, person, "present", actor=None, expected_version=None)
        db.session.commit()
        login_as(organizer)
        with counted_queries(db) as statements:
            response = client.get(_marks_url(cohort, meeting))
        assert response.status_code == 200
        assert response.get_data(as_text=True).count('type="radio"') == size * 5
        return len(statements)

    assert count_queries(5) == count_queries(60)


# --- import -------------------------------------------------------------------------------


def _import_url(cohort, meeting) -> str:
    return f"/cohorts/{cohort.id}/meetings/{meeting.id}/marks/import"


def _upload(client, cohort, meeting, content: bytes, filename="kehadiran.csv"):
    url = _import_url(cohort, meeting)
    return client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def _confirm_action(html: str) -> str:
    match = re.search(r'action="([^"]*/marks/import/[0-9a-f]+)"', html)
    assert match, "no confirmation form"
    return match.group(1)


def _problems(html: str) -> list[str]:
    block = html.split('<ul class="problems">', 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"\s+", " ", li).strip() for li in re.findall(r"<li>(.*?)</li>", block, re.S)]


def test_import_accepts_every_spelling_and_applies_all_rows(client, db, klass):
    cohort, meeting = klass["cohort"], klass["meeting"]
    andi, budi, citra = klass["andi"], klass["budi"], klass["citra"]
    content = (
        "\ufeffNIP;email;Status;Catatan\n"
        f"{andi.nip[:8]} {andi.nip[8:14]} {andi.nip[14]} {andi.nip[15:]};;t;datang 09.30\n"
        f";{budi.email.upper()};SAKIT;\n"
        f";{citra.email};absent;tanpa kabar\n"
    ).encode()

    preview = _upload(client, cohort, meeting, content)

    html = preview.get_data(as_text=True)
    assert "Semua 3 baris benar" in html
    assert "Andi Rahmat" in html and "Budi Santoso" in html
    assert _record(db, meeting, budi) is None  # nothing written before confirmation
    done = client.post(
        _confirm_action(html),
        data={"csrf_token": csrf_token(client, "/dashboard")},
        follow_redirects=True,
    )
    assert "3 baris sudah diimpor." in done.get_data(as_text=True)
    assert [
        (r.status, r.source, r.note) for r in (_record(db, meeting, p) for p in (andi, budi, citra))
    ] == [
        ("late", "import", "datang 09.30"),
        ("sick", "import", ""),
        ("absent", "import", "tanpa kabar"),
    ]
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "attendance.mark", AuditEvent.cohort_id == cohort.id)
        )
        == 3
    )
    # The confirmation cannot be replayed.
    again = client.post(
        _confirm_action(html),
        data={"csrf_token": csrf_token(client, "/dashboard")},
        follow_redirects=True,
    )
    assert "sudah tidak berlaku" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Hadir", "present"),
        ("h", "present"),
        ("PRESENT", "present"),
        ("Terlambat", "late"),
        ("late", "late"),
        ("izin", "excused"),
        ("I", "excused"),
        ("Excused", "excused"),
        ("Sakit", "sick"),
        ("s", "sick"),
        ("Alpa", "absent"),
        ("A", "absent"),
    ],
)
def test_status_words(app_ctx, word, status):
    from lms.attendance.importing.marks import parse_status

    assert parse_status(word) == status


def test_import_from_xlsx_with_comma_csv_alternative(client, db, klass):
    cohort, meeting, budi = klass["cohort"], klass["meeting"], klass["budi"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["No", "Nama", "NIP", "Kehadiran", "Keterangan"])
    sheet.append([1, "Budi", budi.nip, "Izin", "Tugas luar"])
    buffer = io.BytesIO()
    book.save(buffer)
    html = _upload(client, cohort, meeting, buffer.getvalue(), "hadir.xlsx").get_data(as_text=True)
    assert "Semua 1 baris benar" in html
    client.post(_confirm_action(html), data={"csrf_token": csrf_token(client, "/dashboard")})
    record = _record(db, meeting, budi)
    assert (record.status, record.note) == ("excused", "Tugas luar")

    comma = f"email,status\n{budi.email},Hadir\n".encode()
    html = _upload(client, cohort, meeting, comma).get_data(as_text=True)
    assert "Semua 1 baris benar" in html


def test_import_preview_lists_every_problem_with_row_and_column(
    client, db, klass, make_user, make_cohort
):
    cohort, meeting = klass["cohort"], klass["meeting"]
    andi, budi = klass["andi"], klass["budi"]
    outsider = make_user(full_name="Dewi Orang Lain", nip=_nip())
    make_cohort(participants=[outsider])
    content = (
        "NIP;email;status;catatan\n"
        f"{andi.nip};;Hadir;\n"  # 2: fine
        "199001012020121001;;Hadir;\n"  # 3: nobody has this NIP
        f"{outsider.nip};;Hadir;\n"  # 4: another class
        f";{klass['organizer'].email};Hadir;\n"  # 5: organizer, not a participant
        f"{budi.nip};;hadirr;\n"  # 6: unknown status
        f";{andi.email};Sakit;\n"  # 7: Andi again
        f"{budi.nip};;;\n"  # 8: no status (and Budi again)
        ";;Hadir;\n"  # 9: nobody named
        "12345;;Hadir;\n"  # 10: not a NIP
    ).encode()

    response = _upload(client, cohort, meeting, content)

    html = response.get_data(as_text=True)
    problems = _problems(html)
    assert "Berkas belum dapat diimpor" in html
    assert "Baris 3, kolom NIP: Tidak ada peserta dengan NIP 199001012020121001." in problems
    assert "Baris 4, kolom NIP: Dewi Orang Lain bukan peserta kelas ini." in problems
    assert any(p.startswith("Baris 5, kolom email: Panitia Satu bukan peserta") for p in problems)
    assert any(
        p.startswith("Baris 6, kolom status: Status tidak dikenal: hadirr.") for p in problems
    )
    assert "Baris 7, kolom email: Andi Rahmat sudah ada di baris 2; satu orang satu baris." in (
        problems
    )
    assert any(p.startswith("Baris 8, kolom status: Status wajib diisi") for p in problems)
    assert "Baris 9, kolom NIP: Isi NIP atau email untuk mengenali peserta." in problems
    assert "Baris 10, kolom NIP: NIP harus 18 angka: 12345" in problems
    assert "Setujui dan impor" not in html
    assert _record(db, meeting, budi) is None
    assert _record(db, meeting, andi).source == "checkin"


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "kosong.csv", "Berkas kosong."),
        (b"\xef\xbb\xbf\r\n", "kosong.csv", "Berkas kosong."),
        (b"NIP;status\n", "judul.csv", "tidak ada baris data"),
        (b"nama;NIP\nAndi;1\n", "tanpa-status.csv", "Kolom wajib tidak ditemukan: status."),
        (
            b"nama;status\nAndi;Hadir\n",
            "tanpa-nip.csv",
            "Kolom wajib tidak ditemukan: NIP atau email.",
        ),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "kehadiran.csv", "bukan CSV atau XLSX"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "kehadiran.xlsx", "bukan CSV atau XLSX"),
        (b"PK\x03\x04broken", "kehadiran.xlsx", "bukan CSV atau XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "lama.xls", "(.xls) tidak didukung"),
    ],
)
def test_import_refuses_unusable_files_with_a_message(
    client, db, klass, content, filename, message
):
    html = _upload(client, klass["cohort"], klass["meeting"], content, filename).get_data(
        as_text=True
    )
    assert message in html
    assert "Setujui dan impor" not in html


def test_import_refuses_a_file_over_the_limit(client, klass, app, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_IMPORT_MAX_BYTES", 1024)
    content = b"NIP;status\n" + b"198609262015051001;Hadir\n" * 100
    html = _upload(client, klass["cohort"], klass["meeting"], content).get_data(as_text=True)
    assert "Berkas terlalu besar" in html
    assert "Setujui dan impor" not in html


def test_import_is_all_or_nothing_when_people_changed_before_confirming(client, db, klass):
    cohort, meeting = klass["cohort"], klass["meeting"]
    budi, citra = klass["budi"], klass["citra"]
    content = f"email;status\n{budi.email};Hadir\n{citra.email};Sakit\n".encode()
    html = _upload(client, cohort, meeting, content).get_data(as_text=True)
    action = _confirm_action(html)
    # Citra leaves the class between preview and confirmation.
    membership = db.session.scalar(
        db.select(Membership).filter_by(cohort_id=cohort.id, user_id=citra.id)
    )
    cohort_ops.remove_member(membership, actor=None)
    db.session.commit()

    response = client.post(
        action, data={"csrf_token": csrf_token(client, "/dashboard")}, follow_redirects=True
    )

    assert "Data peserta berubah sejak pratinjau" in response.get_data(as_text=True)
    assert _record(db, meeting, budi) is None
    assert _record(db, meeting, citra) is None


def test_import_overwrites_what_is_stored_at_confirmation_time(client, db, klass):
    cohort, meeting, andi = klass["cohort"], klass["meeting"], klass["andi"]
    html = _upload(client, cohort, meeting, f"email;status\n{andi.email};Izin\n".encode()).get_data(
        as_text=True
    )
    assert "Hadir" in html  # the preview shows what is stored now
    operations.set_mark(meeting, andi, "late", actor=None, expected_version=1)
    db.session.commit()
    client.post(_confirm_action(html), data={"csrf_token": csrf_token(client, "/dashboard")})
    record = _record(db, meeting, andi)
    assert (record.status, record.source, record.version) == ("excused", "import", 3)


def test_another_organizer_cannot_confirm_my_import(client, db, klass, make_user, login_as):
    cohort, meeting, budi = klass["cohort"], klass["meeting"], klass["budi"]
    html = _upload(client, cohort, meeting, f"email;status\n{budi.email};Hadir\n".encode())
    action = _confirm_action(html.get_data(as_text=True))
    colleague = make_user()
    cohort_ops.add_member(cohort, email=colleague.email, role="organizer", actor=None)
    db.session.commit()
    login_as(colleague)
    response = client.post(action, data={"csrf_token": csrf_token(client, "/dashboard")})
    assert response.status_code == 404
    assert _record(db, meeting, budi) is None
