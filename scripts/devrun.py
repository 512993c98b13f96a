"""``make run``: migrate, load demo data, and start every service under honcho.

Services are found under ``services/*`` (each with ``python -m encaisse.<name>``).
A service may add:
- ``src/encaisse/<name>/demo.py`` with ``main()``: run once after migrations;
- ``Procfile.dev``: extra development processes (a local SMTP server, a sandbox).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg

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


def main() -> int:
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
            procfile.extend(line.replace("{python}", python)
                            for line in extra.read_text().splitlines() if line.strip())
    run_dir = ROOT / ".run"
    run_dir.mkdir(exist_ok=True)
    (run_dir / "Procfile").write_text("\n".join(procfile) + "\n")
    print("\nEncaisse is starting. API documentation:")
    for name in names:
        print(f"  {name:<10} http://127.0.0.1:{PORTS[name]}/docs")
    print(f"\nDevelopment tokens (tenant {TENANT}), as 'Authorization: Bearer <token>':")
    for token, cfg in TOKENS.items():
        print(f"  {cfg['role']:<10} {token}")
    print("\nDead letters: .venv/bin/encaisse-dlq list\nStop with Ctrl-C.\n", flush=True)
    os.execve(python, [python, "-m", "honcho", "start", "-f", str(run_dir / "Procfile"),
                       "-d", str(ROOT)], env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
