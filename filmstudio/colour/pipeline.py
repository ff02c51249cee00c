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

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from filmstudio.colour.compiler import compile_ops
from filmstudio.colour.config import active_config, ocio
from filmstudio.colour.ops import MatrixOp, TorchOp
from filmstudio.core.errors import ColourError
from filmstudio.core.memo import KeyedMemo

_CACHE_SIZE = 64


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
        if image.shape[0] < 4:
            return self.apply_rgb(rgb).to(image.dtype)
        out = torch.empty_like(image)
        if self.linear:
            out[:3] = self.apply_rgb(rgb)
        else:
            alpha = image[3:4].float()
            safe = torch.where(alpha > 0, alpha, 1.0)
            if out.dtype == torch.float32 and not self.uses_torch(out.device):
                # OCIO converts in place: un-premultiply into the result, convert, premultiply
                colour = torch.div(rgb, safe, out=out[:3])
                apply_cpu_processor(self.cpu, colour, in_place=True).mul_(safe)
            else:
                torch.mul(self.apply_rgb(rgb / safe, owned=True), safe, out=out[:3])
        out[3:] = image[3:]
        return out

    def apply_rgb(self, rgb: Any, owned: bool = False, out: Any | None = None) -> Any:
        """Convert straight float32 RGB ``[3, ...]``; returns a new tensor on the same device, or
        ``out`` (same shape, any layout, not overlapping ``rgb``) with the result written into it.
        With ``owned`` the caller hands ``rgb`` over, and it may be converted in place."""
        if self.identity:
            if out is not None:
                return out.copy_(rgb)
            return rgb if owned else rgb.clone()
        if self.ops is not None and self.uses_torch(rgb.device):
            result, mine = rgb, owned
            *head, last = self.ops
            for op in head:  # the intermediates are this call's own: converted in place
                result = op.apply_(result) if mine else op(result)
                mine = True
            if out is not None:
                return last.into(result, out, owned=mine)
            result = last.apply_(result) if mine else last(result)
            return result if result is not rgb or owned else rgb.clone()
        result = apply_cpu_processor(self.cpu, rgb, in_place=owned)
        return out.copy_(result) if out is not None else result


def apply_cpu_processor(cpu: Any, rgb: Any, in_place: bool = False) -> Any:
    """Run an OCIO CPU processor over straight RGB ``[3, H, W]`` (any device; CUDA frames make a
    round trip through host memory), on the calling thread. With ``in_place`` a contiguous float32
    CPU tensor is converted where it is, without a copy."""
    module = ocio()
    torch = _torch()
    reusable = in_place and rgb.device.type == "cpu" and rgb.dtype == torch.float32 and rgb.is_contiguous()
    host = rgb.detach() if reusable else rgb.detach().to("cpu", torch.float32, copy=True).contiguous()
    r, g, b = host.view(3, host.shape[-2] if host.dim() > 1 else 1, -1).numpy()
    # One call: OCIO releases the GIL, so engine threads converting other frames run alongside;
    # a thread pool per call costs more than it saves (threads may not outlive a conversion).
    cpu.apply(module.PlanarImageDesc(r, g, b, r.shape[1], r.shape[0]))
    return host.view(rgb.shape).to(rgb.device)


def _torch() -> Any:
    import torch

    return torch


# --- the cache --------------------------------------------------------------------------------------

_pipelines = KeyedMemo(_CACHE_SIZE)


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

    def build() -> Pipeline:
        module = ocio()
        try:
            return Pipeline.from_processor(active.config.getProcessor(make_transform(active.config)))
        except (module.Exception, module.ExceptionMissingFile) as failure:
            message = ocio_message(failure)
            if error is not None:
                raise error(message) from None
            raise ColourError(f"{what or 'colour conversion'} failed in OCIO: {message}") from None

    return _pipelines.get((active.source, id(active.config), key), build)


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
    _pipelines.clear()
