"""A local SMTP server for development (``make run``): keeps every email in a maildir.

    python -m encaisse.notifier.devsmtp --port 1025 --maildir .run/mailbox

The notifier's page ``/dev/mailbox`` (with ``ENCAISSE_SIMULATION`` on) lists them.
"""

from __future__ import annotations

import argparse
import asyncio
import mailbox
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from encaisse.notifier.domain.bounces import delivery_status_notification


def _maildir(directory: Path) -> mailbox.Maildir:
    directory.parent.mkdir(parents=True, exist_ok=True)
    return mailbox.Maildir(directory, create=True)


class MaildirHandler:
    """Accepts every message and adds it to a maildir, with the SMTP envelope as headers.

    Like a real relay it fails the way addresses ask for: a recipient whose
    local part starts with ``unknown`` is refused at RCPT (550 5.1.1); one
    starting with ``bounce`` is accepted, then bounced later as a DSN written to
    the bounce maildir (which the notifier reads).
    """

    def __init__(self, directory: Path, bounces: Path | None = None) -> None:
        self.maildir = _maildir(directory)
        self.bounces = _maildir(bounces) if bounces is not None else None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.lower().startswith("unknown"):
            return "550 5.1.1 User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        trace = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        self.maildir.add(trace + raw)  # kept as received, not re-generated
        bounced = [r for r in envelope.rcpt_tos if r.lower().startswith("bounce")]
        message = BytesHeaderParser().parsebytes(raw)
        if self.bounces is not None and bounced and message["Message-ID"]:
            for recipient in bounced:
                self.bounces.add(
                    delivery_status_notification(
                        message["Message-ID"],
                        recipient,
                        status="5.2.2",
                        diagnostic="smtp; 552 5.2.2 Mailbox full",
                    )
                )
        return "250 Message accepted for delivery"


class DiscardHandler:
    """Accepts and counts, keeps nothing (for benchmarks of the sending side)."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 Message accepted for delivery"


def controller(
    directory: Path | None, host: str = "127.0.0.1", port: int = 1025, bounces: Path | None = None
) -> Controller:
    handler: Any = MaildirHandler(directory, bounces) if directory is not None else DiscardHandler()
    return Controller(handler, hostname=host, port=port)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m encaisse.notifier.devsmtp")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--maildir", type=Path, default=Path(".run/mailbox"))
    parser.add_argument(
        "--bounces",
        type=Path,
        default=None,
        help="maildir where simulated bounces (DSNs) are written",
    )
    parser.add_argument("--discard", action="store_true", help="keep nothing (benchmarks)")
    args = parser.parse_args()
    smtp = controller(None if args.discard else args.maildir, args.host, args.port, args.bounces)
    smtp.start()
    kept = "keeping nothing" if args.discard else f"keeping mail in {args.maildir}"
    print(f"development SMTP server on {args.host}:{args.port}, {kept}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
