"""The coordinator's end of a farm render: check each chunk's manifest against what is on disk,
join movie segments by stream copy with the sound encoded once, or move sequence images into place.

**Verifying.** A chunk counts only when its manifest says it rendered exactly its frames, of the
project that was sent (graph hash), with the encoder settings of the whole render, and every file
it lists is on the coordinator's disk with that size and sha256; a movie segment must also hold
one video packet per frame. Anything else is a failed run of that chunk (:class:`ChunkFailed`),
retried like a lost one.

**Joining.** Segments are closed-GOP (each starts with a key frame, nothing refers across), so
their packets are copied into the output unchanged, with timestamps shifted by the frames before
them; decoding timestamps must keep increasing across every join (they do when the encoder
settings are the same, which the manifests prove). The sound is encoded once for the whole
range, by the writer's own :class:`~filmstudio.media.audio_encode.AudioEncoder` (a linked mix) or
:class:`~filmstudio.media.audio.AudioPassthrough` (a Read's sound), interleaved as the writer
does: per-segment sound would restart the AAC encoder at every join (a priming gap, a click).
Subtitles are muxed in the same pass. The file is written under a hidden name that says who owns
it (:mod:`filmstudio.core.leftovers`) and renamed into place when complete.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from filmstudio.core.errors import MediaError
from filmstudio.core.leftovers import owned_temporary
from filmstudio.core.timebase import FrameRange
from filmstudio.media.failures import writing
from filmstudio.render.farm_chunk import ChunkFailed, ChunkManifest, file_digest

__all__ = ["count_video_packets", "join_movie", "move_sequence", "verify_manifest"]

_FEED_AHEAD_S = 0.5  # sound muxed ahead of the picture, as the writer does


def verify_manifest(
    manifest: ChunkManifest,
    chunk: FrameRange,
    folder: Path,
    graph_hash: str,
    settings: tuple[tuple[str, str], ...],
    movie: bool,
) -> None:
    """Raise :class:`ChunkFailed` saying what is wrong with a chunk's result (see the module);
    ``folder`` is the chunk's folder as the coordinator sees it."""
    where = f"frames {chunk}"
    if (manifest.first, manifest.last, manifest.step) != (chunk.first, chunk.last, chunk.step):
        raise ChunkFailed(f"{where}: the worker rendered frames {manifest.first}-{manifest.last} instead")
    if manifest.frame_count != len(chunk):
        raise ChunkFailed(f"{where}: the worker wrote {manifest.frame_count} frames, not {len(chunk)}")
    if manifest.graph_hash != graph_hash:
        raise ChunkFailed(f"{where}: the worker rendered a different project (graph hash mismatch)")
    if manifest.settings != settings:
        theirs, ours = dict(manifest.settings), dict(settings)
        differ = ", ".join(
            f"{k} {theirs.get(k)} instead of {ours.get(k)}" for k in ours if theirs.get(k) != ours[k]
        )
        raise ChunkFailed(f"{where}: encoded with other settings ({differ})")
    expected_files = 1 if movie else len(chunk)
    if len(manifest.files) != expected_files:
        raise ChunkFailed(f"{where}: the worker lists {len(manifest.files)} files, not {expected_files}")
    for name, size, digest in manifest.files:
        path = folder / name
        try:
            if path.stat().st_size != size or file_digest(path) != digest:
                raise ChunkFailed(f"{where}: {path} is not what the worker wrote (size or sha256 differ)")
        except OSError as error:
            raise ChunkFailed(
                f"{where}: {path} cannot be read here ({error.strerror}); the output folder must be "
                "shared between the workers and this machine (see --map)"
            ) from None
    if movie:
        packets = count_video_packets(folder / manifest.files[0][0])
        if packets != len(chunk):
            raise ChunkFailed(f"{where}: the segment holds {packets} frames, not {len(chunk)}")


def count_video_packets(path: Path) -> int:
    """Video packets (frames) in a movie, by demuxing: no decoding."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sum(1 for packet in container.demux(stream) if packet.size)


def join_movie(
    segments: Sequence[Path],
    counts: Sequence[int],
    target: Path,
    settings: Any,
    audio_from: tuple[str, tuple[float, float]] | None = None,
    sound: tuple[Any, tuple[int, int]] | None = None,
    subtitles: Any = None,
) -> Path:
    """Join ``segments`` (``counts[i]`` frames each, in order) into ``target`` by stream copy, with
    the sound of the whole range (``audio_from``: a file and its seconds to pass through;
    ``sound``: a linked Audio and its project samples) and a subtitle track; see the module.
    :class:`MediaError` naming ``target`` for what cannot be joined; ``target`` is left as it was."""
    from filmstudio.media.audio import AudioPassthrough
    from filmstudio.media.audio_encode import AudioEncoder

    feed: AudioPassthrough | AudioEncoder | None = None
    if sound is not None:
        feed = AudioEncoder(sound[0], sound[1], settings.audio_codec, target)
    elif audio_from is not None:
        feed = AudioPassthrough(audio_from[0], audio_from[1], settings.audio, target)
    temporary = owned_temporary(target.parent, target.stem, "partial", target.suffix)
    try:
        with writing(target, "joining the chunks"):
            temporary.open("xb").close()
            with av.open(str(temporary), mode="w", options=_container_options(target, feed)) as output:
                _remux(output, segments, counts, Fraction(settings.fps), feed, settings, subtitles, target)
            os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise
    finally:
        if feed is not None:
            feed.close()
    return target


def _remux(
    output: Any,
    segments: Sequence[Path],
    counts: Sequence[int],
    fps: Fraction,
    feed: Any,
    settings: Any,
    subtitles: Any,
    target: Path,
) -> None:
    video = None
    template_extradata = None
    offset = 0  # frames before the current segment
    last_dts: Fraction | None = None
    for segment, count in zip(segments, counts, strict=True):
        with av.open(str(segment)) as source:
            stream = source.streams.video[0]
            if video is None:
                video = output.add_stream_from_template(stream)
                template_extradata = stream.codec_context.extradata
                if feed is not None:
                    feed.add_stream(output, settings.audio_bitrate)
                if subtitles is not None and subtitles.track is not None:
                    subtitles.track.add_stream(output)
                    subtitles.track.mux(output)
            elif stream.codec_context.extradata != template_extradata:
                raise MediaError(target, f"{segment.name} was encoded with other codec parameters")
            base = stream.time_base
            shift = round(Fraction(offset) / fps / base)
            for packet in source.demux(stream):
                if packet.size == 0 or packet.dts is None or packet.pts is None:
                    continue  # the demuxer's end-of-stream marker
                packet.pts += shift
                packet.dts += shift
                when = packet.dts * base
                if last_dts is not None and when <= last_dts:
                    raise MediaError(
                        target, f"{segment.name}'s timestamps overlap the chunk before it; render again"
                    )
                last_dts = when
                packet.stream = video
                output.mux(packet)
                if feed is not None:
                    feed.feed_until(output, float(packet.pts * base) + _FEED_AHEAD_S)
        offset += count
    if feed is not None:
        feed.finish(output)


def _container_options(target: Path, feed: Any) -> dict[str, str]:
    """As the writer does (media/writer.py): an MP4/MOV carrying an encoded mix keeps its times
    at the sample rate, so the file says exactly how many samples its sound lasts."""
    from filmstudio.media.audio_encode import AudioEncoder

    if not isinstance(feed, AudioEncoder) or target.suffix.lower() not in (".mp4", ".m4v", ".mov"):
        return {}
    return {"movie_timescale": str(feed.rate)}


def move_sequence(
    chunks: Sequence[tuple[Path, ChunkManifest]], frames: FrameRange, pattern_path: Path, first_number: int
) -> int:
    """Move each chunk's verified images (its folder, its manifest, in chunk order) to their final
    names: image ``i`` of the render is numbered ``first_number + i``, as one machine numbers it
    (a chunk of a step range numbered its own from its first frame). Returns how many moved."""
    from filmstudio.media.sequence import SequencePattern

    pattern = SequencePattern.parse(pattern_path)
    number = first_number
    with writing(pattern_path, "moving the frames into place"):
        for folder, manifest in chunks:
            for name, _size, _digest in manifest.files:
                os.replace(folder / name, pattern.path_for(number))
                number += 1
    return number - first_number
