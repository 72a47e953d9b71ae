"""Files: pages are read as regular files only, bounded; outputs are written atomically.

A content folder is untrusted like the pages in it: a FIFO would hang a read, ``/dev/zero``
would never end, and a symlink could lead out of the folder to any file the tool can read.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .errors import ContentError, OutputError


def read_page_bytes(path: str | Path, max_bytes: int, root: str | Path | None = None) -> bytes:
    """The bytes of the page at ``path``: a regular file (inside ``root`` when given, symlinks
    resolved), of at most ``max_bytes`` bytes; at most ``max_bytes + 1`` bytes are ever read.
    Raises ContentError naming the file."""
    path = Path(path)
    try:
        real = path.resolve(strict=True)
        if root is not None and not real.is_relative_to(Path(root).resolve()):
            raise ContentError(path, f"is a link to {real}, outside the content folder {root}")
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat below refuses it anyway.
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ContentError(path, "no such file") from None
    except IsADirectoryError:
        raise ContentError(path, "is a folder, not a page") from None
    except RuntimeError:  # a symlink loop
        raise ContentError(path, "is a symlink loop") from None
    except OSError as exc:
        raise ContentError(path, f"cannot read file: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise ContentError(path, "is a folder, not a page")
        if not stat.S_ISREG(mode):
            raise ContentError(path, f"is a {_kind(mode)}, not a regular file")
        if (size := os.fstat(fd).st_size) > max_bytes:
            raise ContentError(path, f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ContentError(path, f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise ContentError(path, f"file is over the {max_bytes:,}-byte limit")
    return data


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return name
    return "special file"


def write_atomic(data: bytes, target: str | Path) -> Path:
    """Write to a temporary file beside ``target``, then rename: never a partial file. Raises
    OutputError (an OSError) naming ``target`` when it cannot be written."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(target, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(target, exc) from None
        raise
    return target
