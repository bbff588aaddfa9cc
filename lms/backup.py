"""``flask lms backup`` and ``flask lms restore``: the whole site in one archive.

The archive is a zip file (random access, so the manifest can be read first and every member
checked before anything is written; ZIP64, so size is no limit)::

    manifest.json               format, schema revision, source engine, per-table row counts and
                                SHA-256, every upload's size and SHA-256, totals
    database/<table>.jsonl      a portable export of every table (``Base.metadata.sorted_tables``
                                order), one JSON object per row, sorted by primary key
    database/lms.sqlite3        SQLite only: the raw snapshot made with the online backup API
    uploads/<key>               every file of the upload store (``<kind>/<sha[:2]>/<sha>``)

One line of a table export is ``json.dumps(row, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` with every value normalised by its column type, so that the same data
gives the same bytes on SQLite and PostgreSQL: datetimes in ISO 8601 (UTC with ``+00:00`` for
the UTC columns), dates and times in ISO, floats as JSON numbers, decimals as strings, bytes in
base64, JSON columns as the JSON value itself. A JSON column can hold SQL ``NULL`` or the JSON
document ``null``; both read back as ``None``, so a row lists its JSON columns that are SQL
``NULL`` under the reserved key ``"$sql_null"``. A table's hash is the SHA-256 of its export
file; restore recomputes it from the restored database before committing.

Consistency: SQLite is copied with ``sqlite3.Connection.backup`` and the export is made from
that copy; PostgreSQL is exported inside one ``REPEATABLE READ READ ONLY`` transaction. The
upload store is read after the database snapshot: a file is stored before the row naming it
is committed, so every file the snapshot names is there.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import sqlite3
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import click
import sqlalchemy as sa

from lms import storage

FORMAT = "kelas-inovasi-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/lms.sqlite3"
CHUNK = 1024 * 1024
BATCH = 1000
#: A row's JSON columns that hold SQL NULL (rather than the JSON document ``null``).
SQL_NULL_KEY = "$sql_null"

Echo = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore was refused or failed; the message is for the administrator."""


def _warn(echo: Echo, message: str) -> None:
    """Warnings go to stderr from the commands (cron mails them), to ``echo`` otherwise."""
    if echo is click.echo:
        click.echo(message, err=True)
    else:
        echo(message)


# --- values ---------------------------------------------------------------------------------


def _kind(column: sa.Column) -> str:
    """How a column's values are written: json, bool, datetime, date, time, interval, bytes,
    float, decimal, int, uuid or str."""
    type_ = column.type
    if isinstance(type_, sa.types.TypeDecorator):
        type_ = type_.impl_instance
    for cls, kind in (
        (sa.JSON, "json"),
        (sa.Boolean, "bool"),
        (sa.DateTime, "datetime"),
        (sa.Date, "date"),
        (sa.Time, "time"),
        (sa.Interval, "interval"),
        (sa.LargeBinary, "bytes"),
        (sa.Float, "float"),
        (sa.Numeric, "decimal"),
        (sa.Integer, "int"),
        (sa.Uuid, "uuid"),
    ):
        if isinstance(type_, cls):
            return kind
    return "str"


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "json" or kind == "str":
        return value
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "datetime":
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat()
    if kind in ("date", "time"):
        return value.isoformat()
    if kind == "decimal":
        return str(value)
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "interval":
        return [value.days, value.seconds, value.microseconds]
    if kind == "uuid":
        return str(value)
    raise AssertionError(kind)


def _decode(kind: str, value: Any) -> Any:
    if value is None or kind in ("json", "str", "bool", "int", "float"):
        return value
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "time":
        return time.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    if kind == "bytes":
        return base64.b64decode(value)
    if kind == "interval":
        days, seconds, microseconds = value
        return timedelta(days=days, seconds=seconds, microseconds=microseconds)
    if kind == "uuid":
        return uuid.UUID(value)
    raise AssertionError(kind)


def _line(row: dict[str, Any]) -> bytes:
    text = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8") + b"\n"


def _collect_keys(value: Any, found: set[str]) -> None:
    """Upload store keys inside a value (strings, and strings nested in JSON)."""
    if isinstance(value, str):
        if 68 <= len(value) <= 76 and "/" in value:
            try:
                storage.kind_of(value)
            except ValueError:
                return
            found.add(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_keys(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect_keys(item, found)


# --- tables ---------------------------------------------------------------------------------


def _tables() -> list[sa.Table]:
    from lms.extensions import db

    return list(db.metadata.sorted_tables)


@dataclass
class TableExport:
    rows: int = 0
    size: int = 0
    sha256: str = ""
    #: Upload keys named anywhere in the table.
    keys: set[str] = field(default_factory=set)


def _export_table(conn: sa.Connection, table: sa.Table, out: IO[bytes] | None) -> TableExport:
    """Write ``table``'s canonical export to ``out`` (or only hash it when ``out`` is None)."""
    columns = list(table.columns)
    kinds = [_kind(c) for c in columns]
    json_columns = [c for c, k in zip(columns, kinds, strict=True) if k == "json"]
    stmt = sa.select(*columns, *[c.is_(None) for c in json_columns])
    pk = list(table.primary_key.columns)
    sql_sorted = bool(pk) and all(_kind(c) == "int" for c in pk)
    if sql_sorted:
        stmt = stmt.order_by(*pk)
    pk_names = [c.name for c in pk]
    digest = hashlib.sha256()
    result = TableExport()
    pending: list[tuple[Any, bytes]] = []

    def emit(data: bytes) -> None:
        digest.update(data)
        result.rows += 1
        result.size += len(data)
        if out is not None:
            out.write(data)

    for values in conn.execution_options(yield_per=BATCH).execute(stmt):
        row = {c.name: _encode(k, v) for c, k, v in zip(columns, kinds, values, strict=False)}
        sql_null = [
            c.name
            for c, is_null in zip(json_columns, values[len(columns) :], strict=True)
            if is_null
        ]
        if sql_null:
            row[SQL_NULL_KEY] = sql_null
        for c, k in zip(columns, kinds, strict=True):
            if k in ("str", "json"):
                _collect_keys(row[c.name], result.keys)
        data = _line(row)
        if sql_sorted:
            emit(data)
        else:
            # Text keys sort differently by engine and collation: sort the encoded keys here.
            sort_key = json.dumps([row[name] for name in pk_names], ensure_ascii=False)
            pending.append((sort_key, data))
    for _key, data in sorted(pending):
        emit(data)
    result.sha256 = digest.hexdigest()
    return result


def _code_heads() -> list[str]:
    from lms import migrating

    return migrating.code_heads()


def _database_heads(conn: sa.Connection) -> list[str]:
    from lms import migrating

    return migrating.database_heads(conn)


def _describe(heads: list[str]) -> str:
    return ", ".join(heads) if heads else "none"


# --- files ----------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform opens directories
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _store_files(root: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """Every file of the upload store as (key, path), and the paths that are not store keys
    (temporary files of uploads in progress are neither, nor are the results of jobs in
    ``jobs/``: temporary too, and a backup must not hold the previous backup)."""
    files: list[tuple[str, Path]] = []
    strays: list[str] = []
    if not root.is_dir():
        return files, strays
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative.split("/", 1)[0] in ("tmp", "jobs") or not path.is_file():
            continue
        try:
            storage.kind_of(relative)
        except ValueError:
            strays.append(relative)
        else:
            files.append((relative, path))
    return files, strays


def _zip_info(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


def _copy_into_zip(zf: zipfile.ZipFile, name: str, path: Path, compress: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as src, zf.open(_zip_info(name, compress), "w", force_zip64=True) as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
    return size, digest.hexdigest()


# --- backup ---------------------------------------------------------------------------------


def _sqlite_snapshot(engine: sa.Engine, target: Path) -> None:
    """A consistent copy of the live database with the online backup API (WAL: writers go on)."""
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            # One self-contained file: no -wal beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
            problems = [row[0] for row in copy.execute("PRAGMA quick_check")]
        finally:
            copy.close()
    finally:
        raw.close()
    if problems != ["ok"]:
        raise BackupError(
            "The SQLite database is damaged (PRAGMA quick_check: "
            + "; ".join(str(p) for p in problems[:5])
            + "). Keep the previous backups and repair the database first."
        )


def _export_database(conn: sa.Connection, zf: zipfile.ZipFile, manifest: dict[str, Any]) -> set:
    heads = _database_heads(conn)
    code_heads = _code_heads()
    if heads != code_heads:
        raise BackupError(
            f"The database is at schema revision {_describe(heads)} but this code expects "
            f"{_describe(code_heads)}. Back up with the code that matches the database "
            "(before upgrading), or run `flask --app wsgi lms init` first."
        )
    manifest["alembic_revision"] = heads
    keys: set[str] = set()
    for table in _tables():
        name = f"database/{table.name}.jsonl"
        with zf.open(_zip_info(name, zipfile.ZIP_DEFLATED), "w", force_zip64=True) as out:
            exported = _export_table(conn, table, out)
        keys |= exported.keys
        manifest["tables"].append(
            {
                "name": table.name,
                "file": name,
                "columns": [c.name for c in table.columns],
                "rows": exported.rows,
                "bytes": exported.size,
                "sha256": exported.sha256,
            }
        )
    return keys


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kelas-inovasi")
    except PackageNotFoundError:
        return "unknown"


def create_backup(path: str | os.PathLike[str], *, force: bool = False, echo: Echo = click.echo):
    """Write the database and the upload store to the archive ``path``; returns the manifest.

    The archive is written to a temporary file beside ``path`` and renamed when complete.
    """
    from lms.extensions import db

    path = Path(path).absolute()
    if path.is_dir():
        raise BackupError(f"{path} is a directory; give the archive's file name.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    if path.exists() and not force:
        raise BackupError(f"{path} already exists; use --force to replace it.")
    engine = db.engine
    engine_name = engine.dialect.name
    if engine_name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine_name}.")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": _app_version(),
        "created_dt": datetime.now(UTC).isoformat(),
        "source": {
            "engine": engine_name,
            "database": engine.url.render_as_string(hide_password=True),
        },
        "alembic_revision": [],
        "tables": [],
        "sqlite_snapshot": None,
        "uploads": [],
        "missing_uploads": [],
    }
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            if engine_name == "sqlite":
                with tempfile.TemporaryDirectory(dir=path.parent, prefix=".lms-backup-") as work:
                    snapshot = Path(work) / "lms.sqlite3"
                    _sqlite_snapshot(engine, snapshot)
                    snap_engine = sa.create_engine(
                        "sqlite://",
                        creator=lambda: sqlite3.connect(snapshot),
                        poolclass=sa.NullPool,
                    )
                    try:
                        with snap_engine.connect() as conn:
                            keys = _export_database(conn, zf, manifest)
                    finally:
                        snap_engine.dispose()
                    size, sha = _copy_into_zip(zf, SQLITE_MEMBER, snapshot, zipfile.ZIP_DEFLATED)
                    manifest["sqlite_snapshot"] = {
                        "file": SQLITE_MEMBER,
                        "size": size,
                        "sha256": sha,
                    }
            else:
                with engine.connect() as conn:
                    conn = conn.execution_options(
                        isolation_level="REPEATABLE READ", postgresql_readonly=True
                    )
                    with conn.begin():
                        keys = _export_database(conn, zf, manifest)
            # After the snapshot: every file a snapshot row names is in the store by now.
            root = storage.store_dir()
            files, strays = _store_files(root)
            for key, file_path in files:
                # Uploads are compressed formats already (PDF, images, video, Office zips).
                size, sha = _copy_into_zip(zf, f"uploads/{key}", file_path, zipfile.ZIP_STORED)
                if sha != key.rsplit("/", 1)[1]:
                    _warn(
                        echo, f"Warning: the stored file {key} does not match its name (damaged)."
                    )
                manifest["uploads"].append(
                    {"key": key, "file": f"uploads/{key}", "size": size, "sha256": sha}
                )
            stored = {key for key, _p in files}
            manifest["missing_uploads"] = sorted(keys - stored)
            for key in manifest["missing_uploads"]:
                _warn(echo, f"Warning: the database names the file {key}, which is not in {root}.")
            for stray in strays:
                _warn(echo, f"Warning: {stray} in the upload store is not a stored file; left out.")
            manifest["totals"] = {
                "tables": len(manifest["tables"]),
                "rows": sum(t["rows"] for t in manifest["tables"]),
                "uploads": len(manifest["uploads"]),
                "upload_bytes": sum(u["size"] for u in manifest["uploads"]),
            }
            zf.writestr(
                _zip_info(MANIFEST, zipfile.ZIP_DEFLATED),
                json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
            )
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails, atomically, when PATH appeared meanwhile
            except FileExistsError:
                raise BackupError(f"{path} already exists; use --force to replace it.") from None
            except OSError:  # a file system without hard links
                if path.exists():
                    raise BackupError(
                        f"{path} already exists; use --force to replace it."
                    ) from None
                os.replace(tmp, path)
            tmp.unlink(missing_ok=True)
        _fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    totals = manifest["totals"]
    echo(
        f"Backup written to {path}: {totals['tables']} tables, {totals['rows']} rows, "
        f"{totals['uploads']} files ({totals['upload_bytes']} bytes), "
        f"schema revision {_describe(manifest['alembic_revision'])}."
    )
    return manifest


# --- restore --------------------------------------------------------------------------------


def _open_archive(path: Path) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(
            f"{path} is not a backup archive (not a readable zip file: {exc})."
        ) from None
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError:
        zf.close()
        raise BackupError(f"{path} has no {MANIFEST}: it is not a Kelas Inovasi backup.") from None
    except (ValueError, zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        zf.close()
        raise BackupError(f"The manifest of {path} is damaged ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        zf.close()
        raise BackupError(f"{path} is not a Kelas Inovasi backup.")
    if manifest.get("format_version") != FORMAT_VERSION:
        zf.close()
        raise BackupError(
            f"{path} has backup format {manifest.get('format_version')}; this code reads "
            f"format {FORMAT_VERSION}."
        )
    return zf, manifest


def _member_lines(zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    with zf.open(name) as f:
        yield from f


def _verify_member(zf: zipfile.ZipFile, name: str, size: int, sha: str) -> int:
    """Lines in the member; BackupError unless its size and SHA-256 are the manifest's."""
    digest = hashlib.sha256()
    seen = lines = 0
    try:
        with zf.open(name) as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
                seen += len(chunk)
                lines += chunk.count(b"\n")
    except KeyError:
        raise BackupError(f"The archive is incomplete: {name} is missing.") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise BackupError(f"The archive is damaged: {name} cannot be read ({exc}).") from None
    if seen != size or digest.hexdigest() != sha:
        raise BackupError(f"The archive is damaged: {name} does not match its checksum.")
    return lines


def _verify_archive(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Everything the restore will use matches the manifest and this code; nothing written."""
    # First: an archive of another version also names other tables (before the lms_ prefix).
    code_heads = _code_heads()
    if sorted(manifest.get("alembic_revision") or []) != code_heads:
        raise BackupError(
            f"The archive is at schema revision {_describe(manifest.get('alembic_revision'))} "
            f"but this code is at {_describe(code_heads)}. Restore it with the version of "
            "Kelas Inovasi that made it, then upgrade with `flask --app wsgi lms init`."
        )
    tables = _tables()
    listed = manifest.get("tables") or []
    expected = [(t.name, [c.name for c in t.columns]) for t in tables]
    found = [(t.get("name"), t.get("columns")) for t in listed]
    if found != expected:
        names = {t.name for t in tables}
        other = {t.get("name") for t in listed}
        detail = ""
        if names - other or other - names:
            detail = (
                f" Missing tables: {', '.join(sorted(names - other)) or 'none'}; "
                f"unknown tables: {', '.join(sorted(map(str, other - names))) or 'none'}."
            )
        raise BackupError(
            "The archive's tables and columns differ from this code's; restore it with the "
            f"version of Kelas Inovasi that made it.{detail}"
        )
    for entry in listed:
        lines = _verify_member(zf, entry["file"], entry["bytes"], entry["sha256"])
        if lines != entry["rows"]:
            raise BackupError(f"The archive is damaged: {entry['file']} has the wrong row count.")
    for entry in manifest.get("uploads") or []:
        key = entry.get("key", "")
        try:
            storage.kind_of(key)
        except ValueError:
            raise BackupError(f"The archive lists an invalid upload name: {key!r}.") from None
        if entry.get("file") != f"uploads/{key}":
            raise BackupError(f"The archive lists an invalid upload file: {entry.get('file')!r}.")
        _verify_member(zf, entry["file"], entry["size"], entry["sha256"])
    snapshot = manifest.get("sqlite_snapshot")
    if snapshot:
        _verify_member(zf, snapshot["file"], snapshot["size"], snapshot["sha256"])


def _rows_in(conn: sa.Connection, tables: list[sa.Table]) -> dict[str, int]:
    counts = {}
    for table in tables:
        n = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        if n:
            counts[table.name] = n
    return counts


def _not_empty(counts: dict[str, int]) -> BackupError:
    listed = ", ".join(f"{name} ({n})" for name, n in list(counts.items())[:5])
    more = " and more" if len(counts) > 5 else ""
    return BackupError(
        f"The database is not empty: {sum(counts.values())} rows in {listed}{more}. "
        "Restoring replaces everything in it; use --force to do that."
    )


def _prepare_target(engine: sa.Engine, force: bool, echo: Echo) -> None:
    """Refuse a non-empty database (without force) or one at another schema revision; give an
    empty one the schema with the migrations."""
    from alembic.util import CommandError

    from lms import migrating

    tables = _tables()
    names = {t.name for t in tables}
    with engine.connect() as conn:
        existing = set(sa.inspect(conn).get_table_names()) & names
        heads = _database_heads(conn)
        present = [t for t in tables if t.name in existing]
        counts = _rows_in(conn, present)
        conn.rollback()
    if counts and not force:
        raise _not_empty(counts)
    code_heads = _code_heads()
    if existing:
        if heads != code_heads:
            raise BackupError(
                f"The target database is at schema revision {_describe(heads)}, not "
                f"{_describe(code_heads)}. Run `flask --app wsgi lms init` on it first, or "
                "restore into an empty database."
            )
        return
    echo("Creating the schema with the migrations...")
    try:
        migrating.init_schema()
    except CommandError as exc:
        raise BackupError(f"Creating the schema failed: {exc}") from None
    with engine.connect() as conn:
        heads = _database_heads(conn)
    if heads != code_heads:
        raise BackupError(
            f"After migrating, the database is at {_describe(heads)}, not {_describe(code_heads)}."
        )


def _restore_uploads(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> tuple[int, int]:
    """Copy the archive's files into the store; returns (copied, already there)."""
    root = storage.store_dir()
    tmp_dir = root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    copied = present = 0
    for entry in manifest.get("uploads") or []:
        final = storage.path_of(entry["key"])
        if final.is_file() and _sha256_file(final) == entry["sha256"]:
            present += 1
            continue
        # "upload-" so that lms.storage cleans it up if this process dies here.
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-restore-")
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out, zf.open(entry["file"]) as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                raise BackupError(f"The archive is damaged: {entry['file']} changed while read.")
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            _fsync_dir(final.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        copied += 1
    return copied, present


@dataclass
class Fixup:
    """An UPDATE after the inserts: ``column`` of the rows in ``params`` (primary key as
    ``b_pk_<i>``) is set to ``b_value``, or to SQL NULL when ``sql_null``."""

    table: sa.Table
    column: str
    params: list[dict[str, Any]]
    sql_null: bool = False


def _keep_onupdate(table: sa.Table) -> dict[str, Any]:
    """SET col = col for columns with an onupdate default, so that fixing a row up after the
    insert does not change its "updated" time."""
    return {c.name: c for c in table.columns if c.onupdate is not None}


def _load_table(
    conn: sa.Connection,
    zf: zipfile.ZipFile,
    table: sa.Table,
    member: str,
    deferred: set[str],
    fixups: list[Fixup],
) -> None:
    """Insert ``table``'s rows; columns in ``deferred`` (references to rows not inserted yet:
    self-references) are inserted as NULL and set afterwards."""
    kinds = {c.name: _kind(c) for c in table.columns}
    names = set(kinds)
    pk = [c.name for c in table.primary_key.columns]
    later: dict[str, list[dict[str, Any]]] = {name: [] for name in deferred}
    sql_null: dict[str, list[dict[str, Any]]] = {}
    batch: list[dict[str, Any]] = []
    for number, raw in enumerate(_member_lines(zf, member), 1):
        try:
            data = json.loads(raw)
            nulls = data.pop(SQL_NULL_KEY, [])
            if set(data) != names:
                raise ValueError("columns differ")
            row = {name: _decode(kinds[name], value) for name, value in data.items()}
        except (ValueError, TypeError, KeyError) as exc:
            raise BackupError(f"{member} line {number} cannot be read ({exc}).") from None
        if not pk and (nulls or any(row[name] is not None for name in deferred)):
            raise BackupError(
                f"Table {table.name} has no primary key; its rows cannot be fixed up."
            )
        where = {f"b_pk_{i}": row[name] for i, name in enumerate(pk)}
        for name in deferred:
            if row[name] is not None:
                later[name].append({**where, "b_value": row[name]})
                row[name] = None
        for name in nulls:
            sql_null.setdefault(name, []).append(where)
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
    for name, params in later.items():
        if params:
            fixups.append(Fixup(table, name, params))
    for name, params in sql_null.items():
        fixups.append(Fixup(table, name, params, sql_null=True))


def _apply_fixups(conn: sa.Connection, fixups: list[Fixup]) -> None:
    for fixup in fixups:
        table = fixup.table
        pk = list(table.primary_key.columns)
        value = (
            sa.null()  # SQL NULL, not the JSON document null
            if fixup.sql_null
            else sa.bindparam("b_value", type_=table.c[fixup.column].type)
        )
        stmt = (
            table.update()
            .where(*[c == sa.bindparam(f"b_pk_{i}", type_=c.type) for i, c in enumerate(pk)])
            .values({**_keep_onupdate(table), fixup.column: value})
        )
        for start in range(0, len(fixup.params), BATCH):
            conn.execute(stmt, fixup.params[start : start + BATCH])


def _deferred_columns(tables: list[sa.Table]) -> dict[str, set[str]]:
    """Nullable foreign-key columns pointing at the same table or at one loaded later."""
    position = {t.name: i for i, t in enumerate(tables)}
    deferred: dict[str, set[str]] = {}
    for table in tables:
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if position.get(target, -1) >= position[table.name] and fk.parent.nullable:
                deferred.setdefault(table.name, set()).add(fk.parent.name)
    return deferred


def _reset_sequences(conn: sa.Connection, tables: list[sa.Table]) -> None:
    """PostgreSQL: every id sequence continues after the largest restored id."""
    preparer = conn.dialect.identifier_preparer
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or _kind(pk[0]) != "int":
            continue
        column = pk[0]
        highest = sa.func.max(column)
        conn.execute(
            sa.select(
                sa.func.setval(
                    sa.func.pg_get_serial_sequence(preparer.format_table(table), column.name),
                    sa.func.coalesce(highest, 1),
                    highest.is_not(None),
                )
            ).select_from(table)
        )


def _load_database(
    engine: sa.Engine, zf: zipfile.ZipFile, manifest: dict[str, Any], force: bool
) -> int:
    """All rows in one transaction, checked against the manifest before the commit."""
    tables = _tables()
    entries = {t["name"]: t for t in manifest["tables"]}
    deferred = _deferred_columns(tables)
    with engine.begin() as conn:
        counts = _rows_in(conn, tables)
        if counts:
            if not force:
                raise _not_empty(counts)
            for table in reversed(tables):
                conn.execute(table.delete())
        fixups: list[Fixup] = []
        for table in tables:
            entry = entries[table.name]
            _load_table(conn, zf, table, entry["file"], deferred.get(table.name, set()), fixups)
        _apply_fixups(conn, fixups)
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, tables)
        for table in tables:
            entry = entries[table.name]
            check = _export_table(conn, table, None)
            if check.rows != entry["rows"] or check.sha256 != entry["sha256"]:
                what = (
                    f"{check.rows} rows read back, {entry['rows']} in the archive"
                    if check.rows != entry["rows"]
                    else "the rows read back differ from the archive's"
                )
                raise BackupError(
                    f"Verification failed for table {table.name}: {what}. The transaction was "
                    "rolled back: no row was restored."
                )
    return sum(t["rows"] for t in manifest["tables"])


def restore_backup(path: str | os.PathLike[str], *, force: bool = False, echo: Echo = click.echo):
    """Restore the archive ``path`` into the app's database and upload store.

    Order: check the whole archive (nothing written yet); check the target; create the schema
    if the database is empty; copy the upload files (content-addressed: a later failure leaves
    only unreferenced files behind); load every row in one transaction, verify the counts and
    table hashes against the manifest, and only then commit.
    """
    from lms.extensions import db

    path = Path(path).absolute()
    zf, manifest = _open_archive(path)
    with zf:
        echo(f"Checking {path}...")
        _verify_archive(zf, manifest)
        engine = db.engine
        if engine.dialect.name not in ("sqlite", "postgresql"):
            raise BackupError(f"Restore supports SQLite and PostgreSQL, not {engine.dialect.name}.")
        _prepare_target(engine, force, echo)
        copied, present = _restore_uploads(zf, manifest)
        try:
            try:
                rows = _load_database(engine, zf, manifest, force)
            except sa.exc.SQLAlchemyError as exc:
                raise BackupError(
                    f"The database refused the data ({_first_line(exc)}). The transaction was "
                    "rolled back: no row was restored."
                ) from exc
        except BackupError as exc:
            if copied:
                raise BackupError(
                    f"{exc} The {copied} files already copied into the upload store stay there; "
                    "they are named by their content, so they are harmless and the next "
                    "restore reuses them."
                ) from exc
            raise
    for key in manifest.get("missing_uploads") or []:
        _warn(
            echo,
            f"Warning: the backed-up database names the file {key}, which was not in its store.",
        )
    source = manifest.get("source") or {}
    echo(
        f"Restored {len(manifest['tables'])} tables, {rows} rows and "
        f"{len(manifest.get('uploads') or [])} files ({copied} copied, {present} already there) "
        f"from a {source.get('engine', '?')} backup made {manifest.get('created_dt', '?')}; "
        "verified against the manifest."
    )
    return manifest


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first}"


# --- commands -------------------------------------------------------------------------------


def register(group: click.Group) -> None:
    """Add the backup and restore commands to the ``lms`` command group."""

    @group.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Replace PATH if it exists.")
    def backup_command(path: Path, force: bool) -> None:
        """Write the database and the upload store to one archive (a .zip file) at PATH."""
        try:
            create_backup(path, force=force)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        except (OSError, sa.exc.SQLAlchemyError) as exc:
            raise click.ClickException(
                f"The backup failed ({_first_line(exc)}); no archive was written to {path}."
            ) from None

    @group.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--force", is_flag=True, help="Replace everything in a database that is not empty."
    )
    def restore_command(path: Path, force: bool) -> None:
        """Restore the database and the upload store from the archive at PATH."""
        try:
            restore_backup(path, force=force)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        except (OSError, zipfile.BadZipFile, zlib.error, sa.exc.SQLAlchemyError) as exc:
            raise click.ClickException(
                f"The restore failed ({_first_line(exc)}); no row was restored."
            ) from None
