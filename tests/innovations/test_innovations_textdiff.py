"""lms.textdiff: word changes of plain texts and dicts of fields, escaped."""

from __future__ import annotations

from lms.textdiff import diff_fields, diff_text


def test_a_replaced_phrase_is_one_change():
    change = diff_text("turun menjadi satu hari.", "turun menjadi dua jam.")
    assert str(change.markup) == "turun menjadi <del>satu hari.</del><ins>dua jam.</ins>"
    assert (change.removed, change.added) == (2, 2)


def test_added_and_removed_text_is_escaped():
    change = diff_text("lama & <b>", "lama & <script>x</script>")
    assert "<script>" not in str(change.markup)
    assert "&lt;script&gt;" in str(change.markup) and "&amp;" in str(change.markup)


def test_empty_sides_and_unchanged_text():
    assert str(diff_text("", "baru").markup) == "<ins>baru</ins>"
    assert str(diff_text("lama", None).markup) == "<del>lama</del>"
    assert not diff_text("sama\nbaris", "sama\r\nbaris").changed


def test_fields_in_order_with_their_labels_and_readable_values():
    changes = diff_fields(
        {"a": "x", "b": "pelayanan_publik"},
        {"a": "x", "b": "tata_kelola", "c": "baru"},
        [("b", "Bentuk"), ("a", "Nama"), ("c", "Catatan")],
        text_of=lambda key, value: {"tata_kelola": "Tata kelola"}.get(value, value or ""),
    )
    assert [(c.key, c.label, c.changed) for c in changes] == [
        ("b", "Bentuk", True),
        ("a", "Nama", False),
        ("c", "Catatan", True),
    ]
    assert str(changes[0].change.markup) == "<del>pelayanan_publik</del><ins>Tata kelola</ins>"
