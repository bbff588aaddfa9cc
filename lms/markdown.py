"""Markdown to safe HTML: Python-Markdown, then nh3 with an allow-list.

Every Markdown text (course packs and users alike) goes through ``render``; the result is stored
and shown as is, never rendered per request.
"""

from __future__ import annotations

from collections.abc import Callable
from html import unescape
from xml.etree.ElementTree import Element

import markdown as _markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _ScrollableTables(Treeprocessor):
    """Wraps each table in a scroll region a keyboard can reach: a wide table scrolls inside
    the text (not the phone's page) and is named by the heading above it (toc gave it its id),
    as the app's own tables are (``.table-wrap`` in the stylesheet)."""

    def run(self, root: Element) -> None:
        found: list[tuple[Element, Element, str | None]] = []
        last_heading: str | None = None

        def walk(parent: Element) -> None:
            nonlocal last_heading
            for child in parent:
                if child.tag in _HEADINGS:
                    last_heading = child.get("id") or last_heading
                elif child.tag == "table":
                    if "table-wrap" not in (parent.get("class") or "").split():
                        found.append((parent, child, last_heading))
                else:
                    walk(child)

        walk(root)
        for parent, table, heading in found:
            wrapper = parent.makeelement("div", {"class": "table-wrap", "tabindex": "0"})
            if heading:
                wrapper.set("role", "region")
                wrapper.set("aria-labelledby", heading)
            index = list(parent).index(table)
            parent.remove(table)
            wrapper.append(table)
            wrapper.tail, table.tail = table.tail, None
            parent.insert(index, wrapper)


class _ScrollableTablesExtension(Extension):
    def extendMarkdown(self, md: _markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.treeprocessors.register(_ScrollableTables(md), "scrollable_tables", 4)  # after toc


EXTENSIONS = ["tables", "fenced_code", "attr_list", "toc", "md_in_html", "sane_lists"]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_COMMON = {"id", "title", "class", "lang"}
ALLOWED_ATTRIBUTES = {
    "*": _COMMON,
    "a": _COMMON | {"href"},
    "img": _COMMON | {"src", "alt", "width", "height", "loading"},
    "td": _COMMON | {"colspan", "rowspan", "align"},
    "th": _COMMON | {"colspan", "rowspan", "align", "scope"},
    "ol": _COMMON | {"start", "type"},
    "details": _COMMON | {"open"},
    # The scroll region around a table (_ScrollableTables); attribute_filter keeps only
    # role="region" and tabindex="0".
    "div": _COMMON | {"role", "tabindex", "aria-labelledby"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def render(text: str, *, rewrite_url: Callable[[str], str] | None = None) -> str:
    """Safe HTML for ``text``. ``rewrite_url`` maps relative image/link targets (pack media)."""
    html = _markdown.markdown(
        text or "",
        extensions=[*EXTENSIONS, _ScrollableTablesExtension()],
        extension_configs={"toc": {"permalink": False}},
        output_format="html",
    )

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if rewrite_url is not None and attr in ("src", "href") and _is_relative(value):
            return rewrite_url(value)
        if tag == "img" and attr == "loading":
            return "lazy"
        if tag == "div" and (attr, value) in (("role", "region"), ("tabindex", "0")):
            return value
        if tag == "div" and attr in ("role", "tabindex"):
            return None
        return value

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        attribute_filter=attribute_filter,
        strip_comments=True,
    )


def _is_relative(url: str) -> bool:
    url = url.strip()
    return bool(url) and not url.startswith(("#", "/", "//")) and ":" not in url.split("/")[0]


def plain_text(html: str) -> str:
    """Text without tags, for search and word counts."""
    return " ".join(unescape(nh3.clean(html, tags=set())).split())
