"""A local SMTP server for development (``make run``): keeps every email in a maildir.

    python -m encaisse.notifier.devsmtp --port 1025 --maildir .run/mailbox

The notifier's page ``/dev/mailbox`` (with ``ENCAISSE_SIMULATION`` on) lists them.
"""

from __future__ import annotations

import argparse
import asyncio
import mailbox
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class MaildirHandler:
    """Accepts every message and adds it to a maildir, with the SMTP envelope as headers."""

    def __init__(self, directory: Path) -> None:
        directory.parent.mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(directory, create=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.compat32)
        message["X-Envelope-From"] = envelope.mail_from
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.maildir.add(message)
        return "250 Message accepted for delivery"


def controller(directory: Path, host: str = "127.0.0.1", port: int = 1025) -> Controller:
    return Controller(MaildirHandler(directory), hostname=host, port=port)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m encaisse.notifier.devsmtp")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--maildir", type=Path, default=Path(".run/mailbox"))
    args = parser.parse_args()
    smtp = controller(args.maildir, args.host, args.port)
    smtp.start()
    print(f"development SMTP server on {args.host}:{args.port}, keeping mail in {args.maildir}",
          flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
