"""What every printed document shares: A4 pages, the bundled DejaVu fonts (Indonesian names
and titles), and a footer with the document's name and "page X of Y"."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT = "DejaVu"
FONT_DIR = Path(__file__).resolve().parent / "fonts"


class PagedPdf(FPDF):
    """A4 portrait with the fonts loaded and a footer on every page."""

    def __init__(self, footer_left: str, footer_right: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_left = footer_left
        #: "Halaman %(page)s dari %(total)s", translated before the pages are made.
        self._footer_right = footer_right
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")

    def footer(self) -> None:
        self.set_font(FONT, size=7.5)
        self.set_text_color(90)
        half = (self.w - self.l_margin - self.r_margin) / 2
        self.set_xy(self.l_margin, self.h - 13)
        left = self._footer_left
        while len(left) > 1 and self.get_string_width(left) > half - 4:
            left = left[:-2] + "…"
        self._footer_left = left
        self.cell(half, 5, left)
        # cell() (not text()) replaces the "{nb}" alias with the page count.
        total = self.str_alias_nb_pages
        self.cell(half, 5, self._footer_right % {"page": self.page_no(), "total": total}, align="R")
        self.set_text_color(0)
