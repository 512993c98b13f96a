"""``/v1/imports/{kind}``: bulk import of customers, invoices or payments, streamed."""

from __future__ import annotations

from fastapi import APIRouter, Request

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.errors import DomainError
from encaisse.ledger.api.deps import Collector, RuntimeDep
from encaisse.ledger.api.schemas import ImportOut
from encaisse.ledger.import_files import BadFile, FileFormat
from encaisse.ledger.importing import CSV_COLUMNS, Importer, ImportKind

router = APIRouter(prefix="/v1/imports", tags=["imports"])

_DESCRIPTION = """Send the file as the request body, `Content-Type: text/csv` (first line:
column names) or `application/x-ndjson` (one JSON object a line, shaped like the
matching PUT/POST body plus its key: `ref` or `number`). The body is read as it
streams in and applied in chunks, each in its own transaction: valid lines land
even when others are refused, and sending the same file again changes nothing and
publishes nothing. The answer counts the lines created, updated, unchanged and
rejected, and lists each rejection with its line number, field and reason.

CSV columns: customers: {customers} (`address_lines` separated by `|`);
invoices: {invoices}; payments: {payments} (`allocations` as `F-1:100.00|F-2:50`).
""".format(**{k.value: ", ".join(sorted(v)) for k, v in CSV_COLUMNS.items()})


@router.post("/{kind}", response_model=ImportOut, summary="import a CSV or NDJSON file",
             description=_DESCRIPTION,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 "application/x-ndjson": {"schema": {"type": "string"}}}}})
async def post_import(kind: ImportKind, request: Request, staff: Collector,
                      runtime: RuntimeDep) -> ImportOut:
    importer = Importer(
        runtime.sessions, staff.tenant, kind,
        FileFormat.from_content_type(request.headers.get("content-type")),
        runtime.settings.import_chunk_size,  # type: ignore[attr-defined]
        lambda session: UnitOfWork(session, runtime.outbox),
        runtime.settings.import_parallel,  # type: ignore[attr-defined]
    )
    try:
        report = await importer.run(request.stream())
    except BadFile as exc:
        raise DomainError(("body",), str(exc)) from exc
    return ImportOut.model_validate(report, from_attributes=True)
