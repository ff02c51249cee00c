"""Colour pipelines: an OCIO processor plus its torch version, applied to premultiplied images.

A :class:`Pipeline` is built once per (config, conversion) and cached. It applies its conversion
on the image's own device with torch when every op has a torch version (:mod:`.ops`), and through
OCIO's CPU processor otherwise; on the CPU, LUTs also go through OCIO, whose tetrahedral
interpolation is faster there. OCIO runs in its precise mode (no fast pow/log approximations).

Images are premultiplied RGBA (or RGB) ``[C, H, W]``; conversions act on un-premultiplied colour
and alpha passes through untouched. Pixels with zero alpha are converted as they are, so additive
(glow) pixels keep their colour. Results are new tensors in the input's dtype; inputs are never
written to. Pipelines are immutable and thread-safe; the cache is guarded by a lock.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from filmstudio.colour.config import active_config, ocio
from filmstudio.colour.ops import MatrixOp, TorchOp, compile_ops
from filmstudio.core.errors import ColourError

_CACHE_SIZE = 64
_ROWS_PER_TASK = 128  # OCIO releases the GIL: big frames are split across a few threads


@dataclass(frozen=True)
class Pipeline:
    """One colour conversion, ready to run. ``ops`` is None when it runs through OCIO only."""

    cpu: Any  # PyOpenColorIO.CPUProcessor (precise)
    ops: tuple[TorchOp, ...] | None
    identity: bool
    linear: bool  # only matrices without offsets: premultiplied colour may be converted directly

    @classmethod
    def from_processor(cls, processor: Any) -> Pipeline:
        module = ocio()
        flags = module.OptimizationFlags(
            int(module.OPTIMIZATION_DEFAULT) & ~int(module.OPTIMIZATION_FAST_LOG_EXP_POW)
        )
        optimized = processor.getOptimizedProcessor(flags)
        cpu = processor.getOptimizedCPUProcessor(module.BIT_DEPTH_F32, module.BIT_DEPTH_F32, flags)
        ops = compile_ops(optimized.createGroupTransform())
        identity = processor.isNoOp() or ops == ()
        linear = ops is not None and all(isinstance(op, MatrixOp) and op.linear for op in ops)
        return cls(cpu, ops, identity, linear)

    def uses_torch(self, device: Any) -> bool:
        """Whether this pipeline runs in torch for a tensor on ``device``."""
        if self.ops is None:
            return False
        return str(device) != "cpu" or not any(op.lut for op in self.ops)

    def apply(self, image: Any) -> Any:
        """Convert a premultiplied RGBA (or RGB) image; alpha is kept. Returns a new tensor (or
        ``image`` itself when the conversion changes nothing)."""
        if self.identity:
            return image
        torch = _torch()
        rgb = image[:3].float()
        alpha = image[3:4].float() if image.shape[0] > 3 else None
        if alpha is None or self.linear:
            out = self.apply_rgb(rgb)
        else:
            safe = torch.where(alpha > 0, alpha, torch.ones_like(alpha))
            out = self.apply_rgb(rgb / safe) * safe
        out = out.to(image.dtype)
        return out if alpha is None else torch.cat([out, image[3:]])

    def apply_rgb(self, rgb: Any) -> Any:
        """Convert straight float32 RGB ``[3, ...]``; returns a new tensor on the same device."""
        if self.identity:
            return rgb.clone()
        if self.ops is not None and self.uses_torch(rgb.device):
            out = rgb
            for op in self.ops:
                out = op(out)
            return out if out is not rgb else rgb.clone()
        return apply_cpu_processor(self.cpu, rgb)


def apply_cpu_processor(cpu: Any, rgb: Any) -> Any:
    """Run an OCIO CPU processor over straight RGB ``[3, H, W]`` (any device; CUDA frames make a
    round trip through host memory). Large frames are split by rows across a few threads."""
    module = ocio()
    torch = _torch()
    host = rgb.detach().to("cpu", torch.float32, copy=True).contiguous()
    planes = host.view(3, host.shape[-2] if host.dim() > 1 else 1, -1).numpy()
    height, width = planes.shape[1:]

    def run(rows: slice) -> None:
        r, g, b = (planes[c, rows] for c in range(3))
        cpu.apply(module.PlanarImageDesc(r, g, b, width, r.shape[0]))

    chunks = [slice(top, min(top + _ROWS_PER_TASK, height)) for top in range(0, height, _ROWS_PER_TASK)]
    workers = min(len(chunks), os.cpu_count() or 1, 8)
    if workers <= 1:
        run(slice(0, height))
    else:
        # A pool per call: frames take milliseconds, and no thread outlives the conversion.
        with ThreadPoolExecutor(workers, thread_name_prefix="ocio") as pool:
            list(pool.map(run, chunks))
    return host.view(rgb.shape).to(rgb.device)


def _torch() -> Any:
    import torch

    return torch


# --- the cache --------------------------------------------------------------------------------------

_lock = threading.Lock()
_pipelines: OrderedDict[tuple[Hashable, ...], Pipeline] = OrderedDict()


def cached_pipeline(
    key: Hashable,
    make_transform: Callable[[Any], Any],
    what: str = "",
    error: Callable[[str], Exception] | None = None,
) -> Pipeline:
    """The pipeline for ``key`` in the active config, building it from ``make_transform(config)``
    (an OCIO transform) on first use. OCIO's errors become ``error(message)`` (default: a
    :class:`ColourError` naming ``what``)."""
    active = active_config()
    full_key = (active.source, id(active.config), key)
    with _lock:
        found = _pipelines.get(full_key)
        if found is not None:
            _pipelines.move_to_end(full_key)
            return found
    module = ocio()
    try:
        processor = active.config.getProcessor(make_transform(active.config))
        pipeline = Pipeline.from_processor(processor)
    except (module.Exception, module.ExceptionMissingFile) as failure:
        message = ocio_message(failure)
        if error is not None:
            raise error(message) from None
        raise ColourError(f"{what or 'colour conversion'} failed in OCIO: {message}") from None
    with _lock:
        _pipelines[full_key] = pipeline
        while len(_pipelines) > _CACHE_SIZE:
            _pipelines.popitem(last=False)
    return pipeline


def ocio_message(error: BaseException, limit: int = 400) -> str:
    """An OCIO exception's text on one line, without its boilerplate, shortened to ``limit``."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    lines = [
        line for line in lines if not line.startswith(("All formats have been tried", "The formats for"))
    ]
    text = " ".join(lines) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def clear_cache() -> None:
    """Forget every built pipeline (after a LUT file or the config changed on disk)."""
    with _lock:
        _pipelines.clear()
