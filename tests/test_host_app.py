"""The LMS mounted into a real host app: the host's Flask-SQLAlchemy with its own ``user`` and
``course`` tables, its own Flask-Login user class and its own Alembic migrations; the LMS's
tables and migrations live beside them in the same database (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, redirect, request
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_migrate import Migrate
from flask_migrate import init as migrate_init
from flask_migrate import upgrade as migrate_upgrade
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from lms import LMS, migrating
from lms.accounts.host_login import account_for_email
from lms.extensions import db as lms_db
from tests.helpers import csrf_token

# Flask-Migrate's own env.py template (the host's) still calls get_engine().
pytestmark = pytest.mark.filterwarnings("ignore:'get_engine' is deprecated")

HOST_REVISION = "host0001"
HOST_MIGRATION = f'''"""the host's users and its own courses"""
import sqlalchemy as sa
from alembic import op

revision = "{HOST_REVISION}"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
    )
    op.create_table(
        "course",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
    )


def downgrade():
    op.drop_table("course")
    op.drop_table("user")
'''


def _host(url: str, tmp_path: Path, *, host_login: bool) -> tuple[Flask, Any]:
    """A portal with its own database models, migrations and (optionally) login."""
    app = Flask("host_portal")
    app.config.update(
        SECRET_KEY="host-secret",
        TESTING=True,
        SQLALCHEMY_DATABASE_URI=url,
        LMS_UPLOAD_DIR=str(tmp_path / "uploads"),
    )

    class HostBase(DeclarativeBase):
        pass

    host_db = SQLAlchemy(app, model_class=HostBase)

    class HostUser(UserMixin, host_db.Model):
        __tablename__ = "user"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(sa.String(254), unique=True)
        name: Mapped[str] = mapped_column(sa.String(200))
        password_hash: Mapped[str] = mapped_column(sa.String(255))

    class HostCourse(host_db.Model):  # the same name as an LMS table had before the prefix
        __tablename__ = "course"
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(sa.String(200))

    Migrate(app, host_db, directory=str(tmp_path / "host_migrations"))

    @app.get("/")
    def home():
        who = current_user.name if host_login and current_user.is_authenticated else "tamu"
        titles = host_db.session.scalars(sa.select(HostCourse.title)).all()
        return f"PORTAL {who} {titles}"

    if host_login:
        manager = LoginManager(app)
        manager.login_view = "host_login"

        @manager.user_loader
        def load(user_id: str):
            return host_db.session.get(HostUser, int(user_id))

        @app.route("/login", methods=["GET", "POST"])
        def host_login():
            if request.method == "POST":
                user = host_db.session.scalar(
                    sa.select(HostUser).filter_by(email=request.form["email"])
                )
                if user and check_password_hash(user.password_hash, request.form["password"]):
                    login_user(user)
                    return redirect(request.args.get("next") or "/")
                return "wrong password", 401
            return "HOST LOGIN FORM"

        def adapter(host_user: HostUser):
            return account_for_email(host_user.email, full_name=host_user.name)

        LMS(db=host_db, login="host", user_adapter=adapter).init_app(app, url_prefix="/lms")
    else:
        LMS(db=host_db).init_app(app, url_prefix="/lms")
    return app, SimpleNamespace(db=host_db, User=HostUser, Course=HostCourse)


def _migrate_both(app: Flask, tmp_path: Path) -> None:
    """The host's migrations with its Flask-Migrate, then `flask lms init` beside them."""
    folder = tmp_path / "host_migrations"
    with app.app_context():
        migrate_init(directory=str(folder))
        (folder / "versions" / f"{HOST_REVISION}_host.py").write_text(HOST_MIGRATION)
        migrate_upgrade()
    result = app.test_cli_runner().invoke(args=["lms", "init"])
    assert result.exit_code == 0, result.output
    # The host's `flask db` is still the host's, with its own folder.
    assert app.extensions["migrate"].directory == str(folder)
    again = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert again.exit_code == 0, again.output


def _version_tables(app: Flask) -> dict[str, list[str]]:
    with app.app_context(), lms_db.engine.connect() as conn:
        return {
            table: sorted(conn.execute(sa.text(f"SELECT version_num FROM {table}")).scalars())
            for table in ("alembic_version", "lms_alembic_version")
        }


def _dispose(app: Flask) -> None:
    with app.app_context():
        lms_db.engine.dispose()


@pytest.fixture
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "lms.accounts.models.generate_password_hash",
        lambda pw: generate_password_hash(pw, method="pbkdf2:sha256:1"),
    )


def test_host_login_users_reach_their_lms_classes_beside_the_hosts_own_tables(
    empty_database_url, tmp_path, fast_hashes
):
    from lms.cohorts import operations as cohorts

    app, host = _host(empty_database_url, tmp_path, host_login=True)
    _migrate_both(app, tmp_path)
    assert _version_tables(app) == {
        "alembic_version": [HOST_REVISION],
        "lms_alembic_version": migrating.code_heads(),
    }
    with app.app_context():
        tables = set(sa.inspect(lms_db.engine).get_table_names())
        assert {"user", "course", "lms_user_account", "lms_course", "lms_cohort"} <= tables
        # The LMS works in the host's session.
        assert lms_db.session is host.db.session
        hashed = generate_password_hash("rahasia-siti", method="pbkdf2:sha256:1")
        host.db.session.add_all(
            [
                host.User(email="siti@example.org", name="Siti Aminah", password_hash=hashed),
                host.User(email="budi@example.org", name="Budi Santoso", password_hash=hashed),
                host.Course(title="Kursus milik portal"),
            ]
        )
        # An organizer put Siti in a class before she ever opened the LMS.
        cohort = cohorts.create_cohort(
            {
                "code": "KIT-HOST-1",
                "name": "Kelas Inovasi Portal",
                "start_date": date(2023, 9, 5),
                "end_date": date(2023, 9, 7),
                "timezone": "Asia/Makassar",
                "jp_total": 24,
                "state": "open",
            },
            actor=None,
        )
        cohorts.add_member(cohort, email="siti@example.org", role="participant", actor=None)
        host.db.session.commit()
        cohort_id = cohort.id

    client = app.test_client()
    # Anonymous: the LMS sends people to the host's login, keeping where they were going.
    to_lms_login = client.get("/lms/dashboard")
    assert to_lms_login.status_code == 302
    to_host = client.get(to_lms_login.headers["Location"])
    assert to_host.status_code == 302
    assert to_host.headers["Location"].startswith("/login?next=")
    assert "%2Flms%2Fdashboard" in to_host.headers["Location"]

    signed_in = client.post(
        "/login?next=/lms/dashboard", data={"email": "siti@example.org", "password": "rahasia-siti"}
    )
    assert signed_in.headers["Location"] == "/lms/dashboard"
    dashboard = client.get("/lms/dashboard")
    assert dashboard.status_code == 200
    assert "Kelas Inovasi Portal" in dashboard.get_data(as_text=True)
    page = client.get(f"/lms/cohorts/{cohort_id}")
    assert page.status_code == 200
    assert "Kelas Inovasi Portal" in page.get_data(as_text=True)
    # The host's pages keep the host's user; the LMS's password page is the host's business.
    assert client.get("/").get_data(as_text=True) == "PORTAL Siti Aminah ['Kursus milik portal']"
    assert client.get("/lms/account/password").status_code == 404
    assert client.get("/lms/login").headers["Location"] == "/lms/dashboard"

    # Budi has no LMS account: the adapter makes one on his first visit, in no class.
    client.post("/lms/logout", data={"csrf_token": csrf_token(client, "/lms/dashboard")})
    assert client.get("/").get_data(as_text=True).startswith("PORTAL tamu")
    client.post("/login", data={"email": "budi@example.org", "password": "rahasia-siti"})
    assert client.get("/lms/dashboard").status_code == 200
    assert client.get(f"/lms/cohorts/{cohort_id}").status_code in (403, 404)
    with app.app_context():
        from lms.accounts.models import User

        accounts = lms_db.session.scalars(sa.select(User.email).order_by(User.email)).all()
        assert accounts == ["budi@example.org", "siti@example.org"]  # Siti linked, not copied
        assert lms_db.session.scalar(sa.select(User.full_name).filter_by(email="budi@example.org"))
    _dispose(app)


def test_the_lms_with_its_own_login_in_a_host_with_flask_sqlalchemy(
    empty_database_url, tmp_path, fast_hashes
):
    from lms.accounts import operations as accounts

    app, host = _host(empty_database_url, tmp_path, host_login=False)
    _migrate_both(app, tmp_path)
    with app.app_context():
        accounts.create_user(email="admin@example.org", full_name="Admin LMS", password="x" * 12)
        host.db.session.add(host.Course(title="Kursus portal"))
        host.db.session.commit()
        engine = lms_db.engine
        assert engine is host.db.engine
        if engine.dialect.name == "sqlite":  # the LMS's SQLite settings reach the host's engine
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"

    client = app.test_client()
    assert client.get("/").get_data(as_text=True) == "PORTAL tamu ['Kursus portal']"
    login = client.post(
        "/lms/login",
        data={
            "identifier": "admin@example.org",
            "password": "x" * 12,
            "csrf_token": csrf_token(client, "/lms/login"),
        },
    )
    assert login.headers["Location"] == "/lms/dashboard"
    assert client.get("/lms/dashboard").status_code == 200
    assert client.get("/lms/healthz").get_json() == {"status": "ok", "database": "ok"}
    assert _version_tables(app)["alembic_version"] == [HOST_REVISION]
    _dispose(app)


def test_a_host_with_its_own_extensions_is_told_how_to_hand_them_over(tmp_path):
    app = Flask("host_portal")
    app.config.update(
        SECRET_KEY="k", TESTING=True, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'h.db'}"
    )
    SQLAlchemy(app)
    with pytest.raises(RuntimeError, match=r"LMS\(db=db\)"):
        LMS().init_app(app)

    other = Flask("host_portal")
    other.config.update(app.config)
    host_db = SQLAlchemy(other)
    LoginManager(other)
    with pytest.raises(RuntimeError, match="login='host'"):
        LMS(db=host_db).init_app(other)
    with pytest.raises(TypeError, match="user_adapter"):
        LMS(db=host_db, login="host").init_app(other)
