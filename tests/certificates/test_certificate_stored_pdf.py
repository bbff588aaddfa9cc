"""Each certificate's own PDF is made when it is issued and kept in the upload store: the
participant's download is that file (until something it was drawn from changes), a
revocation draws it again with the stamp; batches are written as they are drawn."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from pypdf import PdfReader

from lms import storage
from lms.certificates import operations as ops
from lms.certificates import pdf
from lms.certificates.models import Certificate
from lms.certificates.pdfstream import PdfStream
from tests.certificates.conftest import NAMES
from tests.helpers import csrf_token


def _base(world) -> str:
    return f"/cohorts/{world.cohort.id}/certificates"


def _text(data: bytes, page: int = 0) -> str:
    return " ".join(PdfReader(io.BytesIO(data)).pages[page].extract_text().split())


def _stored(certificate: Certificate) -> bytes:
    """The stored PDF's bytes (read in the app context there is, or in the app's)."""
    from flask import current_app, has_app_context

    app = current_app._get_current_object() if has_app_context() else _APP[0]
    with app.app_context():
        return storage.path_of(certificate.pdf_key).read_bytes()


_APP: list = []


@pytest.fixture(autouse=True)
def _remember_app(app):
    _APP[:] = [app]
    yield
    _APP.clear()


def _store_files(app) -> set[str]:
    from pathlib import Path

    root = Path(app.config["LMS_UPLOAD_DIR"])
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_issuing_stores_each_certificate_s_own_pdf(app, issued):
    for certificate, name in zip(issued, NAMES, strict=True):
        assert certificate.pdf_key and certificate.pdf_key.startswith("pdf/")
        data = _stored(certificate)
        assert len(PdfReader(io.BytesIO(data)).pages) == 1
        text = _text(data)
        assert f"{name} Peserta" in text and certificate.number in text
        assert "DICABUT" not in text
        with app.test_request_context():
            assert pdf.stored_path(certificate, ops.plan_for(certificate.cohort)) is not None
            url = pdf.verify_url(certificate.code)
        # Cut from the document of the three: a whole PDF a viewer draws, its QR code scans.
        pdfium = pytest.importorskip("pypdfium2")
        zxingcpp = pytest.importorskip("zxingcpp")
        document = pdfium.PdfDocument(data)
        try:
            image = document[0].render(scale=2).to_pil()
        finally:
            document.close()
        assert [r.text for r in zxingcpp.read_barcodes(image)] == [url]


def test_the_download_is_the_stored_file(certificate_world, issued, login_as, monkeypatch):
    w = certificate_world
    ani = issued[0]
    url = f"{_base(w)}/{ani.id}.pdf"
    client = login_as(w.people["Ani"])
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == _stored(ani)
    assert first.headers["Content-Disposition"].startswith("attachment;")
    assert first.headers["X-Content-Type-Options"] == "nosniff"

    def no_drawing(*args, **kwargs):
        raise AssertionError("the certificate was drawn again")

    monkeypatch.setattr(pdf, "render", no_drawing)
    monkeypatch.setattr(pdf._Drawing, "document", no_drawing)
    second = client.get(url)
    assert second.status_code == 200 and second.data == first.data
    # The browser may keep it: the same file answers 304 to its ETag.
    again = client.get(url, headers={"If-None-Match": second.headers["ETag"]})
    assert again.status_code == 304


def test_revoking_draws_the_stored_pdf_again_with_the_stamp(
    app, certificate_world, issued, login_as, db
):
    w = certificate_world
    budi = issued[1]
    valid_key = budi.pdf_key
    client = login_as(w.organizer)
    token = csrf_token(client, "/dashboard")
    response = client.post(
        f"{_base(w)}/{budi.id}/revoke", data={"csrf_token": token, "reason": "Data keliru."}
    )
    assert response.status_code == 302
    db.session.expire_all()
    budi = db.session.get(Certificate, budi.id)
    assert budi.state == "revoked" and budi.pdf_key and budi.pdf_key != valid_key
    text = _text(_stored(budi))
    assert "DICABUT / REVOKED" in text and budi.number in text
    # The copy that looked valid is gone; the document is still never handed out.
    with app.app_context():
        assert not storage.path_of(valid_key).exists()
    assert client.get(f"{_base(w)}/{budi.id}.pdf").status_code == 410
    with app.test_request_context():
        assert pdf.stored_path(budi, ops.plan_for(budi.cohort)) is not None


def test_a_refused_revocation_keeps_the_stored_pdf(certificate_world, issued, login_as, db):
    w = certificate_world
    budi = issued[1]
    key = budi.pdf_key
    client = login_as(w.organizer)
    token = csrf_token(client, "/dashboard")
    client.post(f"{_base(w)}/{budi.id}/revoke", data={"csrf_token": token, "reason": " "})
    db.session.expire_all()
    assert db.session.get(Certificate, budi.id).pdf_key == key
    assert _stored(budi)


def test_a_changed_layout_is_drawn_afresh_until_stored_again(
    app, certificate_world, issued, login_as, db, monkeypatch
):
    w = certificate_world
    ani = issued[0]
    plan = ops.plan_for(w.cohort)
    plan.layout = {"nip": False}
    db.session.commit()
    url = f"{_base(w)}/{ani.id}.pdf"
    client = login_as(w.people["Ani"])
    files = _store_files(app)
    fresh = client.get(url)
    assert fresh.status_code == 200
    assert "19800101" not in _text(fresh.data) and fresh.data != _stored(ani)
    assert _store_files(app) == files  # a GET writes nothing

    monkeypatch.setitem(app.config, "LMS_PUBLIC_URL", "http://localhost")
    result = app.test_cli_runner().invoke(args=["lms", "certificates", "store-pdfs", w.cohort.code])
    assert result.exit_code == 0, result.output
    assert f"{w.cohort.code}: 3 PDF(s) stored" in result.output
    db.session.expire_all()
    ani = db.session.get(Certificate, ani.id)
    assert "19800101" not in _text(_stored(ani))
    assert client.get(url).data == _stored(ani)
    result = app.test_cli_runner().invoke(args=["lms", "certificates", "store-pdfs"])
    assert f"{w.cohort.code}: 0 PDF(s) stored" in result.output


def test_without_a_public_address_nothing_is_stored_and_the_download_draws(
    app, certificate_world, login_as, db
):
    w = certificate_world
    with app.app_context():  # a command: no request, and LMS_PUBLIC_URL is not set
        (ani,) = ops.issue(w.cohort, [w.people["Ani"].id], actor=w.organizer)
        db.session.commit()
        assert ani.pdf_key is None
    response = login_as(w.people["Ani"]).get(f"{_base(w)}/{ani.id}.pdf")
    assert response.status_code == 200 and "Ani Peserta" in _text(response.data)


def test_a_name_beyond_latin_is_drawn_with_the_whole_fonts(app, issued, db):
    ani = issued[0]
    ani.snapshot = {**ani.snapshot, "name": "Андрей Ψ Ani"}
    db.session.commit()
    with app.test_request_context():
        text = _text(pdf.render([ani], ops.plan_for(ani.cohort)))
    assert "Андрей Ψ Ani" in text


# --- batches in flat memory --------------------------------------------------------------


def test_the_zip_copies_stored_pdfs_in_flat_memory(app, issued, tmp_path):
    target = tmp_path / "sertifikat.zip"

    def peak_of(certificates) -> int:
        with target.open("wb") as out:
            tracemalloc.start()
            try:
                pdf.write_zip(iter(certificates), plan, out)
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    with app.test_request_context():
        plan = ops.plan_for(issued[0].cohort)
        sizes = [len(_stored(c)) for c in issued]
        with target.open("wb") as out:
            pdf.write_zip(iter(issued), plan, out)  # what is imported and loaded on the way
        one, three = peak_of(issued[:1]), peak_of(issued)
    # Copied from the store piece by piece: three certificates take no more memory than one,
    # and never the certificates' bytes together.
    assert three <= one + 8192, (one, three)
    assert three < sum(sizes) / 2, (three, sizes)
    with zipfile.ZipFile(target) as archive:
        assert [archive.read(n) for n in archive.namelist()] == [_stored(c) for c in issued]


def _drawn_at(monkeypatch, out: io.BytesIO) -> list[int]:
    """The output's size each time a document of certificates is drawn."""
    sizes: list[int] = []
    original = pdf._Drawing.document

    def document(self, certificates, title=None):
        sizes.append(out.getbuffer().nbytes)
        return original(self, certificates, title)

    monkeypatch.setattr(pdf._Drawing, "document", document)
    return sizes


@pytest.fixture
def five(app, certificate_world, db):
    """All five participants certified (two by override), issued outside a request: nothing
    stored, so batches draw them all."""
    w = certificate_world
    with app.app_context():
        certificates = ops.issue(
            w.cohort,
            [p.id for p in w.people.values()],
            actor=w.organizer,
            overrides={w.people[n].id: "Tugas dinas." for n in ("Citra", "Dedi")},
        )
        db.session.commit()
    assert all(c.pdf_key is None for c in certificates)
    return certificates


def test_the_zip_is_written_before_the_next_chunk_is_drawn(app, five, monkeypatch):
    out = io.BytesIO()
    sizes = _drawn_at(monkeypatch, out)
    with app.test_request_context():
        count = pdf.write_zip(iter(five), pdf_plan(five), out, chunk=2)
    assert count == 5 and len(sizes) == 3
    assert sizes[0] < sizes[1] < sizes[2]  # each chunk's entries written before the next
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        texts = [_text(archive.read(name)) for name in archive.namelist()]
    assert [c.number in t for c, t in zip(five, texts, strict=True)] == [True] * 5


def pdf_plan(certificates):
    return ops.plan_for(certificates[0].cohort)


def test_the_merged_pdf_is_written_before_the_next_chunk_is_drawn(app, five, monkeypatch):
    out = io.BytesIO()
    sizes = _drawn_at(monkeypatch, out)
    with app.test_request_context():
        count = pdf.write_merged(iter(five), pdf_plan(five), out, chunk=2)
    assert count == 5 and len(sizes) == 3
    assert sizes[0] == 0 and 1000 < sizes[1] < sizes[2]
    data = out.getvalue()
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 5
    for page, certificate in zip(reader.pages, five, strict=True):
        text = " ".join(page.extract_text().split())
        assert certificate.snapshot["name"] in text and certificate.number in text
    pdfium = pytest.importorskip("pypdfium2")
    document = pdfium.PdfDocument(data)
    try:
        assert len(document) == 5
        assert document[4].render(scale=0.3).to_pil().size[0] > 100
    finally:
        document.close()


def test_the_stream_joins_documents_and_refuses_what_is_not_a_pdf_yet(app, issued):
    with app.test_request_context():
        plan = ops.plan_for(issued[0].cohort)
        one = pdf.render(issued[:1], plan)
        two = pdf.render(issued[1:], plan)
    out = io.BytesIO()
    stream = PdfStream(out, title="Uji", lang="id")
    with pytest.raises(ValueError):
        stream.close()  # no page yet
    assert stream.append(one) == 1 and stream.append(two, pages=[1, 0]) == 2
    stream.close()
    with pytest.raises(ValueError):
        stream.append(one)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    assert reader.metadata.title == "Uji"
    names = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert [n in t for n, t in zip(("Ani", "Eka", "Budi"), names, strict=True)] == [True] * 3
