"""Rendering a letter's content to an A4 PDF with reportlab.

The first page puts the recipient block where a French window envelope (DL,
window on the right) shows it, in a size at which its widest line fits
(``window``); the sender block is top left. Every page has a footer with the
sender's legal mentions and "page n / total".

Text is drawn in the standard Type 1 fonts (Helvetica, WinAnsi encoding), which have no
narrow no-break space (U+202F, babel's French group separator): it is drawn as a
no-break space (U+00A0), ``drawable``.
"""

from __future__ import annotations

import io
import itertools
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from encaisse.letters import window
from encaisse.letters.domain.compose import InvoiceTable, LetterContent

WIDTH, HEIGHT = A4
MARGIN = 20 * mm
WINDOW_LEFT, WINDOW_TOP = window.LEFT_MM * mm, window.TOP_MM * mm
FIRST_BODY_TOP = window.BODY_TOP_MM * mm

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13.5, spaceAfter=7)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10, spaceAfter=0)
RIGHT = ParagraphStyle("right", parent=BODY, alignment=TA_RIGHT)
BOLD = ParagraphStyle("bold", parent=BODY, fontName="Helvetica-Bold")

NARROW_NO_BREAK_SPACE, NO_BREAK_SPACE = "\u202f", "\u00a0"


def drawable(text: str) -> str:
    """``text`` in characters the standard fonts have: U+202F becomes U+00A0."""
    return text.replace(NARROW_NO_BREAK_SPACE, NO_BREAK_SPACE)


def _numbered(content: LetterContent) -> type[Canvas]:
    """A canvas that knows the page count when it writes each footer (two passes)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, object]] = []

        def showPage(self) -> None:  # reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            self.setFont("Helvetica", 7.5)
            self.setFillColor(colors.grey)
            self.drawString(
                MARGIN, 12 * mm, drawable(f"{content.sender.name} · {content.sender.legal}")
            )
            label = content.labels.page.format(page=self._pageNumber, pages=total)
            self.drawRightString(WIDTH - MARGIN, 12 * mm, drawable(label))

    return NumberedCanvas


def _first_page(content: LetterContent):
    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        sender = content.sender
        text = canvas.beginText(MARGIN, HEIGHT - 20 * mm)
        text.setFont("Helvetica-Bold", 11)
        text.textLine(drawable(sender.name))
        text.setFont("Helvetica", 9)
        for line in (*sender.lines, f"{sender.postal_code} {sender.city}"):
            text.textLine(drawable(line))
        canvas.drawText(text)
        if content.registered:
            canvas.setFont("Helvetica-Bold", 8)
            canvas.drawString(
                WINDOW_LEFT,
                HEIGHT - WINDOW_TOP + 6 * mm,
                drawable(content.labels.registered.upper()),
            )
        fit = window.block_font(content.recipient)
        block = canvas.beginText(WINDOW_LEFT, HEIGHT - window.FIRST_BASELINE_MM * mm)
        block.setFont(window.FONT, fit.size, fit.leading)
        block.setHorizScale(fit.scale)
        for line in content.recipient:
            block.textLine(drawable(line))
        canvas.drawText(block)

    return draw


class QrCode(Flowable):
    """A QR code drawn as one filled path of dark runs: about 20 times faster than
    reportlab's widget, which makes a shape per run and dominated the rendering time."""

    def __init__(self, data: str, size: float = 28 * mm, border: int = 2) -> None:
        super().__init__()
        self.width = self.height = size
        self._qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        self._qr.addData(data)
        self._qr.make()
        self._border = border

    def draw(self) -> None:
        modules = self._qr.modules
        box = self.width / (len(modules) + 2 * self._border)
        path = self.canv.beginPath()
        for r, row in enumerate(modules):
            c = 0
            for dark, run in itertools.groupby(map(bool, row)):
                count = len(list(run))
                if dark:
                    path.rect(
                        (c + self._border) * box,
                        self.height - (r + self._border + 1) * box,
                        count * box,
                        box,
                    )
                c += count
        self.canv.drawPath(path, stroke=0, fill=1)


def _table(t: InvoiceTable) -> Table:
    data = [[drawable(cell) for cell in row] for row in (t.header, *t.rows, *t.totals)]
    table = Table(data, repeatRows=1, hAlign="LEFT")
    last = len(data) - 1
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf2")),
        ("ALIGN", (t.numeric_from, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b8c4")),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if t.totals:
        first_total = last - len(t.totals) + 1
        style += [
            ("FONT", (0, first_total), (-1, last), "Helvetica-Bold", 8.5),
            ("LINEABOVE", (0, first_total), (-1, first_total), 0.8, colors.black),
        ]
    table.setStyle(TableStyle(style))
    return table


def _story(content: LetterContent) -> list[Flowable]:
    p = lambda text, style=BODY: Paragraph(escape(drawable(text)), style)  # noqa: E731
    story: list[Flowable] = [
        NextPageTemplate("later"),
        p(content.place_date, RIGHT),
        p(f"{content.labels.reference} {content.reference}", SMALL),
        Spacer(1, 3 * mm),
        p(f"{content.labels.subject} {content.subject}", BOLD),
        p(content.salutation),
        *[p(text) for text in content.before_table],
        _table(content.table),
        Spacer(1, 5 * mm),
    ]
    for section in content.sections:  # the statement's other invoices, each titled
        story += [p(section.title, BOLD), _table(section.table), Spacer(1, 5 * mm)]
    story += [
        *[p(text) for text in content.after_sections],
        *[p(text) for text in content.after_table],
    ]
    if content.portal_url and content.portal_line:
        link = Table(
            [[QrCode(content.portal_url), p(content.portal_line, SMALL)]],
            colWidths=[32 * mm, WIDTH - 2 * MARGIN - 32 * mm],
            style=[("VALIGN", (0, 0), (-1, -1), "MIDDLE")],
            hAlign="LEFT",
        )
        story.append(KeepTogether([link, Spacer(1, 3 * mm)]))
    story += [p(content.closing), Spacer(1, 8 * mm), p(content.sender.name, BOLD)]
    return story


def render_pdf(content: LetterContent, *, title: str) -> bytes:
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=content.sender.name,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        invariant=True,
    )
    body_width = WIDTH - 2 * MARGIN
    first = Frame(MARGIN, MARGIN, body_width, HEIGHT - FIRST_BODY_TOP - MARGIN, id="first")
    later = Frame(MARGIN, MARGIN, body_width, HEIGHT - 2 * MARGIN, id="later")
    doc.addPageTemplates(
        [
            PageTemplate("first", [first], onPage=_first_page(content)),
            PageTemplate("later", [later]),
        ]
    )
    doc.build(_story(content), canvasmaker=_numbered(content))
    return buffer.getvalue()
