"""Files streamed both ways: paths, open files, non-seekable streams, bytes."""

import hashlib
import io
import os
from pathlib import Path
from typing import Iterator

import pytest

import omegats


class OneWayStream(io.RawIOBase):
    """A stream with no length and no seek, as a pipe or a socket: sent with chunked encoding."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "bytearray") -> int:  # type: ignore[override]
        while not self._left:
            try:
                self._left = next(self._blocks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


def test_path_round_trip_with_checksum(om: omegats.Omega, name: str, tmp_path: Path) -> None:
    payload = os.urandom(5 * 1024 * 1024 + 123)
    source = tmp_path / "blob.bin"
    source.write_bytes(payload)
    meta = om.files.put(str(source), f"dir/{name}.bin")
    assert meta["size"] == len(payload)
    assert meta["sha256"] == hashlib.sha256(payload).hexdigest()
    target = tmp_path / "back.bin"
    assert om.files.get(f"dir/{name}.bin", str(target)) == str(target)
    assert target.read_bytes() == payload
    out = io.BytesIO()
    om.files.get(f"dir/{name}.bin", out)
    assert out.getvalue() == payload


def test_open_file_bytes_and_unsized_stream(om: omegats.Omega, name: str) -> None:
    handle = io.BytesIO(b"skip-me:hello world")
    handle.seek(8)  # only what is left of an open file is sent
    assert om.files.put(handle, name + "-a", content_type="text/plain")["size"] == 11
    assert om.files.get(name + "-a") == b"hello world"
    assert om.files.metadata(name + "-a")["contentType"] == "text/plain"
    om.files.put(b"\x00\x01\x02", name + "-b")
    assert om.files.get(name + "-b") == b"\x00\x01\x02"
    blocks = (bytes([i]) * 100_000 for i in range(30))
    meta = om.files.put(io.BufferedReader(OneWayStream(blocks)), name + "-c")
    assert meta["size"] == 3_000_000
    expected = hashlib.sha256(b"".join(bytes([i]) * 100_000 for i in range(30))).hexdigest()
    assert meta["sha256"] == expected


def test_list_and_drop(om: omegats.Omega, name: str) -> None:
    om.files.put(b"x", name)
    assert name in om.files.list()
    assert om.files.drop(name) is True
    assert name not in om.files.list()
    with pytest.raises(omegats.NotFound):
        om.files.get(name)
    assert om.files.drop(name, force=True) is False
