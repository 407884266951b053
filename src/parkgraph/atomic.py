"""Atomic file writes: write to a temporary file in the target directory, then rename it into place."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from parkgraph.errors import OutputError

# Errors of the disk rather than of the program: reported as an OutputError, not a traceback.
_DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG}


def _default_mode() -> int:
    """The mode a newly created file gets under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def blocking_file(directory: Path) -> Path | None:
    """The nearest of `directory` and its ancestors that exists, if it is not a directory: the file
    in the way of creating `directory` (an output's folder, an Oxigraph store's)."""
    for parent in (directory, *directory.parents):
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


def _cannot_create(target: Path, where: Path, exc: OSError) -> OutputError:
    """Why a temporary file could not be made next to `target`, said for a person."""
    blocking = blocking_file(where)
    if blocking is not None:
        return OutputError(f"cannot write it: {blocking} is a file, not a directory",
                           file=str(target), hint="choose another output path")
    if isinstance(exc, PermissionError):
        return OutputError(f"cannot write it: no permission to create files in {where}",
                           file=str(target), hint="choose a directory you can write to")
    return OutputError(f"cannot write it: {exc.strerror or exc}", file=str(target), hint="choose another output path")


@contextmanager
def atomic_write(path: Path | str, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file next to `path`; on success it replaces `path`, on error it is removed.

    A reader never sees a half-written file, and a failed write leaves the old file intact. A
    symbolic link is written through (the file it points to is replaced, the link stays); a device
    or pipe such as /dev/stdout is written in place, since it cannot be renamed over.
    """
    target = Path(path)
    binary = "b" in mode
    text_encoding = None if binary else encoding
    try:
        kind: int | None = os.stat(target).st_mode
    except OSError:
        kind = None  # nothing there yet (or a dangling link, which realpath follows)
    if kind is not None and stat.S_ISDIR(kind):
        raise OutputError("a directory, not a file to write", file=str(target), hint="give a file name")
    if kind is not None and not stat.S_ISREG(kind):
        with open(target, mode, encoding=text_encoding) as stream:
            yield stream
        return
    resolved = Path(os.path.realpath(target))
    try:
        resolved.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{resolved.name}.", suffix=".tmp", dir=resolved.parent)
    except OSError as exc:
        raise _cannot_create(target, resolved.parent, exc) from exc
    try:
        os.chmod(tmp_name, _default_mode())  # mkstemp makes 0600; give it a normal file's mode
        with os.fdopen(fd, mode, encoding=text_encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, resolved)
    except BaseException as exc:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and exc.errno in _DISK_ERRORS:
            raise OutputError(f"cannot write it: {exc.strerror}", file=str(target),
                              hint="free some space or choose another output path; the old file is unchanged") from exc
        raise
