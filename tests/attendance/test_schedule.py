"""The schedule every member of a class sees."""

from __future__ import annotations

from datetime import timedelta

from lms.attendance.models import Meeting
from tests.helpers import counted_queries


def test_schedule_queries_do_not_grow_with_meetings(
    client, make_user, make_cohort, make_meeting, login_as, db
):
    def count(meetings: int) -> int:
        participant, trainer = make_user(), make_user(full_name="Dr. Pelatih")
        cohort = make_cohort(participants=[participant], trainers=[trainer])
        for day in range(meetings):
            meeting = make_meeting(cohort, starts_in=timedelta(days=day + 1))
            db.session.get(Meeting, meeting.id).trainers = [trainer]
        db.session.commit()
        login_as(participant)
        with counted_queries(db) as statements:
            html = client.get(f"/cohorts/{cohort.id}/meetings").get_data(as_text=True)
        assert html.count("Dr. Pelatih") == meetings
        return len(statements)

    assert count(2) == count(25)
