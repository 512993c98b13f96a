"""The sandbox's proof documents: small PDFs like the ones La Poste's partners return."""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

TITLES = {
    "deposit": "Preuve de dépôt",
    "receipt": "Avis de réception signé",
    "return": "Pli non distribué, retourné à l'expéditeur",
}


def proof_pdf(
    kind: str,
    *,
    tracking_number: str,
    at: datetime,
    recipient: list[str],
    document_sha256: str,
    detail: str = "",
) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A5, invariant=True)
    width, height = A5
    y = height - 20 * mm
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawString(15 * mm, y, TITLES[kind])
    canvas.setFont("Helvetica", 9)
    lines = [
        f"Envoi n° {tracking_number}",
        f"Date : {at:%d/%m/%Y %H:%M} UTC",
        "Destinataire :",
        *[f"  {line}" for line in recipient],
        f"Empreinte du document : {document_sha256}",
    ]
    if detail:
        lines.append(f"Motif : {detail}")
    if kind == "receipt":
        lines.append("Signature du destinataire : [signé]")
    for line in lines:
        y -= 6 * mm
        canvas.drawString(15 * mm, y, line)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
