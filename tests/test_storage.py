"""The upload store: byte limit while streaming, type by content, content-addressed names,
no way out of the store through a key, downloads as attachments with nosniff."""

from __future__ import annotations

import hashlib
import io
import zipfile

import openpyxl
import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from lms import storage

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40 + b"\xff\xd9"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 40
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40


def _ooxml(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<x/>")
    return buffer.getvalue()


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["NIP", "status"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "halo")
    return buffer.getvalue()


@pytest.fixture
def store(app, app_ctx, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_UPLOAD_DIR", str(tmp_path / "store"))
    return tmp_path / "store"


def _files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (JPEG, "jpeg"),
        (WEBP, "webp"),
        (MP4, "mp4"),
        (_ooxml("word/document.xml"), "docx"),
        (_ooxml("ppt/presentation.xml"), "pptx"),
        (_xlsx(), "xlsx"),
    ],
)
def test_type_is_detected_from_content(store, content, kind):
    stored = storage.save_upload(io.BytesIO(content), max_bytes=10_000, allowed=set(storage.KINDS))
    assert stored.kind == kind
    assert stored.size == len(content)
    assert stored.key.startswith(f"{kind}/")


def test_file_is_stored_under_its_sha256(store):
    stored = storage.save_upload(io.BytesIO(PDF), max_bytes=10_000, allowed={"pdf"})
    digest = hashlib.sha256(PDF).hexdigest()
    assert stored.key == f"pdf/{digest[:2]}/{digest}"
    assert (store / stored.key).read_bytes() == PDF
    with storage.open_stored(stored.key) as f:
        assert f.read() == PDF
    # Nothing is left in the temporary folder.
    assert _files(store / "tmp") == []


def test_same_content_twice_is_one_file(store):
    first = storage.save_upload(
        FileStorage(io.BytesIO(PNG), filename="a.png"), max_bytes=10_000, allowed={"png"}
    )
    second = storage.save_upload(
        FileStorage(io.BytesIO(PNG), filename="lain.png"), max_bytes=10_000, allowed={"png"}
    )
    assert first.key == second.key
    assert _files(store) == [store / first.key]


def test_over_the_limit_is_refused_with_a_message_and_leaves_nothing(store):
    with pytest.raises(storage.UploadError, match="terlalu besar; batasnya 1 MB"):
        storage.save_upload(
            io.BytesIO(PDF + b"0" * 1024 * 1024), max_bytes=1024 * 1024, allowed={"pdf"}
        )
    assert _files(store) == []


def test_the_limit_stops_reading_an_endless_stream(store):
    class Endless:
        reads = 0

        def read(self, size=-1):
            self.reads += 1
            return b"%PDF-" + b"x" * (storage.CHUNK_SIZE - 5)

    stream = Endless()
    with pytest.raises(storage.UploadError):
        storage.save_upload(stream, max_bytes=5 * storage.CHUNK_SIZE, allowed={"pdf"})
    assert stream.reads == 6
    assert _files(store) == []


def test_wrong_type_is_refused_by_content_even_with_a_pdf_name(store):
    html = FileStorage(
        io.BytesIO(b"<html><script>alert(1)</script></html>"),
        filename="surat-dokter.pdf",
        content_type="application/pdf",
    )
    with pytest.raises(storage.UploadError) as caught:
        storage.save_upload(html, max_bytes=10_000, allowed={"pdf", "jpeg", "png", "webp"})
    assert str(caught.value) == (
        "Jenis berkas ini tidak diterima. Yang diterima: PDF, PNG, JPG, WebP."
    )
    assert _files(store) == []


@pytest.mark.parametrize("content", [PNG, _plain_zip(), HEIC, _ooxml("word/document.xml")])
def test_known_but_not_allowed_or_unknown_content_is_refused(store, content):
    with pytest.raises(storage.UploadError, match="Yang diterima: PDF"):
        storage.save_upload(io.BytesIO(content), max_bytes=10_000, allowed={"pdf"})
    assert _files(store) == []


def test_empty_file_is_refused(store):
    with pytest.raises(storage.UploadError, match="Berkas kosong"):
        storage.save_upload(io.BytesIO(b""), max_bytes=10_000, allowed={"pdf"})


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "pdf/../../etc/passwd",
        "/etc/passwd",
        "pdf/ab/" + "a" * 64,  # prefix does not match the digest
        "exe/aa/" + "a" * 64,  # unknown kind
        "pdf/aa/" + "a" * 63 + "/",
        "pdf\\aa\\" + "a" * 64,
        "pdf/AA/" + "A" * 64,
        "",
    ],
)
def test_keys_cannot_leave_the_store(store, key):
    with pytest.raises(ValueError):
        storage.open_stored(key)
    with pytest.raises(NotFound):
        storage.send_stored(key, "x.pdf")


def test_send_stored_is_an_attachment_with_nosniff(store):
    stored = storage.save_upload(io.BytesIO(PDF), max_bytes=10_000, allowed={"pdf"})
    response = storage.send_stored(stored.key, "Surat Dokter.pdf")
    response.direct_passthrough = False
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "Surat Dokter.pdf" in disposition
    assert response.get_data() == PDF


def test_download_name_is_data_only_and_matches_the_content(store):
    assert storage.download_name_for("../../x/halaman.html", "pdf") == "halaman.html.pdf"
    assert storage.download_name_for("C:\\Users\\a\\foto.JPG", "jpeg") == "foto.JPG"
    assert storage.download_name_for("", "png") == "berkas.png"
    assert storage.download_name_for('a"b\r\nc.pdf', "pdf") == "a_b_c.pdf"


def test_missing_file_of_a_valid_key_is_404(store):
    with pytest.raises(NotFound):
        storage.send_stored("pdf/aa/" + "a" * 64, "x.pdf")


def test_an_svg_with_a_script_is_refused_whatever_its_name(store):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name in ("surat.pdf", "foto.png", "gambar.svg"):
        upload = FileStorage(io.BytesIO(svg), filename=name)
        with pytest.raises(storage.UploadError, match="PDF"):
            storage.save_upload(upload, max_bytes=1_000_000, allowed={"pdf", "png", "jpeg"})
    assert [p for p in _files(store) if "tmp" not in p.parts] == []


def test_a_zip_bomb_named_xlsx_is_stored_as_is_and_never_inflated(store):
    """Only the archive's list of names is read; 200 MB of zeros stay a small file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/bom.bin", bytes(200 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 1_000_000
    stored = storage.save_upload(
        FileStorage(io.BytesIO(data), filename="rekap.xlsx"),
        max_bytes=5_000_000,
        allowed={"xlsx"},
    )
    assert stored.kind == "xlsx" and stored.size == len(data)


def test_half_written_uploads_of_killed_processes_are_cleared(store):
    import os
    import time

    tmp = store / "tmp"
    tmp.mkdir(parents=True)
    abandoned, recent = tmp / "upload-old", tmp / "upload-new"
    abandoned.write_bytes(b"%PDF-half")
    recent.write_bytes(b"%PDF-in-progress")
    old = time.time() - storage.ABANDONED_SECONDS - 60
    os.utime(abandoned, (old, old))
    storage.save_upload(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), max_bytes=1000, allowed={"pdf"})
    assert not abandoned.exists()
    assert recent.exists()  # maybe another worker's upload in progress
