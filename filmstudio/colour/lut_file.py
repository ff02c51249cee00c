"""LUT files through OCIO file transforms: .cube, .3dl, .clf/.ctf, .csp, .spi1d/.spi3d and more.

:func:`lut_pipeline` reads a LUT once per (file contents, settings) and caches the result as a
:class:`~filmstudio.colour.pipeline.Pipeline` (torch on GPUs, OCIO's CPU processor on the CPU). A
missing or malformed file raises :class:`LUTError` naming the file and what to do. A LUT may expect
its input in another colour space than the working space (a log LUT wants ACEScct, say) and give
its output in a third: the pipeline converts in and out around it. Thread-safe. Importing this
module is cheap (nodes read its constants); the heavy parts load on first use.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from filmstudio.colour.config import active_config, ocio
from filmstudio.colour.spaces import Space, working_space
from filmstudio.core.errors import LUTError

if TYPE_CHECKING:
    from filmstudio.colour.pipeline import Pipeline

INTERPOLATIONS = ("best", "tetrahedral", "linear", "nearest")
LUT_FILE_FILTER = "LUTs (*.cube *.3dl *.clf *.ctf *.csp *.spi1d *.spi3d *.cc *.ccc *.cdl *.lut *.mga *.m3d)"

_seen_lock = threading.Lock()
_seen: dict[str, tuple[int, int]] = {}  # path -> (size, mtime) last read, to spot replaced files


def lut_pipeline(
    path: str,
    interpolation: str = "best",
    inverse: bool = False,
    input_space: Space | None = None,
    output_space: Space | None = None,
) -> Pipeline:
    """The pipeline applying the LUT file at ``path`` to working-space pixels: working ->
    ``input_space`` -> LUT (or its inverse) -> ``output_space`` -> working (spaces default to the
    working space, i.e. no conversion)."""
    from filmstudio.colour.conversions import space_transform
    from filmstudio.colour.pipeline import cached_pipeline

    module = ocio()
    if interpolation not in INTERPOLATIONS:
        raise LUTError(
            path, f"unknown interpolation {interpolation!r}: choose one of {', '.join(INTERPOLATIONS)}"
        )
    try:
        stat = os.stat(path)
    except OSError:
        raise LUTError(
            path, "the LUT file does not exist: choose an existing .cube, .3dl or .clf file"
        ) from None
    if not os.path.isfile(path):
        raise LUTError(path, "is not a file: choose a .cube, .3dl or .clf LUT file")
    identity = (stat.st_size, stat.st_mtime_ns)
    with _seen_lock:
        replaced = _seen.get(path, identity) != identity
        _seen[path] = identity
    if replaced:  # OCIO caches files and processors by path; this file changed on disk
        module.ClearAllCaches()
        active_config().config.clearProcessorCache()
    working = working_space()
    source, target = input_space or working, output_space or working

    def make(_config: Any) -> Any:
        lut = module.FileTransform(
            src=path,
            interpolation=getattr(module, f"INTERP_{interpolation.upper()}"),
            direction=module.TRANSFORM_DIR_INVERSE if inverse else module.TRANSFORM_DIR_FORWARD,
        )
        parts = []
        if source != working:
            parts.append(space_transform(working, source))
        parts.append(lut)
        if target != working:
            parts.append(space_transform(target, working))
        return module.GroupTransform(parts)

    def error(message: str) -> Exception:
        return LUTError(
            path,
            f"is not a LUT OpenColorIO can read ({message}); check the file, or export it again "
            "as .cube or .clf",
        )

    key = ("lut", path, identity, interpolation, inverse, source, target)
    return cached_pipeline(key, make, error=error)
