"""The catalogue copy in a file: written once (by the builder process,
:mod:`storefront.catalog.copy_builder`, or by a process that built or rebuilt it itself) and
read by every worker with one ``mmap`` and a small unpickling, so no worker spends the build's
CPU and the price arrays' pages are shared by the workers (the page cache's).

Layout: a header (magic, the copy's version, the sizes of the two parts, a CRC-32 of both),
then a pickle of the copy in which every ``array`` (and every ``memoryview`` of an earlier
file) is a reference into the data part, then the data part (each column 8-byte aligned). A
reader maps the data part and hands out read-only ``memoryview`` columns over it.

A file is written beside its final name and renamed over it (``os.replace``), so a reader
only ever opens a whole file; a reader also checks the header's sizes and the CRC and refuses
anything else (:class:`Unreadable`). A reader keeps the mapping (and so the file's pages, even
after it is replaced) as long as the copy is in use. The file's modification time is when the
copy was last checked against the database (``checked_at``), which a refresh compares with
its time to live.
"""

from __future__ import annotations

import io
import mmap
import os
import pickle
import struct
import tempfile
import zlib
from array import array
from pathlib import Path
from typing import Any

MAGIC = b"SFCOPY1\n"
_HEADER = struct.Struct("<8sQQQI")  # magic, version, pickle bytes, data bytes, crc32
_ALIGN = 8


class Unreadable(Exception):
    """The file is missing, partial or not a copy: never used."""


class _Writer(pickle.Pickler):
    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.chunks: list[memoryview] = []
        self.size = 0

    def persistent_id(self, obj: Any) -> Any:
        typecode: str
        if isinstance(obj, array):
            typecode, raw = obj.typecode, memoryview(obj).cast("B")
        elif isinstance(obj, memoryview):
            typecode, raw = obj.format, obj.cast("B")
        else:
            return None
        offset = self.size
        self.chunks.append(raw)
        pad = -len(raw) % _ALIGN
        if pad:
            self.chunks.append(memoryview(bytes(pad)))
        self.size += len(raw) + pad
        return (typecode, offset, len(raw))


class _Reader(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, data: memoryview) -> None:
        super().__init__(file)
        self.data = data

    def persistent_load(self, pid: Any) -> memoryview:
        typecode, offset, nbytes = pid
        if offset + nbytes > len(self.data):
            raise Unreadable("a column beyond the file's end")
        return self.data[offset : offset + nbytes].cast(typecode)


def write(path: Path, value: Any, version: int, checked_at: float) -> int:
    """Write ``value`` to ``path`` (atomically); the file's size."""
    skeleton = io.BytesIO()
    writer = _Writer(skeleton)
    writer.dump(value)
    head = skeleton.getvalue()
    head += bytes(-(_HEADER.size + len(head)) % _ALIGN)
    crc = zlib.crc32(head)
    for chunk in writer.chunks:
        crc = zlib.crc32(chunk, crc)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(_HEADER.pack(MAGIC, version, len(head), writer.size, crc))
            out.write(head)
            for chunk in writer.chunks:
                out.write(chunk)
        os.utime(tmp, (checked_at, checked_at))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return _HEADER.size + len(head) + writer.size


def header(path: Path) -> tuple[int, float]:
    """The version of the copy in ``path`` and when it was last checked (its mtime)."""
    try:
        with path.open("rb") as f:
            raw = f.read(_HEADER.size)
            checked = os.fstat(f.fileno()).st_mtime
    except OSError as exc:
        raise Unreadable(str(exc)) from exc
    if len(raw) < _HEADER.size:
        raise Unreadable("no header")
    magic, version, _head, _data, _crc = _HEADER.unpack(raw)
    if magic != MAGIC:
        raise Unreadable("not a catalogue copy")
    return version, checked


def read(path: Path) -> tuple[int, Any]:
    """The version and the copy in ``path``; its columns are views of the file's mapping."""
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size < _HEADER.size:
                raise Unreadable("no header")
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as exc:
        raise Unreadable(str(exc)) from exc
    magic, version, head_size, data_size, crc = _HEADER.unpack_from(mapped)
    if magic != MAGIC or _HEADER.size + head_size + data_size != size:
        raise Unreadable("not a whole catalogue copy")
    view = memoryview(mapped)
    head = view[_HEADER.size : _HEADER.size + head_size]
    data = view[_HEADER.size + head_size :]
    if zlib.crc32(data, zlib.crc32(head)) != crc:
        raise Unreadable("checksum mismatch")
    try:
        value = _Reader(io.BytesIO(head), data).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise Unreadable(str(exc)) from exc
    return version, value


def touch(path: Path, checked_at: float) -> None:
    """Note that the copy in ``path`` was found up to date at ``checked_at``."""
    os.utime(path, (checked_at, checked_at))
