"""The built-in carrier: makes real labels itself (4x6 in PDF for office printers, ZPL for
thermal printers) with tracking numbers of its own. For demos and for stores that ship
returns by hand; nothing is bought from anyone."""

from __future__ import annotations

import io
from collections.abc import Mapping

from returns_service.adapters.carriers.base import (
    BoughtLabel,
    CreatedLabel,
    LabelRequest,
    PurchaseProgress,
    TrackingUpdate,
    WebhookRejected,
)
from returns_service.domain.tracking import new_tracking_number


class BuiltinCarrier:
    """Our own carrier: tracking numbers with a check digit, labels rendered locally."""

    name = "concierge-post"

    async def buy_return_label(
        self, request: LabelRequest, progress: PurchaseProgress
    ) -> CreatedLabel:
        # nothing is bought, so a second call may make another label; the service keeps one
        tracking = progress.get("tracking_number") or new_tracking_number()
        await progress.remember("tracking_number", tracking)
        return CreatedLabel(
            carrier=self.name,
            provider=self.name,
            tracking_number=tracking,
            zpl=render_zpl(request, tracking, self.name),
        )

    async def void_label(self, label: BoughtLabel) -> None:
        return None  # nothing was bought from anyone: voiding is our own record

    async def register_tracker(self, carrier: str, tracking_number: str) -> str:
        return ""  # events reach the generic webhook, signed per carrier (services/tracking)

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], secret: str
    ) -> list[TrackingUpdate]:
        raise WebhookRejected("the built-in carrier's events use the generic carrier webhook")


def render_pdf(request: LabelRequest, tracking: str, carrier: str) -> bytes:
    """A 4x6 inch label: addresses, case number, Code 128 of the tracking number, QR code."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode import code128, qr
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import inch
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    width, height = 4 * inch, 6 * inch
    # uncompressed: a few kilobytes more, and the label stays readable by any tool;
    # invariant: no creation time or random id, so rendering the same label twice gives the
    # same file (two first downloads at once keep one and serve the other's equal)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=0, invariant=1)
    pdf.setTitle(f"Return label {request.case_number}")
    pdf.setAuthor(carrier)
    margin = 0.2 * inch
    y = height - margin - 10
    pdf.setFont("Helvetica-Bold", 11)
    pdf.drawString(margin, y, f"{carrier.upper()}  PREPAID RETURN")
    pdf.line(margin, y - 6, width - margin, y - 6)

    def block(title: str, lines: list[str], top: float, size: int) -> float:
        pdf.setFont("Helvetica", 7)
        pdf.drawString(margin, top, title)
        pdf.setFont("Helvetica-Bold" if size > 9 else "Helvetica", size)
        for n, text in enumerate(lines):
            pdf.drawString(margin, top - (n + 1) * (size + 2), text[:48])
        return top - (len(lines) + 1) * (size + 2) - 8

    y = block("FROM", request.ship_from.lines(), y - 20, 9)
    y = block("SHIP TO", request.ship_to.lines(), y, 12)
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(margin, y - 6, f"RMA {request.case_number}")
    barcode = code128.Code128(tracking, barHeight=0.9 * inch, barWidth=1.2)
    barcode.drawOn(pdf, (width - barcode.width) / 2, y - 30 - 0.9 * inch)
    pdf.setFont("Helvetica", 10)
    pdf.drawCentredString(width / 2, y - 44 - 0.9 * inch, tracking)
    code = qr.QrCodeWidget(request.portal_url)
    x1, y1, x2, y2 = code.getBounds()
    size = 1.1 * inch
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(code)
    renderPDF.draw(drawing, pdf, margin, margin)
    pdf.setFont("Helvetica", 7)
    pdf.drawString(margin + size + 8, margin + size - 10, "Scan to follow your return")
    pdf.drawString(margin + size + 8, margin + size - 20, f"{request.weight_grams} g max")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _zpl_text(text: str) -> str:
    # ZPL treats ^ and ~ as commands; field data must not contain them
    return text.replace("^", " ").replace("~", " ")


def render_zpl(request: LabelRequest, tracking: str, carrier: str) -> str:
    """The same label in ZPL II for 4x6 thermal printers at 203 dpi (812 x 1218 dots)."""
    lines = ["^XA", "^CI28", "^PW812", "^LL1218"]
    lines.append(f"^FO40,30^A0N,36,36^FD{_zpl_text(carrier.upper())} PREPAID RETURN^FS")
    lines.append("^FO40,75^GB732,3,3^FS")
    y = 100
    lines.append(f"^FO40,{y}^A0N,22,22^FDFROM^FS")
    for text in request.ship_from.lines():
        y += 30
        lines.append(f"^FO40,{y}^A0N,28,28^FD{_zpl_text(text)}^FS")
    y += 50
    lines.append(f"^FO40,{y}^A0N,22,22^FDSHIP TO^FS")
    for text in request.ship_to.lines():
        y += 40
        lines.append(f"^FO40,{y}^A0N,38,38^FD{_zpl_text(text)}^FS")
    y += 70
    lines.append(f"^FO40,{y}^A0N,48,48^FDRMA {_zpl_text(request.case_number)}^FS")
    y += 80
    lines.append(f"^FO60,{y}^BY3^BCN,180,Y,N,N^FD{tracking}^FS")
    lines.append(f"^FO40,960^BQN,2,6^FDLA,{_zpl_text(request.portal_url)}^FS")
    lines.append("^XZ")
    return "\n".join(lines) + "\n"


def qr_svg(text: str, size: int = 144) -> str:
    """A QR code as inline SVG (for the portal page beside the label link)."""
    from reportlab.graphics import renderSVG
    from reportlab.graphics.barcode import qr
    from reportlab.graphics.shapes import Drawing

    code = qr.QrCodeWidget(text)
    x1, y1, x2, y2 = code.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(code)
    svg = renderSVG.drawToString(drawing)
    return svg[svg.index("<svg") :]
