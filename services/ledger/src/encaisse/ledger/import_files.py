"""Reading an uploaded file as it streams in: lines, then records, in bounded batches.

CSV (first line: the column names) or NDJSON (one JSON object a line). Only one
batch of lines is held at a time, so memory stays flat however long the file is.
A CSV record may span lines inside quotes; a batch always ends on a record end.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import AsyncIterator, Callable, Iterator
from enum import StrEnum
from typing import Any, NamedTuple

BATCH_BYTES = 1 << 16


class FileFormat(StrEnum):
    CSV = "csv"
    NDJSON = "ndjson"

    @classmethod
    def from_content_type(cls, content_type: str | None) -> FileFormat:
        kind = (content_type or "").split(";")[0].strip().lower()
        return cls.NDJSON if "ndjson" in kind or "json" in kind else cls.CSV


class BadFile(ValueError):
    """The file as a whole cannot be read (no header, unknown columns)."""


PlainReader = Callable[[int, str], tuple[Any, ...] | None]


class Record(NamedTuple):
    """A named tuple rather than a dataclass: one is made per line of millions."""

    line: int
    fields: dict[str, Any] | None  # None: the line could not be parsed
    error: str = ""


async def line_batches(chunks: AsyncIterator[bytes]) -> AsyncIterator[list[str]]:
    """Decoded lines (newline kept), in batches of about ``BATCH_BYTES``."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    pending = ""
    buffered: list[str] = []
    size = 0
    async for chunk in chunks:
        text = pending + decoder.decode(chunk)
        lines = text.split("\n")
        pending = lines.pop()
        buffered.extend(line + "\n" for line in lines)
        size += len(chunk)
        if size >= BATCH_BYTES:
            yield buffered
            buffered, size = [], 0
    pending += decoder.decode(b"", final=True)
    if pending:
        buffered.append(pending)
    if buffered:
        yield buffered


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

    def __init__(self, columns: frozenset[str],
                 plain: Callable[[list[str]], PlainReader | None] | None = None) -> None:
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
        plain, group, start, inside = self._plain, [], 0, False
        for offset, text in enumerate(lines[:end]):
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
        """Whole records of ``lines``, the first on line ``start``, through the CSV reader."""
        reader = csv.reader(lines)
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
                yield Record(line, {k: v or None for k, v in zip(header, values)})
            else:
                yield Record(line, dict(zip(header, values)))

    def _read_header(self, values: list[str]) -> list[str]:
        header = [v.strip() for v in values]
        unknown = [h for h in header if h not in self._columns]
        if unknown:
            raise BadFile(f"unknown columns: {', '.join(unknown)}; "
                          f"expected some of: {', '.join(sorted(self._columns))}")
        return header


def ndjson_records(lines: list[str], first_line: int) -> Iterator[Record]:
    for n, text in enumerate(lines):
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
    chunks: AsyncIterator[bytes], fmt: FileFormat, columns: frozenset[str],
    plain: Callable[[list[str]], PlainReader | None] | None = None,
) -> AsyncIterator[list[Record | tuple[Any, ...]]]:
    """Parsed records of an upload, a batch at a time, with their line numbers.

    ``plain``: see ``CsvRecords``."""
    if fmt == FileFormat.NDJSON:
        line = 1
        async for lines in line_batches(chunks):
            yield list(ndjson_records(lines, line))
            line += len(lines)
        return
    reader = CsvRecords(columns, plain)
    async for lines in line_batches(chunks):
        yield list(reader.feed(lines))
    yield list(reader.feed([], final=True))
