"""An upload's bytes as lines: the declared encoding, bounded lines, nothing replaced."""

from __future__ import annotations

import asyncio

import pytest

from encaisse.ledger.file_lines import (
    BadFile,
    BadLine,
    BodyTooLarge,
    LineSplitter,
    line_batches,
)


async def _chunks(data: bytes, size: int):
    for start in range(0, len(data), size):
        yield data[start : start + size]


def lines_of(data: bytes, size: int = 7, charset: str | None = None, **kw) -> list[str]:
    async def collect() -> list[str]:
        out: list[str] = []
        async for batch in line_batches(_chunks(data, size), charset, batch_bytes=16, **kw):
            out += batch
        return out

    return asyncio.run(collect())


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 100_000])
def test_lines_come_out_whole_wherever_the_chunks_cut(size):
    data = "ref,name\nC1,Société Générale\n\nC2,Zoë\nlast".encode()
    assert lines_of(data, size) == ["ref,name\n", "C1,Société Générale\n", "\n", "C2,Zoë\n", "last"]
    assert lines_of(b"\xef\xbb\xbf" + data, size)[0] == "ref,name\n"  # the BOM dropped


def test_a_declared_latin_encoding_is_read_right_and_undeclared_it_is_refused_per_line():
    data = "ref,name\nC1,Société Générale\nC2,ACME\n".encode("iso-8859-15")
    assert lines_of(data, charset="iso-8859-15")[1] == "C1,Société Générale\n"
    assert lines_of(data, charset="windows-1252")[1] == "C1,Société Générale\n"
    read = lines_of(data)
    assert read[0] == "ref,name\n" and read[2] == "C2,ACME\n"
    assert type(read[1]) is BadLine and "not valid utf-8" in read[1].error
    assert "charset=iso-8859-15" in read[1].error
    assert not any("\ufffd" in line for line in read)


@pytest.mark.parametrize("data", ["ref,name\n".encode("utf-16"), "ref,name\n".encode("utf-16-le")])
def test_a_utf16_file_is_refused_saying_so(data):
    with pytest.raises(BadFile, match="UTF-16"):
        lines_of(data)


def test_an_unknown_charset_is_refused_naming_it():
    with pytest.raises(BadFile, match="'ebcdic'"):
        lines_of(b"a\n", charset="ebcdic")


@pytest.mark.parametrize("size", [7, 4096, 1 << 16])
def test_a_line_past_the_limit_is_refused_alone_and_never_held_whole(size):
    long = b"x" * 250_000
    read = lines_of(b"ref\n" + long + b"\nC2\n" + long, size)
    assert [type(r) is BadLine for r in read] == [False, True, False, True]
    assert read[2] == "C2\n" and "longer than 100000 bytes" in read[1].error
    splitter = LineSplitter("utf-8", max_line=1000)
    for _ in range(0, 60_000, 4096):  # an unterminated line: what is kept stays bounded
        splitter.feed(b"y" * 4096)
        assert splitter._held <= 1000
    assert type(splitter.end()[0]) is BadLine


def test_past_the_body_limit_the_lines_before_it_come_out_and_not_the_cut_one():
    data = b"ref\nC1\nC2\nC3-that-is-cut\nC4\n"
    out: list[str] = []

    async def collect() -> None:
        async for batch in line_batches(_chunks(data, 5), max_body=18):
            out.extend(batch)

    with pytest.raises(BodyTooLarge):
        asyncio.run(collect())
    assert out == ["ref\n", "C1\n", "C2\n"]
