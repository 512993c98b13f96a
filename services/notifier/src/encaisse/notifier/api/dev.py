"""``/dev/mailbox``: the emails the local SMTP server kept (development only, no auth)."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markupsafe import escape

from encaisse.kit.failures import NotFound
from encaisse.notifier.api.deps import SettingsDep

router = APIRouter(prefix="/dev/mailbox", tags=["development"], include_in_schema=False)

_PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
    "<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:4px 10px;"
    "text-align:left}}tr:nth-child(even){{background:#f4f4f4}}</style></head>"
    "<body>{body}</body></html>"
)


def received_at(mail: EmailMessage) -> datetime:
    """The email's Date as a time (an RFC 5322 date does not sort as text); none: oldest."""
    try:
        when = parsedate_to_datetime(str(mail.get("Date", "")))
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _read(box: mailbox.Maildir, key: str) -> EmailMessage:
    with box.get_file(key) as f:
        mail: Any = message_from_bytes(f.read(), policy=policy.default)  # the policy's class
        return mail


@router.get("", response_class=HTMLResponse)
async def mailbox_page(settings: SettingsDep) -> HTMLResponse:
    box = mailbox.Maildir(settings.dev_mailbox_dir, create=True)
    mails = sorted(
        ((key, _read(box, key)) for key in box.iterkeys()),
        key=lambda item: received_at(item[1]),
        reverse=True,
    )
    rows = "".join(
        f"<tr><td>{escape(m.get('Date', ''))}</td><td>{escape(m.get('To', ''))}</td>"
        f"<td><a href='/dev/mailbox/{escape(key)}'>{escape(m.get('Subject', ''))}</a></td></tr>"
        for key, m in mails
    )
    body = (
        f"<h1>Development mailbox</h1><p>{len(mails)} emails in "
        f"{escape(str(settings.dev_mailbox_dir))}</p><table><tr><th>Date</th><th>To</th>"
        f"<th>Subject</th></tr>{rows}</table>"
    )
    return HTMLResponse(_PAGE.format(title="Mailbox", body=body))


@router.get("/{key}", response_class=HTMLResponse)
async def mail_page(key: str, settings: SettingsDep) -> HTMLResponse:
    box = mailbox.Maildir(settings.dev_mailbox_dir, create=True)
    if key not in box:
        raise NotFound("key", "no such email")
    mail = _read(box, key)
    headers = "".join(
        f"<tr><th>{escape(name)}</th><td>{escape(mail.get(name, ''))}</td></tr>"
        for name in ("From", "To", "Cc", "Subject", "Date", "Message-ID")
    )
    html = mail.get_body(("html",))
    text = mail.get_body(("plain",))
    files = [p.get_filename() for p in mail.iter_attachments()]
    parts = [f"<p><a href='/dev/mailbox'>back</a></p><table>{headers}</table>"]
    if html is not None:
        parts.append(
            "<h2>HTML</h2><iframe sandbox style='width:100%;height:30em' srcdoc=\""
            f'{escape(html.get_content())}"></iframe>'
        )
    if text is not None:
        parts.append(f"<h2>Text</h2><pre>{escape(text.get_content())}</pre>")
    if files:
        parts.append(
            "<h2>Attachments</h2><ul>"
            + "".join(f"<li>{escape(f or '')}</li>" for f in files)
            + "</ul>"
        )
    return HTMLResponse(_PAGE.format(title=escape(mail.get("Subject", "")), body="".join(parts)))
