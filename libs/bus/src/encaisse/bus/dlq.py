"""``encaisse-dlq``: list, show, replay and discard dead letters.

    encaisse-dlq list [QUEUE ...]
    encaisse-dlq show QUEUE [--id ID ...] [--limit N]
    encaisse-dlq replay QUEUE (--id ID ... | --all)
    encaisse-dlq discard QUEUE (--id ID ... | --all)
    encaisse-dlq reroute [encaisse.unrouted | encaisse.unrouted-events]

QUEUE is a consumer queue (``ledger.portal_payments``) or its dead-letter
queue (``ledger.portal_payments.dead``). The broker is ``ENCAISSE_AMQP_URL``
or ``--amqp-url``. Without QUEUE, ``list`` shows the queues that installed
services register, then what the exchanges could not route (``encaisse.unrouted``:
commands for a service not deployed; ``encaisse.unrouted-events``: events whose
Encaisse queue was missing). ``reroute`` publishes those again to the exchange they
were sent to (both queues without argument).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from collections.abc import Sequence

from encaisse.bus.deadletters import UNROUTED_QUEUES, DeadLetter, DeadLetters, known_queues
from encaisse.bus.publisher import connect

DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="encaisse-dlq",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--amqp-url", default=os.environ.get("ENCAISSE_AMQP_URL", DEFAULT_URL))
    sub = parser.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="dead-letter queues and their counts")
    ls.add_argument("queues", nargs="*")
    show = sub.add_parser("show", help="inspect dead letters, leaving them in place")
    show.add_argument("queue")
    show.add_argument("--id", action="append", dest="ids")
    show.add_argument("--limit", type=int, default=20)
    show.add_argument("--json", action="store_true", help="one JSON object per line")
    for name, text in (
        ("replay", "send back to the queue they died in"),
        ("discard", "delete for good"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("queue")
        group = cmd.add_mutually_exclusive_group(required=True)
        group.add_argument("--id", action="append", dest="ids")
        group.add_argument("--all", action="store_true")
    reroute = sub.add_parser("reroute", help="publish what could not be routed again")
    reroute.add_argument("queues", nargs="*", help=" or ".join(UNROUTED_QUEUES))
    return parser


_VALIDATION = re.compile(r"\d+ validation errors? for ")


def summary(error: str) -> str:
    """One line for an error: a validation error by its first field at fault and what is
    wrong with it (pydantic's text ends with a documentation link, no use to an operator);
    anything else, a traceback included, by its last line."""
    lines = [
        line
        for line in error.splitlines()
        if line.strip() and not line.strip().startswith("For further information visit")
    ]
    for index, line in enumerate(lines):
        if _VALIDATION.search(line):
            field, problem = ([part.strip() for part in lines[index + 1 : index + 3]] + ["", ""])[
                :2
            ]
            problem = problem.split(" [type=", 1)[0]
            return ": ".join(part for part in (line.strip(), field, problem) if part)
    return lines[-1].strip() if lines else ""


def _print_letter(letter: DeadLetter, full: bool, as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                {
                    "message_id": letter.message_id,
                    "type": letter.type,
                    "queue": letter.queue,
                    "original_routing_key": letter.original_routing_key,
                    "reason": letter.reason,
                    "dead_at": letter.dead_at,
                    "error": letter.error,
                    "body": letter.body.decode(errors="replace"),
                }
            )
        )
        return
    print(f"{letter.message_id}  {letter.type}  reason={letter.reason}  dead_at={letter.dead_at}")
    print(f"    routing key: {letter.original_routing_key}  error: {summary(letter.error)}")
    if full:
        print("    --- error ---")
        print("\n".join("    " + line for line in letter.error.splitlines()))
        print("    --- body ---")
        print("    " + letter.body.decode(errors="replace"))


async def run(args: argparse.Namespace) -> int:
    connection = await connect(args.amqp_url)
    try:
        ops = DeadLetters(connection)
        if args.command == "list":
            counts = await ops.counts(args.queues or known_queues())
            if not args.queues:
                counts |= await ops.waiting()
            for name, count in counts.items():
                print(f"{name}\t{'missing' if count is None else count}")
            return 0
        if args.command == "reroute":
            unknown = set(args.queues) - set(UNROUTED_QUEUES)
            if unknown:
                print(
                    f"not rerouted: {', '.join(sorted(unknown))} (only "
                    f"{' and '.join(UNROUTED_QUEUES)})",
                    file=sys.stderr,
                )
                return 2
            total = 0
            for queue in args.queues or UNROUTED_QUEUES:
                for letter, exchange, key in await ops.reroute(queue):
                    print(f"rerouted {letter.message_id} ({letter.type}) -> {exchange} {key}")
                    total += 1
            print(f"{total} rerouted")
            return 0
        ids = set(args.ids) if args.ids else None
        if args.command == "show":
            letters = await ops.show(args.queue, ids, None if ids else args.limit)
            for letter in letters:
                _print_letter(letter, full=ids is not None, as_json=args.json)
            if ids and len(letters) < len(ids):
                print("some ids were not found", file=sys.stderr)
                return 1
            return 0
        action = ops.replay if args.command == "replay" else ops.discard
        done = await action(args.queue, ids)
        verb = "replayed" if args.command == "replay" else "discarded"
        for letter in done:
            print(f"{verb} {letter.message_id} ({letter.type}) -> {letter.queue}")
        print(f"{len(done)} {verb}")
        if ids and len(done) < len(ids):
            print("some ids were not found", file=sys.stderr)
            return 1
        return 0
    finally:
        await connection.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
