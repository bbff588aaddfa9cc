"""The demo clinic: the mentor account, a case in every stage, one that produced a registry
innovation, an overdue action item, a pending follow-up; loading twice changes nothing."""

from __future__ import annotations

from lms.accounts.models import User
from lms.clinic import demo, queries
from lms.clinic.models import ActionItem, Consultation, FollowUp, Message
from lms.clinic.stages import current_stages
from lms.regions.models import Region, RegionMembership


def _counts(db):
    return [
        db.session.scalar(db.select(db.func.count(model.id)))
        for model in (Consultation, Message, ActionItem, FollowUp, User)
    ]


def test_the_demo_clinic(app, db):
    from lms.demo import load_demo

    with app.test_request_context():
        load_demo()
        before = _counts(db)
        load_demo()
    assert _counts(db) == before
    mentor = db.session.scalar(db.select(User).filter_by(email="pendamping@example.org"))
    assert mentor.check_password("kelasinovasi")
    region = db.session.scalar(db.select(Region).filter_by(code="7399"))
    assert db.session.scalar(
        db.select(RegionMembership.id).filter_by(
            user_id=mentor.id, role="mentor", region_id=region.id
        )
    )
    cases = db.session.scalars(db.select(Consultation).filter_by(region_id=region.id)).all()
    stages = current_stages(app.config)
    active_stages = {c.stage for c in cases if c.state == "active"}
    assert active_stages == set(stages.keys)
    assert {c.state for c in cases} == {"new", "active", "done", "merged", "closed"}
    delivered = next(c for c in cases if c.title == demo.DELIVER_TITLE)
    assert delivered.innovation is not None and delivered.innovation.region_id == region.id
    pending = queries.pending_follow_ups(region)
    assert [f.consultation_id for f in pending] == [delivered.id]
    requester = next(c for c in cases if c.title == demo.DESIGN_TITLE).requester
    from lms.core.queries import dashboard_for

    overdue = dashboard_for(requester).overdue_items
    assert [i.title for i in overdue] == ["Kirim surat dukungan kepala puskesmas"]
    assert dashboard_for(mentor).overdue_items
    note = db.session.scalar(db.select(Message).filter_by(kind="note"))
    assert note is not None
