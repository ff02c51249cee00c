"""Temporary names that say who owns them, so a later run can clear what a killed process left.

Atomic writes (project saves, renders) write under a hidden temporary name and rename it into place.
A process killed with SIGKILL (or a power cut) cannot remove its temporary file, so without an owner
in the name they pile up. Names made here carry the owner's PID and host::

    .shot.fsproj.48213@render07.3fa9c1.tmp       a project save in progress
    .shot.48213@render07.3fa9c1.partial.mp4      a render in progress (a folder for sequences)

:func:`remove_stale` deletes, in one folder, only names of this exact form whose owner is on this host
and no longer alive. A live owner (even this process: another thread may be writing), another host's
file (its PID means nothing here) and every other file are left alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import socket
from functools import cache
from pathlib import Path

__all__ = ["owned_temporary", "remove_stale"]

_NAME = re.compile(
    r"^\.(?P<stem>.+)\.(?P<pid>[0-9]+)@(?P<host>[A-Za-z0-9_-]{1,32})\.[0-9a-f]{6}\.(?P<kind>[a-z]+)"
    r"(?P<suffix>\.[^.]+)?$"
)


@cache
def _host() -> str:
    """This machine's name, reduced to characters that are safe and unambiguous in a file name."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname().split(".")[0])[:32]
    return name or "localhost"


def owned_temporary(folder: Path, stem: str, kind: str, suffix: str = "") -> Path:
    """A fresh hidden name in ``folder`` for a temporary ``kind`` ('tmp', 'partial') of ``stem``,
    owned by this process. ``suffix`` (e.g. '.mp4') stays last so tools that go by extension work."""
    return folder / f".{stem}.{os.getpid()}@{_host()}.{secrets.token_hex(3)}.{kind}{suffix}"


def remove_stale(folder: Path, kind: str) -> list[Path]:
    """Delete the ``kind`` temporaries in ``folder`` whose owning process on this host is gone.

    Best effort: a file that cannot be listed or removed is skipped (the caller's own write reports
    real problems with the folder). Returns what was removed.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _NAME.match(entry.name)
        if match is None or match["kind"] != kind or match["host"] != _host():
            continue
        if _alive(int(match["pid"])):
            continue
        path = Path(entry.path)
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    """Whether process ``pid`` of this host exists. When unsure, it does: only a certain death
    lets a file go."""
    if pid == os.getpid() or pid <= 0 or os.name == "nt":  # Windows' os.kill would terminate it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # PermissionError: alive under another user
        return True
    return True
