"""The fused export path: each frame decoded, converted by one compiled colour operation, encoded.

:func:`filmstudio.engine.fusion.plan_fusion` finds the run (reader, per-pixel nodes, writer);
:class:`FusedSource` reads the reader's movie on its own (a private reader with a small window, so
the shared pool and the viewer are untouched), converts YUV to planar 8-bit RGB exactly as a Read
does, and maps it through :func:`~filmstudio.colour.fused.compile_fused`'s operation straight into
a planar RGB frame of the writer's file values, which the writer encodes. No float image, no RGBA,
no torch: at 1080p a few milliseconds of colour work a frame instead of hundreds.

What the fused path does not cover is refused here with a reason (the export then evaluates the
nodes): footage that is not a movie, has alpha, is rotated or float; writers of image sequences,
alpha, deeper than 8 bits or odd sizes; chains no compiled form matches within 0.5/255.
Timeline frames where the reader shows no clip frame (``outside`` black) are evaluated normally.
"""

from __future__ import annotations

from typing import Any

import av
from av.video.reformatter import VideoReformatter

from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.engine.fusion import FusedRun, Unfused


class FusedSource:
    """Frames of a fused run, in the writer's 8-bit file values as planar ``gbrp`` frames.
    Opened on the graph's thread; :meth:`frame` is called from one thread at a time."""

    def __init__(self, run: FusedRun, fused: Any, clip: Any, reader: Any, values: Any, fps: Any) -> None:
        self.run, self.fused = run, fused
        self._clip, self._reader, self._values, self._fps = clip, reader, values, fps
        self._reformatter = VideoReformatter()  # one swscale context, used by the worker only

    @classmethod
    def open(
        cls, project: Project, run: FusedRun, plan: Any, frame: int, decoder_threads: int = 0
    ) -> FusedSource | Unfused:
        """The source for ``run`` written with ``plan`` (an :class:`EncodePlan`), or why not.
        ``frame``: the render's first frame (the reader's parameters are read there)."""
        from filmstudio.colour.fused import NotFusable, compile_fused
        from filmstudio.media.pool import shared_pool
        from filmstudio.media.reader import VideoReader

        if plan.sequence or plan.alpha or plan.array_dtype != "uint8":
            return Unfused(f"{run.writer.name} writes {plan.codec} {plan.pix_fmt}: not an 8-bit movie")
        reader_node: NodeInstance = run.reader
        values = reader_node.values_at(frame)
        path = project.resolve_path(values[reader_node.type.media_file])
        clip = shared_pool.open(path)
        info = clip.info
        if not isinstance(clip.source, VideoReader):
            return Unfused(f"{reader_node.name} reads {info.kind} files, not a movie")
        layout = clip.source.layout
        if layout.is_float or layout.has_alpha or info.rotation:
            return Unfused(f"{reader_node.name}'s footage has alpha, float pixels or a rotation")
        if plan.even_size and (info.width % 2 or info.height % 2):
            return Unfused(f"{info.width}x{info.height} footage is padded to an even size frame by frame")
        try:
            fused = compile_fused(run.function, 8 if layout.dtype == "uint8" else 16)
        except NotFusable as refusal:
            return Unfused(f"the colour of the run cannot be fused: {refusal}")
        hwaccel = None
        if plan.codec.endswith("_nvenc"):  # the GPU encodes: let it decode too (NVDEC)
            from filmstudio.media.hardware import hardware_decoding

            hwaccel = hardware_decoding()
        reader = VideoReader(path, window=8, read_ahead=0, threads=decoder_threads, hwaccel=hwaccel)
        return cls(run, fused, clip, reader, values, project.settings.fps)

    def describe(self) -> str:
        """One line for a render's log: the fused nodes and the compiled form."""
        names = " -> ".join(n.name for n in (self.run.reader, *self.run.nodes, self.run.writer))
        form = self.fused.mode + (f" {self.fused.lattice_size}^3" if self.fused.mode == "lut" else "")
        return f"fused {names} ({form}, within {self.fused.max_error:.2f}/255 of the exact chain)"

    def covers(self, frame: int) -> bool:
        """Whether the reader shows a clip frame at timeline ``frame`` (else it is evaluated)."""
        return self._clip.frame_at(self._values, frame, self._fps) is not None

    def frame(self, frame: int) -> av.VideoFrame | None:
        """Timeline ``frame`` as a planar RGB frame of file values; None where the reader shows no
        clip frame (the export evaluates that frame instead)."""
        from filmstudio.media.convert import rgb_planes

        number = self._clip.frame_at(self._values, frame, self._fps)
        if number is None:
            return None
        planes = self._reader.read_planes(number - self._clip.first, self._reformatter)
        out = av.VideoFrame(planes.width, planes.height, "gbrp")
        self.fused.apply(rgb_planes(planes), rgb_planes(out))
        return out

    def close(self) -> None:
        self._reader.close()
