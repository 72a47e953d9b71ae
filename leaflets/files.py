"""Writing outputs: atomically, so a reader never sees a partial or broken file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(data: bytes, target: str | Path) -> Path:
    """Write to a temporary file beside ``target``, then rename: never a partial file."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
