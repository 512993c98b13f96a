"""``/v1/imports/{kind}``: bulk import of customers, invoices or payments, streamed."""

from __future__ import annotations

from email.message import Message
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.failures import DomainError
from encaisse.ledger.api.deps import Collector, Parts, RuntimeDep
from encaisse.ledger.api.schemas import ImportOut
from encaisse.ledger.file_lines import MAX_LINE_BYTES, BodyTooLarge
from encaisse.ledger.import_files import BadFile, FileFormat
from encaisse.ledger.usecases.importing import CSV_COLUMNS, Importer, ImportKind

router = APIRouter(prefix="/v1/imports", tags=["imports"])

_DESCRIPTION = """Send the file as the request body, `Content-Type: text/csv` (first line:
column names) or `application/x-ndjson` (one JSON object a line, shaped like the
matching PUT/POST body plus its key: `ref` or `number`). The body is read as it
streams in and applied in chunks, each in its own transaction: valid lines land
even when others are refused, and sending the same file again changes nothing and
publishes nothing. The answer counts the lines created, updated, unchanged and
rejected, and lists each rejection with its line number, field and reason.

Encoding: UTF-8 (a BOM is fine) unless the `Content-Type` says otherwise:
`text/csv; charset=iso-8859-15` (or `windows-1252`, `iso-8859-1`). A line that is not
valid in that encoding is rejected with its number, never stored altered; a UTF-16
file is refused whole. Limits: a line of at most {max_line} bytes (a longer one is
rejected), a body of at most `ENCAISSE_IMPORT_MAX_BYTES` (1 GiB): over it, 413 at once
when `Content-Length` says so; else the lines before the limit are applied and the
413 carries their report.

CSV columns: customers: {customers} (`address_lines` separated by `|`);
invoices: {invoices}; payments: {payments} (`allocations` as `F-1:100.00|F-2:50`).
""".format(
    max_line=MAX_LINE_BYTES, **{k.value: ", ".join(sorted(v)) for k, v in CSV_COLUMNS.items()}
)


def _charset(content_type: str | None) -> str | None:
    message = Message()
    message["content-type"] = content_type or "text/csv"
    return message.get_param("charset")  # type: ignore[return-value]  # a charset parameter is a str


def _too_large(limit: int, report: ImportOut | None, last_line: int = 0) -> JSONResponse:
    msg = f"the body is larger than {limit} bytes" + (
        f": lines 1 to {last_line} were read and applied as reported; send the rest in another file"
        if report is not None
        else ""
    )
    body: dict[str, Any] = {"detail": [{"loc": ["body"], "msg": msg, "type": "too_large"}]}
    if report is not None:
        body["report"] = report.model_dump(mode="json")
    return JSONResponse(body, status_code=413)


@router.post(
    "/{kind}",
    response_model=ImportOut,
    summary="import a CSV or NDJSON file",
    description=_DESCRIPTION,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def post_import(
    kind: ImportKind, request: Request, staff: Collector, runtime: RuntimeDep, parts: Parts
) -> ImportOut | JSONResponse:
    settings = parts.settings
    limit = settings.import_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return _too_large(limit, None)
    content_type = request.headers.get("content-type")
    importer = Importer(
        runtime.sessions,
        staff.tenant,
        kind,
        FileFormat.from_content_type(content_type),
        settings.import_chunk_size,
        lambda session: UnitOfWork(session, runtime.outbox, now=parts.clock.now),
        settings.import_parallel,
        clock=parts.clock,
        charset=_charset(content_type),
        max_body=limit,
    )
    try:
        report = await importer.run(request.stream())
    except BadFile as exc:
        raise DomainError((), str(exc)) from exc
    except BodyTooLarge:
        done = importer.report
        return _too_large(
            limit, ImportOut.model_validate(done, from_attributes=True), done.last_line
        )
    return ImportOut.model_validate(report, from_attributes=True)
