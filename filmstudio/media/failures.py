"""Turn PyAV and operating-system failures into :class:`MediaError` messages a user can act on.

Every public entry point of :mod:`filmstudio.media` runs its PyAV and file work inside
:func:`reading` or :func:`writing`, so no ``av.error.*`` or ``OSError`` escapes the package.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import av

from filmstudio.core.errors import MediaError

__all__ = ["FrameOutOfRangeError", "MediaError", "check_readable_file", "reading", "writing"]

_DISK_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_NO_PERMISSION = {errno.EACCES, errno.EPERM, errno.EROFS}


class FrameOutOfRangeError(MediaError, IndexError):
    """A frame index outside ``0 .. len(clip) - 1`` (or outside a sequence's frame range) was asked for."""


def check_readable_file(path: str | os.PathLike[str]) -> Path:
    """Raise a :class:`MediaError` unless ``path`` is an existing, non-empty regular file."""
    file = Path(path)
    try:
        if not file.exists():
            raise MediaError(file, "file not found: check the path, or relink the footage")
        if file.is_dir():
            raise MediaError(file, "this is a folder, not a media file: choose a file inside it")
        if file.stat().st_size == 0:
            raise MediaError(
                file, "file is empty (0 bytes): it was not fully copied or rendered; copy or export it again"
            )
    except OSError as exc:
        raise MediaError(file, f"cannot look at the file ({exc.strerror or exc})") from exc
    return file


def _error_number(exc: BaseException) -> int | None:
    number = getattr(exc, "errno", None)
    return number if isinstance(number, int) else None


def describe_read_failure(path: str | os.PathLike[str], exc: BaseException, action: str) -> MediaError:
    """A :class:`MediaError` explaining why reading ``path`` failed while ``action`` (e.g. 'decoding')."""
    number = _error_number(exc)
    if isinstance(exc, FileNotFoundError) or number == errno.ENOENT:
        return MediaError(path, "file not found: check the path, or relink the footage")
    if number in _NO_PERMISSION:
        return MediaError(path, "permission denied: make the file readable for your user")
    if isinstance(exc, av.error.InvalidDataError):
        return MediaError(
            path,
            f"not a media file FFmpeg can read ({action} failed): it is damaged, truncated, or not a video "
            "or image; copy or export it again",
        )
    if isinstance(exc, av.error.DecoderNotFoundError):
        return MediaError(path, "this FFmpeg build has no decoder for the file's codec; transcode it first")
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return MediaError(path, f"{action} failed: {detail}")


def describe_write_failure(path: str | os.PathLike[str], exc: BaseException, action: str) -> MediaError:
    """A :class:`MediaError` explaining why writing ``path`` failed while ``action``."""
    number = _error_number(exc)
    folder = Path(path).parent
    if number in _DISK_FULL:
        return MediaError(
            path,
            f"the disk is full (or the file hit a size limit) while {action}; free space or choose "
            "another output folder, then render again",
        )
    if number in _NO_PERMISSION:
        return MediaError(
            path,
            f"cannot write in folder {folder} (permission denied or read-only); choose another output folder",
        )
    if isinstance(exc, FileNotFoundError | NotADirectoryError) or number in (errno.ENOENT, errno.ENOTDIR):
        return MediaError(path, f"the output folder {folder} does not exist; create it or choose another")
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return MediaError(path, f"{action} failed: {detail}")


@contextmanager
def reading(path: str | os.PathLike[str], action: str = "reading") -> Iterator[None]:
    """Run a block of read work; PyAV and OS failures leave it as :class:`MediaError` naming ``path``."""
    try:
        yield
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, EOFError) as exc:
        raise describe_read_failure(path, exc, action) from exc


@contextmanager
def writing(path: str | os.PathLike[str], action: str = "writing") -> Iterator[None]:
    """Run a block of write work; PyAV and OS failures leave it as :class:`MediaError` naming ``path``."""
    try:
        yield
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError) as exc:
        raise describe_write_failure(path, exc, action) from exc
