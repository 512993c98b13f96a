"""Reading uploads as they stream: chunk boundaries, quoted newlines, line numbers."""

from __future__ import annotations

import pytest

from encaisse.ledger import import_files
from encaisse.ledger.import_files import BadFile, FileFormat, records

COLUMNS = frozenset({"a", "b"})


async def _chunks(data: bytes, size: int):
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def _all(data: bytes, fmt: FileFormat, size: int = 3):
    return [r async for batch in records(_chunks(data, size), fmt, COLUMNS) for r in batch]


@pytest.mark.parametrize("size", [1, 2, 5, 1000])
async def test_csv_records_keep_their_first_line_number(size, monkeypatch):
    monkeypatch.setattr(import_files, "BATCH_BYTES", 4)  # batches end mid-record
    data = 'a,b\n1,é\n\n"multi\nline",x\n3\n4,"q""uote"\n5,last'.encode()
    got = [(r.line, r.fields, bool(r.error)) for r in await _all(data, FileFormat.CSV, size)]
    assert got == [
        (2, {"a": "1", "b": "é"}, False),
        (4, {"a": "multi\nline", "b": "x"}, False),
        (6, None, True),
        (7, {"a": "4", "b": 'q"uote'}, False),
        (8, {"a": "5", "b": "last"}, False),
    ]


async def test_csv_with_unknown_columns_is_refused():
    with pytest.raises(BadFile, match="colour"):
        await _all(b"a,colour\n1,2\n", FileFormat.CSV)


async def test_ndjson_lines_and_errors():
    data = b'{"a": 1}\n\n[1]\n{oops\n{"b": "\xc3\xa9"}'
    got = [(r.line, r.fields, r.error[:10]) for r in await _all(data, FileFormat.NDJSON)]
    assert got == [
        (1, {"a": 1}, ""),
        (3, None, "not a JSON"),
        (4, None, "not JSON: "),
        (5, {"b": "é"}, ""),
    ]


def test_format_from_content_type():
    assert FileFormat.from_content_type("application/x-ndjson; charset=utf-8") == "ndjson"
    assert FileFormat.from_content_type("text/csv") == "csv"
    assert FileFormat.from_content_type(None) == "csv"
