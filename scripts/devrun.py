"""``make run``: migrate, load demo data, and start every service under honcho.

Services are found under ``services/*`` (each with ``python -m encaisse.<name>``).
A service may add:
- ``src/encaisse/<name>/demo.py`` with ``main()``: run once after migrations;
- ``Procfile.dev``: extra development processes (a local SMTP server, a sandbox).

A process ``ready`` (``devrun.py --announce``) waits until every service answers
``/readyz``, then prints one line saying so and the guide again: addresses, the tokens
in force, the development mailbox, the postal sandbox, the simulated clock and how
to get a debtor's portal link.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
PORTS = {"portal": 8100, "ledger": 8101, "scheduler": 8102, "notifier": 8103, "letters": 8104}
TENANT = "DEMO"
TOKENS = {
    "dev-admin-token": {"role": "admin", "tenant": TENANT, "name": "dev admin"},
    "dev-collector-token": {"role": "collector", "tenant": TENANT, "name": "dev collector"},
    "dev-viewer-token": {"role": "viewer", "tenant": TENANT, "name": "dev viewer"},
}


def services() -> list[str]:
    found = []
    for name in PORTS:
        if (ROOT / "services" / name / "src" / "encaisse" / name / "__main__.py").exists():
            found.append(name)
    return found


async def ensure_database(url: str) -> None:
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    base, _, name = plain.rpartition("/")
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def tokens_in_force(env: Mapping[str, str]) -> list[str]:
    """One line per staff token of ``ENCAISSE_STAFF_TOKENS``: role, tenant and name; the
    token itself only when it is one of this file's development tokens."""
    tokens = json.loads(env.get("ENCAISSE_STAFF_TOKENS") or "{}")
    return [
        f"  {cfg.get('role', '?'):<10} tenant {cfg.get('tenant', '?'):<8} "
        f"{cfg.get('name', '')!s:<16} "
        + (token if token in TOKENS else "(token set in ENCAISSE_STAFF_TOKENS, not shown)")
        for token, cfg in tokens.items()
    ]


def guide(env: Mapping[str, str], names: list[str]) -> str:
    """What a newcomer needs once the services answer."""
    tokens = json.loads(env.get("ENCAISSE_STAFF_TOKENS") or "{}")
    admin = next(
        (t for t, c in tokens.items() if t in TOKENS and c.get("role") == "admin"),
        "<an admin token>",
    )
    auth = f"-H 'Authorization: Bearer {admin}'"
    lines = ["API documentation:"]
    lines += [f"  {name:<10} http://127.0.0.1:{PORTS[name]}/docs" for name in names]
    lines += ["", "Staff tokens in force, as 'Authorization: Bearer <token>':"]
    lines += tokens_in_force(env) or ["  none (ENCAISSE_STAFF_TOKENS is empty)"]
    lines += [
        "",
        "Development mailbox (what the local SMTP server received):",
        f"  http://127.0.0.1:{PORTS['notifier']}/dev/mailbox",
        "Postal sandbox (letters posted, and their outcomes):",
        "  http://127.0.0.1:8190/_sandbox/sendings",
        "Simulated clock (the scheduler's; the day run follows it):",
        f"  curl {auth} http://127.0.0.1:{PORTS['scheduler']}/v1/clock",
        f"  curl -X POST {auth} -H 'Content-Type: application/json' "
        f"-d '{{\"days\": 7}}' http://127.0.0.1:{PORTS['scheduler']}/v1/clock/advance",
        "A debtor's portal link (customer CUST-017 of the demo):",
        f"  curl -X POST {auth} -H 'Content-Type: application/json' "
        f'-d \'{{"customer_ref": "CUST-017"}}\' http://127.0.0.1:{PORTS["portal"]}/staff/links',
        "Delivery reports: POST /v1/webhooks/dev on the notifier, signed with the "
        "development secret dev-webhook-secret (see services/notifier/README.md)",
        "",
        "Dead letters: .venv/bin/encaisse-dlq list",
    ]
    return "\n".join(lines)


def announce(
    ports: Mapping[str, int], env: Mapping[str, str], *, poll: float = 0.5, timeout: float = 600.0
) -> bool:
    """Wait until every service answers /readyz, then print that it is ready, with the
    guide; False (and a line saying which are not) after ``timeout``."""
    started = time.monotonic()
    waiting = dict(ports)
    with httpx.Client(timeout=2) as http:
        while waiting and time.monotonic() - started < timeout:
            for name, port in list(waiting.items()):
                try:
                    if http.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                        del waiting[name]
                except httpx.HTTPError:
                    pass
            if waiting:
                time.sleep(poll)
    if waiting:
        print(f"not ready after {timeout:.0f} s: {', '.join(sorted(waiting))}", flush=True)
        return False
    print(
        f"Encaisse is ready ({time.monotonic() - started:.0f} s): every service answers."
        f"\n\n{guide(env, list(ports))}\n\nStop with Ctrl-C.\n",
        flush=True,
    )
    return True


def main() -> int:
    if sys.argv[1:] == ["--announce"]:
        names = services()
        announce({name: PORTS[name] for name in names}, os.environ)
        while True:  # honcho stops every process when one ends
            time.sleep(3600)
    env = dict(os.environ)
    env.setdefault("ENCAISSE_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/encaisse")
    env.setdefault("ENCAISSE_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    env.setdefault("ENCAISSE_STAFF_TOKENS", json.dumps(TOKENS))
    env.setdefault("ENCAISSE_LOG_JSON", "false")
    env.setdefault("ENCAISSE_SIMULATION", "1")
    env.setdefault("ENCAISSE_ENV", "development")
    asyncio.run(ensure_database(env["ENCAISSE_DATABASE_URL"]))
    names = services()
    if not names:
        print("no service to run yet", file=sys.stderr)
        return 1
    python = sys.executable
    procfile = []
    for name in names:
        subprocess.run([python, "-m", f"encaisse.{name}", "migrate"], env=env, check=True)
        if (ROOT / "services" / name / "src" / "encaisse" / name / "demo.py").exists():
            subprocess.run([python, "-m", f"encaisse.{name}.demo"], env=env, check=True)
        procfile.append(f"{name}: ENCAISSE_HTTP_PORT={PORTS[name]} {python} -m encaisse.{name}")
        extra = ROOT / "services" / name / "Procfile.dev"
        if extra.exists():
            procfile.extend(
                line.replace("{python}", python)
                for line in extra.read_text().splitlines()
                if line.strip()
            )
    procfile.append(f"ready: {python} {Path(__file__).resolve()} --announce")
    run_dir = ROOT / ".run"
    run_dir.mkdir(exist_ok=True)
    (run_dir / "Procfile").write_text("\n".join(procfile) + "\n")
    print(
        "\nEncaisse is starting: a line says when every service answers (about 15 s).\n", flush=True
    )
    os.execve(
        python,
        [python, "-m", "honcho", "start", "-f", str(run_dir / "Procfile"), "-d", str(ROOT)],
        env,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
