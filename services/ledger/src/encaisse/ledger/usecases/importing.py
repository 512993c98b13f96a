"""Bulk import of customers, invoices and payments from a streamed CSV or NDJSON upload.

Lines are validated with the API's own models, in chunks; each chunk commits on
its own, so valid lines land even when others are refused, and a re-sent file
changes nothing (every write is an upsert that skips identical records).
Invoices go through the set-based path (``repository.invoice_batch``); customers and
payments, fewer and richer in rules, through the same functions as the API.
"""

from __future__ import annotations

import asyncio
import operator
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.clock import Clock
from encaisse.kit.failures import DomainError
from encaisse.ledger.customer_lines import (
    ADDRESS_COLUMNS,
    CONTACT_COLUMNS,
    column_of,
    customer_fields,
)
from encaisse.ledger.file_lines import BodyTooLarge
from encaisse.ledger.import_files import FileFormat, Record, records
from encaisse.ledger.invoice_lines import plain_invoice, plain_line_reader
from encaisse.ledger.models import CustomerRow, InvoiceRow, PaymentIn
from encaisse.ledger.repository.invoice_batch import STAGE_COLUMNS, LineRejection, apply_invoices
from encaisse.ledger.usecases.customers import Upsert, upsert_customer
from encaisse.ledger.usecases.payments import record_payment


class ImportKind(StrEnum):
    CUSTOMERS = "customers"
    INVOICES = "invoices"
    PAYMENTS = "payments"


CSV_COLUMNS = {
    ImportKind.CUSTOMERS: frozenset(CustomerRow.model_fields) - {"address", "contacts"}
    | set(ADDRESS_COLUMNS)
    | set(CONTACT_COLUMNS),
    ImportKind.INVOICES: frozenset(InvoiceRow.model_fields),
    ImportKind.PAYMENTS: frozenset(PaymentIn.model_fields),
}


@dataclass
class ImportReport:
    kind: ImportKind
    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[LineRejection] = field(default_factory=list)
    last_line: int = 0  # the last line read (a body cut at its size limit ends there)

    def reject(self, line: int, problems: list[tuple[str, str]]) -> None:
        self.rejected += 1
        self.rejections.extend(LineRejection(line, f, r) for f, r in problems)


def _problems(
    exc: ValidationError, column: Callable[[tuple[Any, ...]], str] | None = None
) -> list[tuple[str, str]]:
    """Each refused field with its reason, named by its path (or its CSV ``column``)."""
    return [
        (
            column(tuple(err["loc"])) if column else ".".join(str(p) for p in err["loc"]) or "line",
            err["msg"],
        )
        for err in exc.errors()
    ]


def _csv_payment(fields: dict[str, Any]) -> dict[str, Any]:
    """``allocations`` in CSV: ``F-1:100.00|F-2:50``."""
    text = fields.get("allocations")
    fields["allocations"] = [
        dict(zip(("invoice_number", "amount"), part.rsplit(":", 1), strict=False))
        for part in (text.split("|") if text else [])
    ]
    return fields


_INVOICE_VALUES = operator.attrgetter(*STAGE_COLUMNS[1:])
Sessions = async_sessionmaker[AsyncSession]
Chunk = list[tuple[Any, ...]]  # invoices: staging records; others: (line, row)


class Importer:
    """Validates records, gathers them in chunks and applies each chunk in one transaction."""

    def __init__(
        self,
        sessions: Sessions,
        tenant: str,
        kind: ImportKind,
        fmt: FileFormat,
        chunk_size: int,
        uow_factory: Callable[[AsyncSession], UnitOfWork],
        parallel: int = 1,
        *,
        clock: Clock,
        charset: str | None = None,
        max_body: int | None = None,
    ) -> None:
        self.report = ImportReport(kind)
        self._sessions = sessions
        self._tenant = tenant
        self._kind = kind
        self._fmt = fmt
        self._chunk_size = chunk_size
        self._parallel = max(1, parallel)
        self._uow = uow_factory
        self._clock = clock
        self._charset, self._max_body = charset, max_body
        models: dict[ImportKind, type[BaseModel]] = {
            ImportKind.CUSTOMERS: CustomerRow,
            ImportKind.INVOICES: InvoiceRow,
            ImportKind.PAYMENTS: PaymentIn,
        }
        self._model = models[kind]
        self._chunk: Chunk = []
        self._keys: set[str] = set()
        self._applying: asyncio.Task[None] | None = None
        # Whether the next invoice chunk is likely all new, as the last one was (see
        # ``apply_invoices``): a first import takes the cheaper path, a re-import does not.
        self._expect_new = True

    async def run(self, chunks: AsyncIterator[bytes]) -> ImportReport:
        """The report; ``BodyTooLarge`` (with ``report`` set) once what was read before
        the limit is applied."""
        plain = plain_line_reader if self._kind == ImportKind.INVOICES else None
        cut: BodyTooLarge | None = None
        try:
            async for batch in records(
                chunks, self._fmt, CSV_COLUMNS[self._kind], plain, self._charset, self._max_body
            ):
                await self._take_batch(batch)
        except BodyTooLarge as exc:
            cut = exc
        await self._flush()
        await self._settle()
        self.report.rejections.sort(key=lambda r: r.line)
        if cut is not None:
            raise cut
        return self.report

    async def _take_batch(self, batch: list[Record | tuple[Any, ...]]) -> None:
        for n, record in enumerate(batch, start=1):
            if type(record) is tuple:  # a plain invoice line, staged as it was read
                self.report.lines += 1
                self.report.last_line = record[0]
                await self._add(record[1], record)
            else:
                assert isinstance(record, Record)
                self.report.last_line = record.line
                await self._take(record)
            if n % 200 == 0:  # let the chunk in flight take its next round trip
                await asyncio.sleep(0)

    async def _take(self, record: Record) -> None:
        self.report.lines += 1
        if record.fields is None:
            self.report.reject(record.line, [("line", record.error)])
            return
        fields = record.fields
        if self._fmt == FileFormat.CSV:
            if self._kind == ImportKind.CUSTOMERS:
                fields = customer_fields(fields)
            elif self._kind == ImportKind.PAYMENTS:
                fields = _csv_payment(fields)
        entry = self._entry(record.line, fields)
        if entry is None:
            return
        key = entry[1]  # the invoice number, or the row (whose ``ref`` is the key)
        await self._add(key if isinstance(key, str) else key.ref, entry)

    async def _add(self, key: str, entry: tuple[Any, ...]) -> None:
        if key in self._keys:  # a later line on the same record: apply the earlier ones first
            await self._flush()
        self._keys.add(key)
        self._chunk.append(entry)
        if len(self._chunk) >= self._chunk_size:
            await self._flush()

    def _entry(self, line: int, fields: dict[str, Any]) -> tuple[Any, ...] | None:
        """An invoice's staging record or a ``(line, row)``; ``None`` when rejected."""
        if self._kind == ImportKind.INVOICES:
            plain = plain_invoice(line, fields)
            if plain is not None:
                return plain
        try:
            row = self._model.model_validate(fields)
        except ValidationError as exc:
            named = self._kind == ImportKind.CUSTOMERS and self._fmt == FileFormat.CSV
            self.report.reject(
                line, _problems(exc, (lambda loc: column_of(loc, fields)) if named else None)
            )
            return None
        if self._kind == ImportKind.INVOICES:
            number, customer, issued, due, amount, currency, pdf_url = _INVOICE_VALUES(row)
            return (
                line,
                number,
                customer,
                issued.isoformat(),
                due.isoformat(),
                str(amount),
                currency,
                pdf_url,
            )
        return line, row

    async def _flush(self) -> None:
        """Apply the chunk in the background while the next one is read and validated.

        At most one chunk is in flight and chunks commit in file order, so a later line
        always lands after an earlier one; reading overlaps the database's work.
        """
        chunk, self._chunk, self._keys = self._chunk, [], set()
        await self._settle()
        if chunk:
            self._applying = asyncio.create_task(self._apply(chunk))

    async def _settle(self) -> None:
        if self._applying is not None:
            applying, self._applying = self._applying, None
            await applying

    async def _apply(self, chunk: Chunk) -> None:
        if self._kind == ImportKind.INVOICES:
            # Invoice numbers are unique within a chunk, so its parts touch disjoint rows
            # and can go in parallel transactions without changing any invoice's order.
            # Contiguous parts: files are often sorted by number, and parts that interleave
            # would insert into the same pages of the primary key at the same time.
            size = -(-len(chunk) // self._parallel)
            parts = [chunk[n : n + size] for n in range(0, len(chunk), size)]
            await asyncio.gather(
                *(self._in_transaction(self._invoices, part) for part in parts if part)
            )
        elif self._kind == ImportKind.CUSTOMERS:
            await self._in_transaction(self._customers, chunk)
        else:
            await self._in_transaction(self._payments, chunk)

    async def _in_transaction(
        self, apply: Callable[[AsyncSession, Chunk], Awaitable[None]], chunk: Chunk
    ) -> None:
        async with self._sessions() as session, session.begin():
            await apply(session, chunk)

    async def _invoices(self, session: AsyncSession, chunk: Chunk) -> None:
        result = await apply_invoices(
            session, self._tenant, chunk, self._clock.now(), expect_new=self._expect_new
        )
        self._expect_new = result.updated == 0 and result.unchanged == 0
        self.report.created += result.created
        self.report.updated += result.updated
        self.report.unchanged += result.unchanged
        self.report.rejected += len(result.rejections)
        self.report.rejections.extend(result.rejections)

    async def _customers(self, session: AsyncSession, chunk: Chunk) -> None:
        uow = self._uow(session)
        for _, row in chunk:
            self._count(await upsert_customer(uow, self._tenant, row.ref, row))

    async def _payments(self, session: AsyncSession, chunk: Chunk) -> None:
        uow = self._uow(session)
        for line, row in chunk:
            try:
                async with session.begin_nested():
                    created = await record_payment(uow, self._tenant, row)
            except DomainError as exc:
                self.report.reject(
                    line, [(".".join(str(p) for p in exc.field) or "line", exc.message)]
                )
                continue
            self._count(Upsert.CREATED if created else Upsert.UNCHANGED)

    def _count(self, change: Upsert) -> None:
        """One more line counted under what it did: created, updated or unchanged."""
        setattr(self.report, change.value, getattr(self.report, change.value) + 1)
