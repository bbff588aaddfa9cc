"""A PDF written to a file as its pages come, for batches of any size in flat memory.

:class:`PdfStream` copies the pages of small, complete PDFs (fpdf2's documents of a few
hundred certificates each) into one output file: each added document is parsed with pypdf,
its objects renumbered and written at once, and only the page tree, catalog, document
information and cross-reference table wait for :meth:`PdfStream.close`. What stays in memory
is the document being copied and one offset per object.

No library writes a PDF incrementally: fpdf2 and pypdf's ``PdfWriter`` both hold the whole
document until they write it. The objects themselves are pypdf's, serialized by pypdf
(``write_to_stream``); only the bookkeeping of object numbers and offsets is done here.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import IO, Any

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

__all__ = ["PdfStream"]

_PARENT = NameObject("/Parent")
_LENGTH = NameObject("/Length")


class _Counting:
    """A file object that knows how many bytes went through it."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.position = 0

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.position += len(data)
        return len(data)


def _ref(number: int) -> IndirectObject:
    return IndirectObject(number, 0, None)


def _copy(obj: Any, renumbered: Callable[[IndirectObject], IndirectObject]) -> Any:
    """``obj`` with its references renumbered: a copy, the reader's objects stay as read."""
    if isinstance(obj, IndirectObject):
        return renumbered(obj)
    if isinstance(obj, StreamObject):
        stream = StreamObject()
        stream._data = obj._data  # as stored: still compressed, /Filter kept
        for key, value in dict.items(obj):
            if key != _LENGTH:  # written anew from the data
                dict.__setitem__(stream, key, _copy(value, renumbered))
        return stream
    if isinstance(obj, DictionaryObject):
        new = DictionaryObject()
        for key, value in dict.items(obj):
            if key != _PARENT:
                dict.__setitem__(new, key, _copy(value, renumbered))
        return new
    if isinstance(obj, ArrayObject):
        return ArrayObject(_copy(value, renumbered) for value in list.__iter__(obj))
    return obj


def _references(obj: Any) -> Iterator[IndirectObject]:
    """The references inside ``obj`` (not through /Parent), in the order they are written."""
    if isinstance(obj, IndirectObject):
        yield obj
    elif isinstance(obj, DictionaryObject):
        for key, value in dict.items(obj):
            if key != _PARENT:
                yield from _references(value)
    elif isinstance(obj, ArrayObject):
        for value in list.__iter__(obj):
            yield from _references(value)


def _serialized(number: int, obj: Any) -> bytes:
    buffer = io.BytesIO()
    buffer.write(f"{number} 0 obj\n".encode())
    obj.write_to_stream(buffer)
    buffer.write(b"\nendobj\n")
    return buffer.getvalue()


class PdfStream:
    """One PDF, written to ``out`` page by page::

    stream = PdfStream(out, title="Sertifikat KIT-2023-I", lang="id")
    for chunk in chunks:
        stream.append(render(chunk))      # a complete PDF of a few pages
    stream.close()                        # the page tree and the cross-reference table
    """

    def __init__(
        self, out: IO[bytes], *, title: str = "", creator: str = "", lang: str = ""
    ) -> None:
        self._out = _Counting(out)
        self._title = title
        self._creator = creator
        self._lang = lang
        #: Offset of each object by its number (0 is the free head of the table).
        self._offsets: list[int] = [0]
        self._pages: list[int] = []
        self._closed = False
        self._out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self._catalog = self._reserve()
        self._tree = self._reserve()
        self._info = self._reserve()

    @property
    def pages(self) -> int:
        return len(self._pages)

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._out.position

    def _reserve(self) -> int:
        self._offsets.append(-1)
        return len(self._offsets) - 1

    def _write_object(self, number: int, obj: Any) -> None:
        self._write_bytes(number, _serialized(number, obj))

    def _write_bytes(self, number: int, data: bytes) -> None:
        self._offsets[number] = self._out.position
        self._out.write(data)

    def append(
        self,
        data: bytes | PdfReader,
        pages: Iterable[int] | None = None,
        *,
        written: Mapping[int, int] | None = None,
    ) -> int:
        """Copy the pages of the PDF ``data`` (all, or the indexes ``pages``) after those
        written so far, with everything they use; returns how many pages were added. A
        reader given is left as it was (it can give the pages of several files).
        ``written``: objects of the reader already in this file (their numbers here)."""
        if self._closed:
            raise ValueError("the PDF is closed")
        reader = data if isinstance(data, PdfReader) else PdfReader(io.BytesIO(data))
        chosen = list(range(len(reader.pages))) if pages is None else list(pages)
        numbers: dict[int, int] = dict(written or {})
        waiting: list[int] = []

        def renumbered(old: IndirectObject) -> IndirectObject:
            new = numbers.get(old.idnum)
            if new is None:
                new = numbers[old.idnum] = self._reserve()
                waiting.append(old.idnum)
            return _ref(new)

        # The pages as pypdf reads them: inherited attributes (resources, media box) copied
        # into each page, so that none depends on the source's page tree.
        page_objects: dict[int, DictionaryObject] = {}
        for index in chosen:
            page = reader.pages[index]
            reference = page.indirect_reference
            if reference is None:  # pragma: no cover - pypdf always reads pages indirectly
                raise ValueError("a page without an object number")
            page_objects[reference.idnum] = page
            self._pages.append(renumbered(reference).idnum)
        while waiting:
            old = waiting.pop()
            page = page_objects.get(old)
            obj = _copy(page if page is not None else reader.get_object(old), renumbered)
            if page is not None:
                dict.__setitem__(obj, _PARENT, _ref(self._tree))
            self._write_object(numbers[old], obj)
        return len(chosen)

    def close(self) -> None:
        """Write the page tree, the catalog, the document information and the
        cross-reference table; the file is then complete."""
        if self._closed:
            return
        if not self._pages:
            raise ValueError("a PDF needs at least one page")
        self._closed = True
        tree = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): ArrayObject(_ref(n) for n in self._pages),
                NameObject("/Count"): NumberObject(len(self._pages)),
            }
        )
        self._write_object(self._tree, tree)
        catalog = DictionaryObject(
            {NameObject("/Type"): NameObject("/Catalog"), NameObject("/Pages"): _ref(self._tree)}
        )
        if self._lang:
            catalog[NameObject("/Lang")] = TextStringObject(self._lang)
        self._write_object(self._catalog, catalog)
        now = datetime.now(UTC).strftime("D:%Y%m%d%H%M%SZ")
        info = DictionaryObject({NameObject("/CreationDate"): TextStringObject(now)})
        if self._title:
            info[NameObject("/Title")] = TextStringObject(self._title)
        if self._creator:
            info[NameObject("/Creator")] = TextStringObject(self._creator)
        self._write_object(self._info, info)
        start = self._out.position
        lines = [f"xref\n0 {len(self._offsets)}\n", "0000000000 65535 f \n"]
        lines.extend(f"{offset:010d} 00000 n \n" for offset in self._offsets[1:])
        self._out.write("".join(lines).encode())
        self._out.write(
            f"trailer\n<< /Size {len(self._offsets)} /Root {self._catalog} 0 R "
            f"/Info {self._info} 0 R >>\nstartxref\n{start}\n%%EOF\n".encode()
        )


class PdfCutter:
    """Small PDFs cut from one document, a page or a few each (the single certificates of a
    chunk). What its pages share, the fonts and images their resources name, is serialized
    once and copied as bytes into every file; only each page's own objects (the page, its
    content stream, its resources dictionary) are serialized for each."""

    def __init__(self, data: bytes) -> None:
        self.reader = PdfReader(io.BytesIO(data))
        #: The shared objects (old number -> number in every file) and their bytes.
        self._numbers: dict[int, int] | None = None
        self._objects: list[tuple[int, bytes]] = []
        #: What the first page's resources name: the roots of the shared objects.
        self._roots = self._named_by(0) if self.reader.pages else []
        self._closure = self._reached(self._roots)

    @property
    def pages(self) -> int:
        return len(self.reader.pages)

    def _named_by(self, index: int) -> list[int]:
        resources = dict.get(self.reader.pages[index], "/Resources")
        if isinstance(resources, IndirectObject):
            resources = self.reader.get_object(resources.idnum)
        return [ref.idnum for ref in _references(resources)] if resources is not None else []

    def _reached(self, roots: list[int]) -> list[int]:
        """Every object reached from ``roots``, in a fixed order."""
        order: list[int] = []
        seen: set[int] = set()
        todo = list(reversed(roots))
        while todo:
            old = todo.pop()
            if old in seen:
                continue
            seen.add(old)
            order.append(old)
            found = [ref.idnum for ref in _references(self.reader.get_object(old))]
            todo.extend(reversed(found))
        return order

    def _shares(self, pages: Iterable[int]) -> bool:
        if not self._closure:
            return False
        shared = set(self._closure)
        return all(set(self._named_by(index)) <= shared for index in pages)

    def cut(
        self, pages: Iterable[int], *, title: str = "", creator: str = "", lang: str = ""
    ) -> bytes:
        """One complete PDF of the pages ``pages`` (indexes) of the document."""
        chosen = list(pages)
        out = io.BytesIO()
        stream = PdfStream(out, title=title, creator=creator, lang=lang)
        written: dict[int, int] | None = None
        if self._shares(chosen):
            # Every file starts with the shared objects, so they have the same numbers in
            # each: serialized once, written as bytes.
            numbers = {old: stream._reserve() for old in self._closure}
            if self._numbers is None:
                self._numbers = numbers

                def renumbered(old: IndirectObject) -> IndirectObject:
                    return _ref(numbers[old.idnum])

                self._objects = [
                    (
                        numbers[old],
                        _serialized(numbers[old], _copy(self.reader.get_object(old), renumbered)),
                    )
                    for old in self._closure
                ]
            for number, data in self._objects:
                stream._write_bytes(number, data)
            written = self._numbers
        stream.append(self.reader, chosen, written=written)
        stream.close()
        return out.getvalue()
