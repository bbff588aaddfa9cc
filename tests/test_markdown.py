"""lms.markdown: each table comes in a scroll region a keyboard reaches; nothing else slips in."""

from __future__ import annotations

import re

from lms.markdown import render

TABLE = "| Indikator | Bobot |\n|---|---|\n| Regulasi | 10 |\n"


def test_a_table_is_wrapped_in_a_focusable_region_named_by_the_heading_above_it():
    html = render(f"# Pengantar\n\nTeks.\n\n## Indikator dan bobot\n\n{TABLE}\nSesudahnya.\n")
    wrapper = re.search(r"<div ([^>]*)><table>", html)
    assert wrapper, html
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', wrapper.group(1)))
    assert attrs == {
        "class": "table-wrap",
        "role": "region",
        "tabindex": "0",
        "aria-labelledby": "indikator-dan-bobot",
    }
    assert '<h2 id="indikator-dan-bobot">' in html
    assert html.index("</table></div>") < html.index("<p>Sesudahnya.</p>")


def test_a_table_with_no_heading_before_it_is_still_reachable_by_keyboard():
    html = render(TABLE)
    assert html.startswith('<div class="table-wrap" tabindex="0"><table>'), html
    assert "role=" not in html  # an unnamed region would be no landmark


def test_each_table_gets_one_region_even_inside_html_blocks():
    html = render(
        f'## Satu\n\n{TABLE}\n## Dua\n\n<div markdown="1">\n\n{TABLE}\n</div>\n'
        f'\n<div class="table-wrap" markdown="1">\n\n{TABLE}\n</div>\n'
    )
    assert html.count("<table>") == 3
    assert html.count('class="table-wrap"') == 3  # the author's own wrapper is not doubled
    assert html.count('aria-labelledby="satu"') == 1
    assert html.count('aria-labelledby="dua"') == 1


def test_authors_cannot_set_other_roles_or_tab_orders():
    html = render(
        '<div markdown="1" role="alertdialog" tabindex="5" onclick="x()">\n\nHai\n\n</div>'
    )
    assert "alertdialog" not in html and "tabindex" not in html and "onclick" not in html
    assert "Hai" in html
