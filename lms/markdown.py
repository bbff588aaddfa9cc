"""Markdown to safe HTML: Python-Markdown, then nh3 with an allow-list.

Every Markdown text (course packs and users alike) goes through ``render``; the result is stored
and shown as is, never rendered per request.
"""

from __future__ import annotations

from collections.abc import Callable
from html import unescape

import markdown as _markdown
import nh3

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
}
URL_SCHEMES = {"http", "https", "mailto"}


def render(text: str, *, rewrite_url: Callable[[str], str] | None = None) -> str:
    """Safe HTML for ``text``. ``rewrite_url`` maps relative image/link targets (pack media)."""
    html = _markdown.markdown(
        text or "",
        extensions=EXTENSIONS,
        extension_configs={"toc": {"permalink": False}},
        output_format="html",
    )

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if rewrite_url is not None and attr in ("src", "href") and _is_relative(value):
            return rewrite_url(value)
        if tag == "img" and attr == "loading":
            return "lazy"
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
