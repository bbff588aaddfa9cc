"""The schedule every member of a class sees."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from lms.attendance.models import Meeting


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
        statements: list[str] = []
        connection = db.session.connection()

        def record(*args):
            statements.append(args[2])

        event.listen(connection, "before_cursor_execute", record)
        try:
            html = client.get(f"/cohorts/{cohort.id}/meetings").get_data(as_text=True)
        finally:
            event.remove(connection, "before_cursor_execute", record)
        assert html.count("Dr. Pelatih") == meetings
        return len(statements)

    assert count(2) == count(25)
