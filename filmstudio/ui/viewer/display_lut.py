"""The viewer's fast display transform: the OCIO display/view as one float -> 8-bit processor.

An OCIO view can cost far more than the frame it shows: ACES 2.0's output transform runs at ~300
ns a pixel on the CPU (60+ ms for 640x360), where decoding and grading the frame take ~20 ms. So
for such views the viewer does what OCIO's GPU path and Nuke's viewer did for years: it samples
the exact transform (:func:`~filmstudio.colour.working_to_display`) once on a 65^3 lattice
spaced in log2 (0, then 2^-12 .. 2^8: shadows to super-whites) and applies it with OCIO's
tetrahedral LUT interpolation, writing 8-bit RGBX straight into the display buffer (~2 ms for
640x360). On the demo footage it is within 2 codes of the exact transform; the viewer's "Exact
display transform" switch runs the real one.

Views OCIO reduces to matrices, curves and LUTs (the default view, Rec.1886 Rec.709 /
Un-tone-mapped, is a matrix and a gamma) run exactly instead: OCIO's CPU processor is as fast as
the baked LUT there (~20 ms for 1920x1080), and a LUT would not be exact — sampling a gamut matrix
followed by a gamma curve errs by up to 50 codes on saturated colours. The default view thus
shows a Rec.709 clip's own code values, and a Write's 8-bit output, to the code.

Any thread. Baking takes ~0.1-0.6 s and happens on the first frame's request thread; the GUI thread
only ever uses a LUT that is already baked (:func:`baked` with ``wait=False``).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

LATTICE = 65
LOG2_RANGE = (-12.0, 8.0)
_SPLIT_PIXELS = 1_000_000  # frames larger than this are converted in two halves at once

_lock = threading.Lock()
_baking = threading.Lock()  # one bake at a time (two threads asking for one look wait for it)
_baked: dict[tuple[object, str, str | None], BakedDisplay] = {}


class BakedDisplay:
    """One display/view as an OCIO CPU processor: float32 planar RGB -> uint8 packed RGBA. ``exact``
    says whether it runs the view itself (else a LUT baked from it)."""

    def __init__(self, display: str, view: str | None) -> None:
        import PyOpenColorIO as ocio

        from filmstudio.colour import display_pipeline

        self._ocio = ocio
        pipeline = display_pipeline(display, view)
        self.exact = pipeline.ops is not None  # matrices, curves, LUTs: cheap in OCIO, run as is
        processor = self._exact(display, view) if self.exact else self._baked(display, view)
        # OCIO's fast pow/log (default optimisation) err by ~1e-5: far below one 8-bit code
        self._cpu = processor.getOptimizedCPUProcessor(
            ocio.BIT_DEPTH_F32, ocio.BIT_DEPTH_UINT8, ocio.OPTIMIZATION_DEFAULT
        )

    def _exact(self, display: str, view: str | None) -> object:
        from filmstudio.colour import active_config
        from filmstudio.colour.config import check_view

        ocio, active = self._ocio, active_config()
        transform = ocio.DisplayViewTransform(active.working_space, display, check_view(display, view))
        return active.config.getProcessor(transform)

    def _baked(self, display: str, view: str | None) -> object:
        import torch

        from filmstudio.colour import working_to_display

        ocio = self._ocio
        low, high = LOG2_RANGE
        steps = np.exp2(np.linspace(low, high, LATTICE, dtype=np.float64)).astype(np.float32)
        steps[0] = 0.0  # true black stays black
        red, green, blue = np.meshgrid(steps, steps, steps, indexing="ij")  # OCIO: blue varies fastest
        count = LATTICE**3
        lattice = np.stack([red.ravel(), green.ravel(), blue.ravel(), np.ones(count, np.float32)])
        shown = working_to_display(torch.from_numpy(lattice.reshape(4, 1, count)), display, view)
        table = np.ascontiguousarray(shown[:3, 0].numpy().T, dtype=np.float32)
        lut = ocio.Lut3DTransform(LATTICE)
        lut.setData(table.ravel())
        lut.setInterpolation(ocio.INTERP_TETRAHEDRAL)
        shaper = ocio.AllocationTransform()
        shaper.setAllocation(ocio.ALLOCATION_LG2)
        shaper.setVars([low, high])
        return ocio.Config.CreateRaw().getProcessor(ocio.GroupTransform([shaper, lut]))

    def apply(self, red: np.ndarray, green: np.ndarray, blue: np.ndarray, out: np.ndarray) -> None:
        """Convert float32 planes ``[H, W]`` (read only) into ``out`` ``[H, W, 4]`` uint8 (the
        fourth byte becomes 255). Large frames run as two halves in parallel (OCIO lets go of the
        GIL); the threads end with the call."""
        height, width = red.shape
        if height * width <= _SPLIT_PIXELS or height < 2:
            self._rows(red, green, blue, out, rows=slice(0, height))
            return
        half = height // 2
        with ThreadPoolExecutor(2, thread_name_prefix="viewer-display") as pool:
            for done in [
                pool.submit(self._rows, red, green, blue, out, rows=rows)
                for rows in (slice(0, half), slice(half, height))
            ]:
                done.result()

    def _rows(
        self, red: np.ndarray, green: np.ndarray, blue: np.ndarray, out: np.ndarray, rows: slice
    ) -> None:
        ocio = self._ocio
        r, g, b, target = red[rows], green[rows], blue[rows], out[rows]
        height, width = r.shape
        source = ocio.PlanarImageDesc(_planar(r), _planar(g), _planar(b), width, height)
        destination = ocio.PackedImageDesc(target, width, height, 4, ocio.BIT_DEPTH_UINT8, 1, 4, 4 * width)
        self._cpu.apply(source, destination)


def _planar(plane: np.ndarray) -> np.ndarray:
    """OCIO reads planes as contiguous float32 rows."""
    return np.ascontiguousarray(plane, dtype=np.float32)


def baked(display: str, view: str | None, wait: bool = True) -> BakedDisplay | None:
    """The baked LUT of ``display``/``view``, baking it now if needed (``wait=False``: None unless
    it is baked already — the GUI thread's way of asking)."""
    key = (_config_identity(), display, view)
    found = _baked.get(key)
    if found is not None or not wait:
        return found
    with _baking:
        found = _baked.get(key)
        if found is None:
            found = BakedDisplay(display, view)
            with _lock:
                _baked[key] = found
    return found


def _config_identity() -> object:
    """Which OCIO config is active: a LUT baked from another (``$OCIO`` changed, the config was
    reloaded) is not used."""
    from filmstudio.colour import active_config

    active = active_config()
    return (active.source, id(active.config))
