"""The trainer's queue: buckets and counts, filters, only one's own allocations, blind marking
on the page and in the CSV, access, and a fixed number of queries."""

from __future__ import annotations

import csv
import io
import re

import pytest

from lms.cohorts import operations as cohorts
from lms.submissions import operations as subs
from lms.submissions.anonymity import participant_code
from tests.grading.conftest import GATED_RUBRIC_TOML, allocate, mark, submit_proposal
from tests.helpers import counted_queries


def _url(world, suffix: str = "", **query) -> str:
    url = f"/cohorts/{world.cohort.id}/grading/queue{suffix}"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _rows(html: str) -> dict[int, tuple[str, str]]:
    """allocation id -> (bucket, the row's HTML)."""
    return {
        int(m.group(1)): (m.group(2), m.group(3))
        for m in re.finditer(
            r'<tr data-allocation="(\d+)" data-bucket="(\w+)">(.*?)</tr>', html, re.S
        )
    }


def _counts(html: str) -> dict[str, int]:
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(
            r'data-bucket="(\w+)"[^>]*>[^<]*\(<span class="count">(\d+)</span>\)', html
        )
    }


def _names(html: str, world) -> set[str]:
    """The participants whose names appear in the queue's rows."""
    rows = " ".join(row for _bucket, row in _rows(html).values())
    return {p.full_name for p in world.participants if p.full_name in rows}


def _csv(response, sep: str = ",") -> list[list[str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=sep))


@pytest.fixture
def queued(app, db, grading_world, make_user):
    """Widyaiswara Satu marks everyone: Ani to grade, Budi in progress, Citra done, Dedi done
    then resubmitted (to grade again), Eka (new) has not submitted. Dua marks Ani too."""
    w = grading_world
    eka = make_user(full_name="Peserta Eka", office="Dinas E")
    with app.test_request_context():
        cohorts.add_member(w.cohort, email=eka.email, role="participant", actor=None)
        db.session.commit()
    w.participants.append(eka)
    ani, budi, citra, dedi, eka = w.participants
    t1, t2, _t3 = w.trainers
    with app.test_request_context():
        allocate(w.assignment, ani, t1, t2)
        for person in (budi, citra, dedi, eka):
            allocate(w.assignment, person, t1)
        mark(w.submission_of(budi), t1, done=False)
        mark(w.submission_of(citra), t1, kebaruan=2, manfaat=1)  # 80
        mark(w.submission_of(dedi), t1)
        submit_proposal(w.assignment, dedi, nama_inovasi="Si Cepat 2")
        mark(w.submission_of(ani), t2, done=False)  # another marker's work is not Satu's
        db.session.commit()
    return w


def _by_person(html: str, world) -> dict[str, str]:
    """participant name -> bucket, for the rows that show a name."""
    found = {}
    for bucket, row in _rows(html).values():
        for person in world.participants:
            if person.full_name in row:
                found[person.full_name] = bucket
    return found


def test_buckets_and_counts(queued, login_as):
    w = queued
    response = login_as(w.trainers[0]).get(_url(w))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _by_person(html, w) == {
        "Peserta Ani": "to_grade",
        "Peserta Budi": "in_progress",
        "Peserta Citra": "done",
        "Peserta Dedi": "to_grade",
        "Peserta Eka": "waiting",
    }
    assert _counts(html) == {"waiting": 1, "to_grade": 2, "in_progress": 1, "done": 1}
    assert "Semua (<span" in html and ">5</span>)" in html
    rows = [row for _bucket, row in _rows(html).values()]
    citra_row = next(row for row in rows if "Peserta Citra" in row)
    assert "80,0" in citra_row and "Versi 1" in citra_row
    assert "Selesai dinilai" in citra_row
    dedi_row = next(row for row in rows if "Peserta Dedi" in row)
    assert "Versi 2" in dedi_row
    # Each submitted piece of work links to its grading page; Eka's has nothing to grade.
    submission = w.submission_of(w.participants[0])
    assert f'href="/cohorts/{w.cohort.id}/grading/submissions/{submission.id}"' in html
    eka_row = next(row for row in rows if "Peserta Eka" in row)
    assert "/grading/submissions/" not in eka_row
    # Dua's queue: Ani in progress.
    html = login_as(w.trainers[1]).get(_url(w)).get_data(as_text=True)
    assert _by_person(html, w) == {"Peserta Ani": "in_progress"}


def test_a_participant_who_left_the_class_leaves_the_queue(app, db, queued, login_as, monkeypatch):
    """The page's ids are chosen among the class's participants and the rest of its row
    joined to them only: whoever is no longer a participant is on no page and in no count."""
    w = queued
    _ani, budi, _citra, _dedi, eka = w.participants
    with app.test_request_context():
        cohorts.remove_member(cohorts.membership_of(w.cohort, eka), actor=None)
        cohorts.change_role(cohorts.membership_of(w.cohort, budi), "organizer", actor=None)
        db.session.commit()
    monkeypatch.setattr("lms.paging.PER_PAGE", 2)
    client = login_as(w.trainers[0])
    seen: dict[str, str] = {}
    for page in (1, 2, 3):
        html = client.get(_url(w, page=page)).get_data(as_text=True)
        seen.update(_by_person(html, w))
    assert seen == {"Peserta Ani": "to_grade", "Peserta Citra": "done", "Peserta Dedi": "to_grade"}
    assert _counts(html) == {"waiting": 0, "to_grade": 2, "in_progress": 0, "done": 1}


def test_the_bucket_filter_keeps_the_counts_of_all(queued, login_as):
    w = queued
    client = login_as(w.trainers[0])
    html = client.get(_url(w, bucket="to_grade")).get_data(as_text=True)
    assert set(_by_person(html, w)) == {"Peserta Ani", "Peserta Dedi"}
    assert _counts(html)["done"] == 1
    assert re.search(r'data-bucket="to_grade" aria-current="true"', html)
    html = client.get(_url(w, bucket="done")).get_data(as_text=True)
    assert set(_by_person(html, w)) == {"Peserta Citra"}
    # An unknown bucket shows everything rather than failing.
    html = client.get(_url(w, bucket="nonsense")).get_data(as_text=True)
    assert len(_rows(html)) == 5


def test_the_assignment_filter(app, db, queued, login_as, make_course):
    w = queued
    make_course(cohorts=[w.cohort], rubrics={"uji": GATED_RUBRIC_TOML})
    with app.test_request_context():
        second = next(
            a for a in subs.ensure_cohort_assignments(w.cohort) if a.id != w.assignment.id
        )
        allocate(second, w.participants[0], w.trainers[0])
        db.session.commit()
    client = login_as(w.trainers[0])
    html = client.get(_url(w)).get_data(as_text=True)
    assert len(_rows(html)) == 6
    html = client.get(_url(w, assignment=second.id)).get_data(as_text=True)
    assert _by_person(html, w) == {"Peserta Ani": "waiting"}
    assert _counts(html) == {"waiting": 1, "to_grade": 0, "in_progress": 0, "done": 0}
    assert f'<option value="{second.id}" selected>' in html
    html = client.get(_url(w, assignment=w.assignment.id)).get_data(as_text=True)
    assert len(_rows(html)) == 5
    # Another cohort's assignment, or nonsense, is not found.
    with app.test_request_context():
        (other,) = subs.ensure_cohort_assignments(w.other_cohort)
        db.session.commit()
    assert client.get(_url(w, assignment=other.id)).status_code == 404
    assert client.get(_url(w, assignment="abc")).status_code == 404


def test_a_trainer_sees_only_their_own_allocations(app, db, grading_world, login_as):
    w = grading_world
    ani, budi, citra, _dedi = w.participants
    t1, t2, _t3 = w.trainers
    with app.test_request_context():
        allocate(w.assignment, ani, t1)
        allocate(w.assignment, budi, t2)
        allocate(w.assignment, citra, t2, t1)
        db.session.commit()
    html = login_as(t1).get(_url(w)).get_data(as_text=True)
    assert _names(html, w) == {"Peserta Ani", "Peserta Citra"}
    assert "Peserta Budi" not in html
    csv_rows = _csv(login_as(t1).get(_url(w, ".csv")))
    assert {row[0] for row in csv_rows[1:]} == {"Peserta Ani", "Peserta Citra"}


def test_trainers_cannot_look_at_another_trainers_queue(queued, login_as):
    w = queued
    t1, t2, _t3 = w.trainers
    client = login_as(t1)
    assert client.get(_url(w, trainer=t2.id)).status_code == 403
    assert client.get(_url(w, ".csv", trainer=t2.id)).status_code == 403
    # Naming oneself is the same as not naming anyone.
    html = client.get(_url(w, trainer=t1.id)).get_data(as_text=True)
    assert len(_rows(html)) == 5


def test_organizers_and_admins_look_at_a_trainers_queue(queued, login_as, make_user):
    w = queued
    t1, t2, _t3 = w.trainers
    client = login_as(w.organizer)
    own = client.get(_url(w)).get_data(as_text=True)
    assert _rows(own) == {} and "Pilih widyaiswara untuk melihat antreannya." in own
    html = client.get(_url(w, trainer=t2.id)).get_data(as_text=True)
    assert _by_person(html, w) == {"Peserta Ani": "in_progress"}
    assert f'<option value="{t2.id}" selected>' in html
    # The filter links and the export keep the trainer.
    link = re.search(r'<a href="([^"]+)" data-bucket="done"', html).group(1)
    assert f"trainer={t2.id}" in link
    assert re.search(rf'href="[^"]*queue\.csv\?[^"]*trainer={t2.id}', html)
    # Someone who is not a trainer of this cohort has no queue here.
    assert client.get(_url(w, trainer=w.participants[0].id)).status_code == 404
    assert client.get(_url(w, trainer=w.outsider_trainer.id)).status_code == 404
    assert client.get(_url(w, trainer="x")).status_code == 404
    admin = make_user(is_admin=True)
    html = login_as(admin).get(_url(w, trainer=t1.id)).get_data(as_text=True)
    assert len(_rows(html)) == 5


def test_outsiders_and_participants_are_refused(queued, login_as):
    w = queued
    for url in (_url(w), _url(w, ".csv")):
        assert login_as(w.outsider_trainer).get(url).status_code == 403
        assert login_as(w.participants[0]).get(url).status_code == 403
        assert login_as(None).get(url).status_code == 302


def test_blind_marking_hides_names_and_offices_from_trainers(app, db, queued, login_as):
    w = queued
    with app.test_request_context():
        w.assignment.blind_marking = True
        db.session.commit()
        codes = {p.id: participant_code(w.assignment.id, p.id) for p in w.participants}
    client = login_as(w.trainers[0])
    html = client.get(_url(w)).get_data(as_text=True)
    for person in w.participants:
        assert person.full_name not in html
        assert person.office not in html
        assert codes[person.id] in html
    for query, sep in (({}, ","), ({"sep": "semicolon"}, ";")):
        response = client.get(_url(w, ".csv", **query))
        text = response.get_data().decode("utf-8")
        for person in w.participants:
            assert person.full_name not in text and person.office not in text
            assert codes[person.id] in text
        rows = _csv(response, sep)
        assert len(rows) == 6 and all(row[1] == "" for row in rows[1:])
    # Organizers see names (and the codes trainers talk about).
    html = login_as(w.organizer).get(_url(w, trainer=w.trainers[0].id)).get_data(as_text=True)
    ani = w.participants[0]
    assert ani.full_name in html and ani.office in html and codes[ani.id] in html


def test_csv_export_of_the_queue(queued, login_as):
    w = queued
    client = login_as(w.trainers[0])
    response = client.get(_url(w, ".csv"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".csv" in disposition
    assert re.search(r'filename="?antrean-penilaian-[A-Za-z0-9-]+\.csv', disposition)
    rows = _csv(response)
    assert rows[0] == ["Peserta", "Unit kerja", "Tugas", "Versi", "Status", "Nilai saya"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Peserta Citra"] == [
        "Peserta Citra",
        "Dinas B",
        "Proposal Uji",
        "1",
        "Selesai dinilai",
        "80.0",
    ]
    assert by_name["Peserta Dedi"][3:5] == ["2", "Perlu dinilai"]
    assert by_name["Peserta Eka"][3:] == ["", "Menunggu pengumpulan", ""]
    # The bucket filter applies to the export too.
    rows = _csv(client.get(_url(w, ".csv", bucket="to_grade")))
    assert {row[0] for row in rows[1:]} == {"Peserta Ani", "Peserta Dedi"}


def test_csv_with_semicolons_for_excel(queued, login_as):
    w = queued
    response = login_as(w.trainers[0]).get(_url(w, ".csv", sep="semicolon"))
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeffPeserta;Unit kerja;Tugas;Versi;Status;Nilai saya\r\n")
    assert "Peserta Citra;Dinas B;Proposal Uji;1;Selesai dinilai;80.0\r\n" in text


def test_csv_text_never_runs_as_a_formula(app, db, grading_world, login_as):
    w = grading_world
    ani = w.participants[0]
    with app.test_request_context():
        ani.full_name = '=HYPERLINK("http://x")'
        allocate(w.assignment, ani, w.trainers[0])
        db.session.commit()
    rows = _csv(login_as(w.trainers[0]).get(_url(w, ".csv")))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'


def test_the_queue_loads_in_a_fixed_number_of_queries(
    app, db, client, make_user, make_cohort, make_course, login_as, monkeypatch
):
    monkeypatch.setitem(app.config, "LMS_GRADING_COUNTS_KEPT", 0)  # every page counts

    def count_queries(size: int) -> tuple[int, int]:
        trainer = make_user()
        people = [make_user(office=f"Dinas {n % 4}") for n in range(size)]
        cohort = make_cohort(participants=people, trainers=[trainer])
        make_course(cohorts=[cohort], rubrics={"uji": GATED_RUBRIC_TOML})
        with app.test_request_context():
            (assignment,) = subs.ensure_cohort_assignments(cohort)
            assignment.blind_marking = size > 10  # codes cost no queries either
            for n, person in enumerate(people):
                allocate(assignment, person, trainer)
                if n % 4 == 0:
                    continue  # waiting
                submission = submit_proposal(assignment, person)
                if n % 4 == 2:
                    mark(submission, trainer, done=False)
                elif n % 4 == 3:
                    mark(submission, trainer)
            db.session.commit()
        login_as(trainer)
        counts = []
        for url in (
            f"/cohorts/{cohort.id}/grading/queue",
            f"/cohorts/{cohort.id}/grading/queue?bucket=done&page=2",
            f"/cohorts/{cohort.id}/grading/queue.csv",
        ):
            with counted_queries(db) as statements:
                response = client.get(url)
            assert response.status_code == 200
            counts.append(len(statements))
        html = client.get(f"/cohorts/{cohort.id}/grading/queue").get_data(as_text=True)
        assert len(_rows(html)) == size
        assert set(_counts(html).values()) != {0}
        return tuple(counts)

    assert count_queries(3) == count_queries(30)


# --- pages ---------------------------------------------------------------------------------


def _names_in_order(html: str, world) -> list[str]:
    """The participants of the queue's rows, in the order of the rows."""
    order = []
    for _bucket, row in _rows(html).values():
        order += [p.full_name for p in world.participants if p.full_name in row]
    return order


def _row_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-allocation="\d+"[^>]*>\s*<td>(\d+)</td>', html)]


def test_the_queue_is_shown_a_page_at_a_time(queued, login_as, monkeypatch):
    from lms import paging

    monkeypatch.setattr(paging, "PER_PAGE", 2)
    w = queued
    client = login_as(w.trainers[0])
    everyone = {"waiting": 1, "to_grade": 2, "in_progress": 1, "done": 1}
    pages = []
    for number in (1, 2, 3):
        html = client.get(_url(w, page=number)).get_data(as_text=True)
        # The counts are over the whole queue, whatever the page.
        assert _counts(html) == everyone and ">5</span>)" in html
        pages.append(_names_in_order(html, w))
        assert _row_numbers(html) == list(range(2 * number - 1, 2 * number - 1 + len(pages[-1])))
    assert pages == [
        ["Peserta Ani", "Peserta Budi"],
        ["Peserta Citra", "Peserta Dedi"],
        ["Peserta Eka"],
    ]
    # Page links: the others, with the filters kept.
    html = client.get(_url(w, page=2)).get_data(as_text=True)
    assert 'aria-current="page">2<' in html
    assert re.search(r'href="[^"]*queue\?[^"]*page=1[^"]*"', html)
    assert re.search(r'rel="next" href="[^"]*page=3', html)
    html = client.get(_url(w, bucket="to_grade", page=1)).get_data(as_text=True)
    assert _names_in_order(html, w) == ["Peserta Ani", "Peserta Dedi"]
    assert "page=2" not in html  # two rows in the bucket: one page, no page links
    # A page past the end shows the last page; nonsense shows the first.
    assert _names_in_order(client.get(_url(w, page=99)).get_data(as_text=True), w) == [
        "Peserta Eka"
    ]
    for nonsense in ("0", "-1", "abc"):
        html = client.get(_url(w, page=nonsense)).get_data(as_text=True)
        assert _names_in_order(html, w) == ["Peserta Ani", "Peserta Budi"]
    # The export stays complete.
    assert len(_csv(client.get(_url(w, ".csv", page=2)))) == 6


def test_an_organizer_pages_through_a_trainers_queue(queued, login_as, monkeypatch):
    from lms import paging

    monkeypatch.setattr(paging, "PER_PAGE", 2)
    w = queued
    t1 = w.trainers[0]
    html = login_as(w.organizer).get(_url(w, trainer=t1.id, page=3)).get_data(as_text=True)
    assert _names_in_order(html, w) == ["Peserta Eka"]
    link = re.search(r'rel="prev" href="([^"]+)"', html).group(1)
    assert f"trainer={t1.id}" in link and "page=2" in link


def test_a_blind_queue_is_sorted_and_paged_by_code(app, db, queued, login_as, monkeypatch):
    """Sorting by the hidden names would give away their alphabetical order."""
    from lms import paging

    monkeypatch.setattr(paging, "PER_PAGE", 2)
    w = queued
    with app.test_request_context():
        w.assignment.blind_marking = True
        db.session.commit()
        codes = sorted(participant_code(w.assignment.id, p.id) for p in w.participants)
        ani, dedi = w.participants[0], w.participants[3]
        to_grade = sorted(participant_code(w.assignment.id, p.id) for p in (ani, dedi))
    client = login_as(w.trainers[0])
    shown = []
    for number in (1, 2, 3):
        html = client.get(_url(w, page=number)).get_data(as_text=True)
        assert _counts(html) == {"waiting": 1, "to_grade": 2, "in_progress": 1, "done": 1}
        shown += re.findall(r'<span class="code">(P-[A-Z2-7]+)</span>', html)
    assert shown == codes
    html = client.get(_url(w, bucket="to_grade")).get_data(as_text=True)
    assert re.findall(r'<span class="code">(P-[A-Z2-7]+)</span>', html) == to_grade


# Rows are kept rendered (lms.fragments) by everything they show.


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def test_the_queue_shows_what_changed_since_the_last_view(app, db, queued, login_as):
    w = queued
    ani, _budi, _citra, _dedi, eka = w.participants
    client = login_as(w.trainers[0])
    html = client.get(_url(w)).get_data(as_text=True)
    assert _by_person(html, w)["Peserta Eka"] == "waiting"
    with app.test_request_context():
        submit_proposal(w.assignment, eka)
        ani.full_name, ani.office = "Ani Rahmawati", "Dinas Kesehatan"
        db.session.commit()
    html = client.get(_url(w)).get_data(as_text=True)
    rows = " ".join(row for _bucket, row in _rows(html).values())
    assert _by_person(html, w)["Peserta Eka"] == "to_grade"
    assert "Ani Rahmawati" in rows and "Dinas Kesehatan" in rows
    # The same rows in English: the words are part of what a row is kept by.
    english = client.get(_url(w, lang="en")).get_data(as_text=True)
    eka_row = next(row for _b, row in _rows(english).values() if "Peserta Eka" in row)
    assert "To grade" in eka_row and "Perlu dinilai" not in eka_row


def test_kept_rows_are_the_rows_a_fresh_render_gives(app, db, queued, login_as, monkeypatch):
    w = queued
    pages = [
        (w.trainers[0], _url(w)),
        (w.organizer, _url(w, trainer=w.trainers[0].id)),
        (w.organizer, f"/cohorts/{w.cohort.id}/grading/gradebook"),
    ]
    client = login_as(None)
    kept = []
    for who, url in pages:
        login_as(who)
        client.get(url)  # the rows are kept here, and served from there below
        kept.append(_without_tokens(client.get(url).get_data(as_text=True)))
    monkeypatch.setitem(app.config, "LMS_FRAGMENT_CACHE", 0)
    app.extensions.pop("lms.fragments", None)
    for (who, url), html in zip(pages, kept, strict=True):
        login_as(who)
        assert _without_tokens(client.get(url).get_data(as_text=True)) == html
    app.extensions.pop("lms.fragments", None)  # the next test keeps rows again
