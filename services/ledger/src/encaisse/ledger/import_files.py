"""Reading an uploaded file as it streams in: lines, then records, in bounded batches.

CSV (first line: the column names) or NDJSON (one JSON object a line). Only one
batch of lines is held at a time, so memory stays flat however long the file is.
A CSV record may span lines inside quotes; a batch always ends on a record end.
Lines come from ``file_lines`` (encoding, length limit); a line it could not read,
or one the CSV reader refuses, is a rejected record with its number, never an error
of the whole request.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Callable, Iterator
from enum import StrEnum
from typing import Any, NamedTuple

from encaisse.ledger.file_lines import BadFile, BadLine, line_batches

__all__ = ["BATCH_BYTES", "BadFile", "FileFormat", "Record", "records"]

BATCH_BYTES = 1 << 16


class FileFormat(StrEnum):
    CSV = "csv"
    NDJSON = "ndjson"

    @classmethod
    def from_content_type(cls, content_type: str | None) -> FileFormat:
        kind = (content_type or "").split(";")[0].strip().lower()
        return cls.NDJSON if "ndjson" in kind or "json" in kind else cls.CSV


PlainReader = Callable[[int, str], tuple[Any, ...] | None]


class Record(NamedTuple):
    """A named tuple rather than a dataclass: one is made per line of millions."""

    line: int
    fields: dict[str, Any] | None  # None: the line could not be parsed
    error: str = ""


def _complete(lines: list[str], inside: bool) -> tuple[int, bool]:
    """How many leading lines end outside quotes (CSV records may span lines)."""
    if not inside and not sum(line.count('"') for line in lines) % 2:
        return len(lines), False  # the usual case: every quote closed by the end
    end = 0
    for n, line in enumerate(lines, start=1):
        if line.count('"') % 2:
            inside = not inside
        if not inside:
            end = n
    return end, inside


class CsvRecords:
    """Turns line batches into records keyed by the header's column names.

    With ``plain`` (a factory taking the header), lines its reader takes come out as the
    reader's own staging records, without CSV parsing or a dict: the rest as ``Record``.
    """

    def __init__(
        self,
        columns: frozenset[str],
        plain: Callable[[list[str]], PlainReader | None] | None = None,
    ) -> None:
        self._columns = columns
        self._plain_for = plain
        self._plain: PlainReader | None = None
        self._header: list[str] | None = None
        self._carry: list[str] = []
        self._next_line = 1

    def feed(self, lines: list[str], final: bool = False) -> Iterator[Record | tuple[Any, ...]]:
        lines = self._carry + lines
        end, _ = _complete(lines, False)
        if final:
            end = len(lines)
        self._carry = lines[end:]
        first, self._next_line = self._next_line, self._next_line + end
        if self._plain is None:
            yield from self._parse(lines[:end], first)
            return
        plain, start, inside = self._plain, 0, False
        group: list[str] = []
        for offset, text in enumerate(lines[:end]):
            if type(text) is BadLine:
                if group:
                    yield from self._parse(group, start)
                    group, inside = [], False
                yield Record(first + offset, None, text.error)
                continue
            if not inside and '"' not in text:
                staged = plain(first + offset, text)
                if staged is not None:
                    if group:
                        yield from self._parse(group, start)
                        group = []
                    yield staged
                    continue
            if not group:
                start = first + offset
            group.append(text)
            if text.count('"') % 2:
                inside = not inside
        if group:
            yield from self._parse(group, start)

    def _parse(self, lines: list[str], start: int) -> Iterator[Record]:
        """Whole records of ``lines``, the first on line ``start``: a line ``file_lines``
        could not read, or one the CSV reader refuses, is a rejected record."""
        run: list[str] = []
        for offset, text in enumerate(lines):
            if type(text) is not BadLine:
                run.append(text)
                continue
            yield from self._csv(run, start + offset - len(run))
            run = []
            if self._header is None:
                raise BadFile(f"line {start + offset}, the header: {text.error}")
            yield Record(start + offset, None, text.error)
        yield from self._csv(run, start + len(lines) - len(run))

    def _csv(self, lines: list[str], start: int) -> Iterator[Record]:
        """Records of ``lines`` through the CSV reader, which starts again after a line it
        refuses."""
        offset = 0
        while offset < len(lines):
            reader = csv.reader(lines[offset:])
            try:
                yield from self._rows(reader, start + offset)
                return
            except csv.Error as exc:
                if self._header is None:
                    raise BadFile(f"line {start + offset + reader.line_num}: {exc}") from exc
                yield Record(start + offset + max(reader.line_num - 1, 0), None, f"not CSV: {exc}")
                offset += max(reader.line_num, 1)

    def _rows(self, reader: Any, start: int) -> Iterator[Record]:
        consumed = 0
        header = self._header
        for values in reader:
            line = start + consumed
            consumed = reader.line_num
            if not values or values == [""]:
                continue
            if header is None:
                header = self._header = self._read_header(values)
                if self._plain_for is not None:
                    self._plain = self._plain_for(header)
                continue
            if len(values) != len(header):
                yield Record(line, None, f"{len(values)} columns, the header has {len(header)}")
                continue
            if "" in values:  # an empty cell is a missing value
                yield Record(line, {k: v or None for k, v in zip(header, values, strict=True)})
            else:
                yield Record(line, dict(zip(header, values, strict=True)))

    def _read_header(self, values: list[str]) -> list[str]:
        header = [v.strip() for v in values]
        unknown = [h for h in header if h not in self._columns]
        if unknown:
            raise BadFile(
                f"unknown columns: {', '.join(unknown)}; "
                f"expected some of: {', '.join(sorted(self._columns))}"
            )
        return header


def ndjson_records(lines: list[str], first_line: int) -> Iterator[Record]:
    for n, text in enumerate(lines):
        if type(text) is BadLine:
            yield Record(first_line + n, None, text.error)
            continue
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Record(first_line + n, None, f"not JSON: {exc.msg}")
            continue
        if not isinstance(value, dict):
            yield Record(first_line + n, None, "not a JSON object")
            continue
        yield Record(first_line + n, value)


async def records(
    chunks: AsyncIterator[bytes],
    fmt: FileFormat,
    columns: frozenset[str],
    plain: Callable[[list[str]], PlainReader | None] | None = None,
    charset: str | None = None,
    max_body: int | None = None,
) -> AsyncIterator[list[Record | tuple[Any, ...]]]:
    """Parsed records of an upload, a batch at a time, with their line numbers.

    ``plain``: see ``CsvRecords``; ``charset``, ``max_body``: see ``file_lines``."""
    if fmt == FileFormat.NDJSON:
        line = 1
        async for lines in line_batches(
            chunks, charset, batch_bytes=BATCH_BYTES, max_body=max_body
        ):
            yield list(ndjson_records(lines, line))
            line += len(lines)
        return
    reader = CsvRecords(columns, plain)
    async for lines in line_batches(chunks, charset, batch_bytes=BATCH_BYTES, max_body=max_body):
        yield list(reader.feed(lines))
    yield list(reader.feed([], final=True))
