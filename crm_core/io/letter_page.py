"""The page of io.letters' PDFs (fpdf2): the sender at the top, "page N of M" at the bottom, text, tables.

Apart from io.letters so that fpdf2 (about half a second to import) loads with the first letter drawn,
not with every page that offers a letter for download.
"""

from __future__ import annotations

from datetime import date

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from crm_core.i18n import format_date, t
from crm_core.io.letters import Party

# What a core (Latin-1) font cannot draw, and what is drawn instead.
LATIN1_SUBSTITUTES = {"€": "EUR", "–": "-", "—": "-", "…": "...", "’": "'", "‘": "'", "“": '"', "”": '"', "\u202f": " "}


class LetterPage(FPDF):
    """An A4 page with the sender at the top and "page N of M" at the bottom."""

    def __init__(self, lang: str, sender: Party, title: str, issued_on: date, font: tuple[str, str] | None) -> None:
        super().__init__(format="A4")
        self.lang, self.sender, self.title_text, self.issued_on = lang, sender, title, issued_on
        self.unicode = font is not None
        if font is not None:
            self.add_font("Body", "", font[0])
            self.add_font("Body", "B", font[1])
            self.body_font = "Body"
        else:
            self.body_font = "Helvetica"
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(title)
        self.set_author(sender.name)
        self.set_creator("SmartBilling CRM")

    def text_of(self, text: str) -> str:
        """`text` as the font can draw it (core fonts: Latin-1, the euro sign as EUR)."""
        if self.unicode:
            return text
        for char, substitute in LATIN1_SUBSTITUTES.items():
            text = text.replace(char, substitute)
        return text.encode("latin-1", "replace").decode("latin-1")

    def header(self) -> None:
        self.set_font(self.body_font, "B", 11)
        self.cell(0, 6, self.text_of(self.sender.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.body_font, "", 9)
        details = [f"{t('letter.tax_id', self.lang)}: {self.sender.tax_id}" if self.sender.tax_id else "", self.sender.address]
        for line in filter(None, details):
            self.cell(0, 5, self.text_of(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self.body_font, "", 8)
        page = t("letter.page", self.lang, page=self.page_no(), pages="{nb}")
        self.cell(0, 8, self.text_of(f"{self.title_text} · {page}"), align="C")

    def write_line(self, text: str, size: float = 10, bold: bool = False, height: float = 5) -> None:
        self.set_font(self.body_font, "B" if bold else "", size)
        self.multi_cell(0, height, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, recipient: Party) -> None:
        """Title, date and the recipient block."""
        self.write_line(self.title_text, size=14, bold=True, height=8)
        self.write_line(f"{t('letter.date', self.lang)}: {format_date(self.issued_on, self.lang)}")
        self.ln(2)
        self.write_line(f"{t('letter.recipient', self.lang)}: {recipient.name}", bold=True)
        if recipient.tax_id:
            self.write_line(f"{t('letter.tax_id', self.lang)}: {recipient.tax_id}")
        if recipient.address:
            self.write_line(recipient.address)
        self.ln(3)

    def grid(self, headers: list[str], rows: list[list[str]], widths: tuple[int, ...], numeric_from: int) -> None:
        """A bordered table; columns from `numeric_from` on are right-aligned."""
        aligns = tuple("LEFT" if i < numeric_from else "RIGHT" for i in range(len(headers)))
        self.set_font(self.body_font, "", 8)
        with super().table(col_widths=widths, text_align=aligns, line_height=5, first_row_as_headings=True) as grid:
            for values in [headers, *rows]:
                row = grid.row()
                for value in values:
                    row.cell(self.text_of(value))
        self.ln(3)
