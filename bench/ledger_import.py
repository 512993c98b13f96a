"""Ledger bulk import: invoices per second and peak memory, beside raw asyncpg COPY.

    .venv/bin/python bench/ledger_import.py [--rows 1000000] [--small 100000]

Creates its own database and vhost-free setup (the app's outbox relay is stopped
for the measure: publishing the events is the bus benchmark's business), writes a
CSV of invoices for 1,000 customers, then in one run:

1. COPY: asyncpg ``copy_to_table`` of the same CSV file into a table shaped like
   ``ledger.invoices`` (same indexes, no foreign key, no outbox);
2. import: the file streamed over HTTP to ``POST /v1/imports/invoices`` of the real
   app (uvicorn on a loopback port): validation, staging, upsert, outbox rows;
3. re-import of the same file (everything unchanged, nothing published).

Memory is the process's resident set (server and client share it), sampled every
50 ms during each import: its growth over the import and its absolute peak; a file
ten times smaller first shows whether it grows with the file.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx
import uvicorn

from encaisse.kit.migrations import upgrade
from encaisse.ledger.app import MIGRATIONS, build_app
from encaisse.ledger.settings import LedgerSettings

# the benchmark runs the ledger with its development settings (short staff token)
os.environ.setdefault("ENCAISSE_ENV", "development")
ADMIN = os.environ.get("ENCAISSE_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("ENCAISSE_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
TENANT = "BENCH"
CUSTOMERS = 1_000


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PeakMemory:
    def __init__(self) -> None:
        self.base = rss_mib()
        self.peak = self.base
        self._task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mib())
            await asyncio.sleep(0.05)

    def stop(self) -> float:
        self._task.cancel()
        self.peak = max(self.peak, rss_mib())
        return self.peak - self.base


def write_csv(path: Path, rows: int, prefix: str) -> None:
    rng = random.Random(rows)
    today = date.today()
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(
            ["number", "customer_ref", "issue_date", "due_date", "amount", "currency", "pdf_url"]
        )
        for n in range(rows):
            issued = today - timedelta(days=rng.randint(0, 365))
            out.writerow(
                [
                    f"{prefix}{n:09d}",
                    f"C{rng.randrange(CUSTOMERS):05d}",
                    issued.isoformat(),
                    (issued + timedelta(days=30)).isoformat(),
                    f"{rng.randint(100, 5_000_000) / 100:.2f}",
                    "EUR",
                    f"https://docs.example/{prefix}{n:09d}.pdf",
                ]
            )


async def setup(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.executemany(
            "INSERT INTO ledger.customers (tenant, ref, name, segment, country, language,"
            " timezone, payment_method, version) VALUES ($1, $2, $3, 'sme', 'FR', 'fr',"
            " 'Europe/Paris', 'transfer', 1)",
            [(TENANT, f"C{n:05d}", f"Customer {n}") for n in range(CUSTOMERS)],
        )
        await conn.execute("""
            CREATE TABLE public.copy_invoices (LIKE ledger.invoices INCLUDING DEFAULTS
                                               INCLUDING INDEXES INCLUDING CONSTRAINTS);
            ALTER TABLE public.copy_invoices ALTER tenant SET DEFAULT 'BENCH',
                ALTER open_balance DROP NOT NULL, ALTER status SET DEFAULT 'open',
                ALTER version SET DEFAULT 1;
        """)
    finally:
        await conn.close()


async def raw_copy(url: str, path: Path) -> float:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("TRUNCATE public.copy_invoices")
        start = time.perf_counter()
        await conn.copy_to_table(
            "copy_invoices",
            schema_name="public",
            source=str(path),
            format="csv",
            header=True,
            columns=[
                "number",
                "customer_ref",
                "issue_date",
                "due_date",
                "amount",
                "currency",
                "pdf_url",
            ],
        )
        return time.perf_counter() - start
    finally:
        await conn.close()


async def file_chunks(path: Path, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(size):
            yield chunk


async def upload(base: str, path: Path) -> tuple[float, float, float, dict]:
    """Seconds, peak RSS growth and absolute peak RSS (MiB) of the process, the answer."""
    memory = PeakMemory()
    start = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=base, timeout=3600, headers={"Authorization": "Bearer bench"}
    ) as http:
        answer = await http.post(
            "/v1/imports/invoices", content=file_chunks(path), headers={"Content-Type": "text/csv"}
        )
    elapsed = time.perf_counter() - start
    answer.raise_for_status()
    growth = memory.stop()
    return elapsed, growth, memory.peak, answer.json()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def run(rows: int, small: int, chunk_size: int) -> dict:
    name = f"encaisse_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = ADMIN.rsplit("/", 1)[0] + "/" + name
    results: dict = {"rows": rows, "small": small, "chunk_size": chunk_size}
    try:
        await asyncio.to_thread(
            upgrade, MIGRATIONS, url.replace("postgresql://", "postgresql+asyncpg://")
        )
        await setup(url)
        settings = LedgerSettings(
            database_url=url,
            amqp_url=AMQP,
            log_json=True,
            log_level="WARNING",
            import_chunk_size=chunk_size,
            staff_tokens={"bench": {"role": "collector", "tenant": TENANT, "name": "bench"}},
        )
        app = build_app(settings)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
        )
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        app.state.runtime.relay.stop()  # the events stay in the outbox during the measure
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as tmp:
            for label, count, prefix in (("small", small, "S"), ("full", rows, "F")):
                path = Path(tmp) / f"{label}.csv"
                write_csv(path, count, prefix)
                copy_s = await raw_copy(url, path)
                import_s, mem, peak, report = await upload(base, path)
                again_s, mem_again, _, again = await upload(base, path)
                assert report["created"] == count and again["unchanged"] == count, (report, again)
                results[label] = {
                    "rows": count,
                    "file_mib": round(path.stat().st_size / 2**20, 1),
                    "copy_rows_per_s": round(count / copy_s),
                    "import_rows_per_s": round(count / import_s),
                    "ratio_to_copy": round(copy_s / import_s, 2),
                    "import_rss_growth_mib": round(mem, 1),
                    "process_peak_rss_mib": round(peak, 1),
                    "reimport_rows_per_s": round(count / again_s),
                    "reimport_rss_growth_mib": round(mem_again, 1),
                }
                print(label, json.dumps(results[label]), flush=True)
        conn = await asyncpg.connect(url)
        results["outbox_rows"] = await conn.fetchval("SELECT count(*) FROM ledger.outbox")
        await conn.close()
        server.should_exit = True
        await task
    finally:
        admin = await asyncpg.connect(ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--chunk-size", type=int, default=LedgerSettings().import_chunk_size)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.rows, args.small, args.chunk_size)), indent=2))


if __name__ == "__main__":
    sys.exit(main())
