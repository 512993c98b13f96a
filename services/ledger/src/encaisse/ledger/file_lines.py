"""An upload's bytes as text lines: in the file's declared encoding, each line bounded,
nothing ever replaced.

French accounting exports come in UTF-8 (with or without a BOM), ISO-8859-15 or
Windows-1252; the import says which with the ``charset`` of its ``Content-Type``
(UTF-8 when it says nothing). A line that is not valid in that encoding, or longer
than ``MAX_LINE_BYTES``, comes out as a ``BadLine`` carrying why, in its place: the
line is refused with its number, the others go on, and no text is ever stored with
replacement characters. A UTF-16 file (its BOM says so) is refused whole, saying so.

Bytes are split on newlines before decoding (every accepted encoding writes ``\\n`` as
that byte), a chunk's complete lines decoded at once; an unfinished line is kept as a
list of parts and joined once, when it ends, so a line of any length costs linear time,
and one past the limit is dropped as it streams in (memory stays bounded).
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator

MAX_LINE_BYTES = 100_000  # under the csv module's field limit (131,072 characters)
CHARSETS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "iso-8859-15": "iso8859_15",
    "latin-9": "iso8859_15",
    "iso-8859-1": "latin-1",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
}
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class BadFile(ValueError):
    """The file as a whole cannot be read (no header, unknown columns, its encoding)."""


class BodyTooLarge(Exception):
    """The body passed its limit: the lines before the cut were given out, not the rest."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


class BadLine(str):
    """A line that cannot be read, in its place: empty text, and ``error`` says why."""

    error: str

    def __new__(cls, error: str) -> BadLine:
        line = super().__new__(cls, "")
        line.error = error
        return line


def codec_for(charset: str | None) -> str:
    if not charset:
        return "utf-8"
    codec = CHARSETS.get(charset.strip().strip('"').lower())
    if codec is None:
        raise BadFile(
            f"charset {charset!r} is not read here: send UTF-8, ISO-8859-15 or "
            "Windows-1252, and say which (text/csv; charset=iso-8859-15)"
        )
    return codec


class LineSplitter:
    """Feed it bytes, get back the text lines completed so far (newline kept)."""

    def __init__(self, codec: str, max_line: int = MAX_LINE_BYTES) -> None:
        self._codec, self._max = codec, max_line
        self._parts: list[bytes] = []
        self._held = 0  # bytes of the unfinished line
        self._overlong = False  # dropping the rest of a line past the limit
        self._started = False

    def feed(self, chunk: bytes) -> list[str]:
        if not self._started:
            chunk = self._start(chunk)
            if not self._started:
                return []
        head, newline, tail = chunk.rpartition(b"\n")
        if not newline:
            self._hold(chunk)
            return []
        lines: list[str] = []
        block: bytes | None
        if self._overlong:  # the line past the limit ends at this chunk's first newline
            lines.append(self._too_long())
            self._overlong = False
            end = head.find(b"\n")
            block = None if end < 0 else head[end + 1 :]
        else:
            block = b"".join(self._parts) + head if self._parts else head
        self._parts, self._held = [], 0
        if block is not None:
            lines += self._decode(block)
        self._hold(tail)
        return lines

    def end(self) -> list[str]:
        """What is left once the body has ended (a last line without newline)."""
        if not self._started:
            rest = self._start(b"", final=True)
            return self.feed(rest) + self.end() if rest else []
        if self._overlong:
            self._overlong = False
            return [self._too_long()]
        block, self._parts, self._held = b"".join(self._parts), [], 0
        if not block:
            return []
        [line] = self._decode(block)  # what is held has no newline
        return [line if isinstance(line, BadLine) else line.removesuffix("\n")]

    def _start(self, chunk: bytes, final: bool = False) -> bytes:
        """The file's first bytes: a BOM says UTF-8 (dropped) or UTF-16 (refused)."""
        first = b"".join(self._parts) + chunk
        if len(first) < 3 and not final:
            self._parts, self._held = [first], len(first)
            return b""
        self._parts, self._held, self._started = [], 0, True
        if first.startswith(_UTF16_BOMS) or (len(first) > 1 and b"\x00" in first[:2]):
            raise BadFile(
                "the file is UTF-16: export it as UTF-8 (or ISO-8859-15 and say "
                "so: text/csv; charset=iso-8859-15)"
            )
        if first.startswith(_UTF8_BOM) and self._codec == "utf-8":
            return first[len(_UTF8_BOM) :]
        return first

    def _hold(self, part: bytes) -> None:
        if self._overlong or not part:
            return
        self._held += len(part)
        if self._held > self._max:
            self._parts, self._held, self._overlong = [], 0, True
        else:
            self._parts.append(part)

    def _decode(self, block: bytes) -> list[str]:
        """Complete lines (``block`` without its last newline) as text, one per line."""
        try:
            text = block.decode(self._codec)
        except UnicodeDecodeError:
            lines = [self._decode_one(raw) for raw in block.split(b"\n")]
        else:
            lines = [line + "\n" for line in text.split("\n")]
            if max(map(len, lines)) > self._max:  # characters: at most as many as bytes
                lines = [self._decode_one(raw) for raw in block.split(b"\n")]
        return lines

    def _decode_one(self, raw: bytes) -> str:
        if len(raw) > self._max:
            return self._too_long()
        try:
            return raw.decode(self._codec) + "\n"
        except UnicodeDecodeError as exc:
            return BadLine(
                f"not valid {self._codec} at byte {exc.start + 1}: say the file's "
                "encoding (text/csv; charset=iso-8859-15)"
            )

    def _too_long(self) -> BadLine:
        return BadLine(f"longer than {self._max} bytes")


async def line_batches(
    chunks: AsyncIterator[bytes],
    charset: str | None = None,
    *,
    batch_bytes: int = 1 << 16,
    max_line: int = MAX_LINE_BYTES,
    max_body: int | None = None,
) -> AsyncIterator[list[str]]:
    """Text lines (newline kept; ``BadLine`` for one that cannot be read), in batches of
    about ``batch_bytes``. Past ``max_body`` bytes, the lines complete before the limit
    are given out, then ``BodyTooLarge`` (the line cut in two is not)."""
    splitter = LineSplitter(codec_for(charset), max_line)
    buffered: list[str] = []
    size = total = 0
    async for chunk in chunks:
        if max_body is not None and total + len(chunk) > max_body:
            room = chunk[: max_body - total]
            buffered += splitter.feed(room[: room.rfind(b"\n") + 1])
            if buffered:
                yield buffered
            raise BodyTooLarge(max_body)
        total += len(chunk)
        buffered += splitter.feed(chunk)
        size += len(chunk)
        if size >= batch_bytes:
            yield buffered
            buffered, size = [], 0
    buffered += splitter.end()
    if buffered:
        yield buffered
