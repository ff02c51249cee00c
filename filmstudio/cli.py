"""The ``filmstudio`` command: the editor, headless renders, project and media information.

Exit codes a script can rely on: 0 success, 1 a problem FilmStudio explains on stderr (bad project,
missing media, unwritable output), 2 a bad command line, 128 + the signal's number when stopped by a
signal: 130 SIGINT (Ctrl+C), 143 SIGTERM (``kill``, ``timeout``, a render farm), 129 SIGHUP (the
terminal closed). A stop is a clean cancel: no partial output is left behind.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from filmstudio import __version__
from filmstudio.core.errors import Cancelled, FilmStudioError
from filmstudio.llm.cli import add_generate_parser, run_generate
from filmstudio.models.cli import add_models_parser, run_models

if TYPE_CHECKING:
    from filmstudio.core.graph import NodeInstance
    from filmstudio.core.project import Project
    from filmstudio.core.timebase import FrameRange

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
# What farms, `timeout`, closing a terminal and Ctrl+C send; SIGHUP does not exist on Windows.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Stopped(KeyboardInterrupt):
    """A stop signal arrived. Raised in the main thread like Ctrl+C's KeyboardInterrupt, so every
    clean-up that handles an interrupt (the render's writer abort, the engine's close) runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def stopping_cleanly() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Stopped` while the block runs (main thread only).

    The first signal stops the work; the next one is ignored so that it cannot cut the clean-up
    short (``timeout`` and farms often repeat themselves); a third exits at once, for a clean-up
    that hangs (what it leaves is removed by the next render into that folder)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        received.append(signum)
        if len(received) == 1:
            raise Stopped(signum)
        if len(received) >= 3:
            os._exit(128 + received[0])

    previous = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="filmstudio",
        description="Node-based editor for AI-assisted film making. "
        "`filmstudio [PROJECT]` opens the editor; the commands below work headless.",
    )
    parser.add_argument("--version", action="version", version=f"filmstudio {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    render = commands.add_parser("render", help="render a project's Write node to a file, headless")
    render.add_argument("project", help="the .fsproj file")
    render.add_argument("-o", "--output", help="output file (default: the Write node's file)")
    render.add_argument(
        "--range", dest="frames", help="frames to render: 1-100 or 1-100x2 (default: the project's)"
    )
    render.add_argument("--write", help="name of the Write node (needed when there are several)")
    render.add_argument("--scale", type=float, default=1.0, help="proxy scale, e.g. 0.5 for half resolution")
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    farm = render.add_argument_group("render farm (Dask distributed)")
    farm.add_argument(
        "--cluster", metavar="ADDRESS", help="render on a Dask scheduler's workers, e.g. tcp://head:8786"
    )
    farm.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="render on N single-threaded worker processes on this machine",
    )
    farm.add_argument(
        "--chunk", type=int, metavar="FRAMES", help="frames per chunk (default: ~4 chunks a worker)"
    )
    farm.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="SRC=DST",
        help="a folder the workers see elsewhere (repeatable), e.g. /studio/media=/mnt/media",
    )
    farm.add_argument(
        "--chunk-seconds",
        metavar="MIN-MAX",
        help="a chunk finishing sooner than MIN or running longer than MAX seconds is run again, e.g. 1-600",
    )

    analyse = commands.add_parser(
        "analyse",
        help="run a node's analysis pass (a Tracker's tracking, a Deflicker) and save the project",
    )
    analyse.add_argument("project", help="the .fsproj file (saved in place when the pass completes)")
    analyse.add_argument("node", help="name of the node to analyse")
    analyse.add_argument("--range", dest="frames", help="frames: 1-100 or 1-100x2 (default: the project's)")
    analyse.add_argument("--backward", action="store_true", help="from the last frame to the first")
    analyse.add_argument("--tracks", help="a Tracker's tracks to track, comma-separated (default: all)")
    analyse.add_argument("--quiet", action="store_true", help="no progress")

    info = commands.add_parser("info", help="describe a project or a media file")
    info.add_argument("path")
    commands.add_parser("nodes", help="list the installed node types")
    add_models_parser(commands)
    _add_script_parser(commands)
    _add_subtitles_parser(commands)
    add_generate_parser(commands)
    _add_application_parsers(commands)
    return parser


def _add_application_parsers(commands: argparse._SubParsersAction) -> None:
    """`new` (a project from a template), `demo` and `install-desktop` (the installed application)."""
    from filmstudio.bundle.cli import add_bundle_parsers
    from filmstudio.templates.cli import add_new_parser

    add_new_parser(commands)
    add_bundle_parsers(commands)


def _add_script_parser(commands: argparse._SubParsersAction) -> None:
    script = commands.add_parser("script", help="screenplays: export a node's Script")
    actions = script.add_subparsers(dest="script_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write a node's Script as Fountain, PDF, Final Draft (FDX) or HTML, or its shot list as "
        "CSV or an OpenTimelineIO timeline",
    )
    export.add_argument("project", help="the .fsproj file")
    export.add_argument("node", help="name of a node with a Script output (Script File, LLM Script)")
    export.add_argument(
        "--format",
        choices=("fountain", "pdf", "fdx", "html", "csv", "otio"),
        help="default: from the output's suffix",
    )
    export.add_argument("-o", "--output", required=True, help="the file to write")
    export.add_argument(
        "--reading-speed", type=int, default=160, help="words a minute for dialogue without shot durations"
    )


def _add_subtitles_parser(commands: argparse._SubParsersAction) -> None:
    subtitles = commands.add_parser("subtitles", help="subtitles: export a node's cues as a sidecar file")
    actions = subtitles.add_subparsers(dest="subtitles_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export", help="write a node's subtitles as SRT, WebVTT or ASS, timed from the project's first frame"
    )
    export.add_argument("project", help="the .fsproj file")
    export.add_argument(
        "node", help="a node with a Subtitles output (Subtitle File, Script Subtitles), or a Write"
    )
    export.add_argument("-o", "--output", required=True, help="the file to write (.srt, .vtt, .ass)")
    export.add_argument("--format", choices=("srt", "vtt", "ass", "ssa"), help="default: from the suffix")
    export.add_argument(
        "--start", type=int, help="the frame at time zero (default: the project's first frame)"
    )


COMMANDS = ("render", "analyse", "info", "nodes", "models", "script", "generate", "subtitles")
COMMANDS += ("new", "demo", "install-desktop")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    editor_project = None
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        editor_project, argv = argv[0], argv[1:]  # `filmstudio shot.fsproj` opens it in the editor
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return _editor(editor_project)  # Qt has its own signal handling
        with stopping_cleanly():
            return _run_command(args)
    except (KeyboardInterrupt, Cancelled) as stop:
        how = f" by {signal.Signals(stop.signum).name}" if isinstance(stop, Stopped) else ""
        with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
            print(f"\nfilmstudio: interrupted{how}; no output was written", file=sys.stderr)
        return 128 + stop.signum if isinstance(stop, Stopped) else EXIT_INTERRUPTED
    except FilmStudioError as error:
        print(f"filmstudio: error: {error}", file=sys.stderr)
        return EXIT_ERROR


def _run_command(args: argparse.Namespace) -> int:
    if args.command == "render":
        return _render(args)
    if args.command == "analyse":
        return _analyse(args)
    if args.command == "info":
        return _info(args.path)
    if args.command == "nodes":
        return _list_nodes()
    if args.command == "script":
        return _script_export(args)
    if args.command == "subtitles":
        return _subtitles_export(args)
    if args.command == "generate":
        return run_generate(args)
    if args.command in ("new", "demo", "install-desktop"):
        return _run_application_command(args)
    return run_models(args)


def _run_application_command(args: argparse.Namespace) -> int:
    from filmstudio.bundle.cli import run_demo, run_install_desktop
    from filmstudio.templates.cli import run_new

    if args.command == "new":
        return run_new(args, _editor, ProgressBar if sys.stderr.isatty() else None)
    if args.command == "demo":
        return run_demo(args, _editor, ProgressBar)
    return run_install_desktop(args)


def _editor(project: str | None) -> int:
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    )
    if headless:
        print(
            "filmstudio: no display to open the editor on (DISPLAY/WAYLAND_DISPLAY unset); run it in a "
            "desktop session, or render headless with `filmstudio render PROJECT`",
            file=sys.stderr,
        )
        return EXIT_ERROR
    try:
        from filmstudio.ui.app import run_editor
    except ImportError as error:
        print(
            f"filmstudio: the editor needs PySide6 ({error}); install it with "
            "`pip install 'filmstudio[gui]'`, or render headless with `filmstudio render PROJECT`",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return run_editor(project)


def _render(args: argparse.Namespace) -> int:
    from filmstudio.core.project import Project
    from filmstudio.core.timebase import FrameRange
    from filmstudio.render.export import render

    if not args.scale > 0:
        print("filmstudio: error: --scale must be positive", file=sys.stderr)
        return EXIT_USAGE
    try:
        frames = FrameRange.parse(args.frames) if args.frames else None
    except ValueError as error:
        print(f"filmstudio: error: --range: {error}", file=sys.stderr)
        return EXIT_USAGE
    project = Project.load(args.project)
    bar = None if args.quiet or not sys.stderr.isatty() else ProgressBar()
    farm_options = (args.cluster, args.workers, args.chunk, args.chunk_seconds)
    if any(option is not None for option in farm_options) or args.map:
        return _render_on_farm(args, project, frames, bar)
    result = render(project, args.write, args.output, frames, args.scale, progress=bar)
    if bar is not None:
        bar.done()
    print(f"wrote {result.path} ({result.frames} frames in {result.seconds:.1f} s, {result.fps:.1f} fps)")
    return EXIT_OK


def _render_on_farm(
    args: argparse.Namespace, project: Project, frames: FrameRange | None, bar: ProgressBar | None
) -> int:
    """``render`` with --cluster/--workers: the chunks on Dask workers (filmstudio.render.farm)."""
    from filmstudio.render.farm import FarmSettings, render_on_farm
    from filmstudio.render.farm_plan import parse_path_map

    if args.cluster is None and args.workers is None:
        print(
            "filmstudio: error: --chunk, --chunk-seconds and --map need --cluster ADDRESS or --workers N",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.cluster is not None and args.workers is not None:
        print("filmstudio: error: give --cluster or --workers, not both", file=sys.stderr)
        return EXIT_USAGE
    limits = _chunk_seconds(args.chunk_seconds)
    if limits is None:
        print(
            "filmstudio: error: --chunk-seconds: write MIN-MAX seconds, e.g. 1-600 (0-600: no minimum)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    farm = FarmSettings(
        args.cluster,
        args.workers,
        args.chunk,
        parse_path_map(args.map),
        min_chunk_seconds=limits[0],
        max_chunk_seconds=limits[1],
    )

    def log(message: str) -> None:
        print(f"{chr(10) if bar is not None else ''}filmstudio: {message}", file=sys.stderr, flush=True)

    result = render_on_farm(
        project,
        farm,
        args.write,
        args.output,
        frames,
        args.scale,
        progress=bar,
        log=log,
    )
    if bar is not None:
        bar.done()
    lost = f", {result.lost_runs} lost and run again" if result.lost_runs else ""
    print(
        f"wrote {result.path} ({result.frames} frames in {result.chunks} chunks{lost}, "
        f"{result.seconds:.1f} s, {result.fps:.1f} fps)"
    )
    return EXIT_OK


def _chunk_seconds(text: str | None) -> tuple[float, float | None] | None:
    """``--chunk-seconds MIN-MAX`` as (minimum, maximum); (0, None) when not given; None when malformed."""
    if text is None:
        return 0.0, None
    low, sep, high = text.partition("-")
    try:
        return (float(low), float(high)) if sep else None
    except ValueError:
        return None


class ProgressBar:
    """A one-line progress bar on stderr: frames, speed, time left."""

    def __init__(self, width: int = 30) -> None:
        self.width = width
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.started
        fps = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / fps if fps > 0 else 0.0
        filled = round(self.width * done / total)
        bar = "#" * filled + "." * (self.width - filled)
        sys.stderr.write(f"\r[{bar}] {done}/{total} frames  {fps:5.1f} fps  {left:4.0f} s left ")
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\n")


def _analyse(args: argparse.Namespace) -> int:
    """Run the pass, then save atomically; a stop (Ctrl+C) or an error leaves the file as it was."""
    from filmstudio.core.project import Project
    from filmstudio.core.timebase import FrameRange
    from filmstudio.core.track import TrackingPass
    from filmstudio.render.analysis import analyse

    try:
        frames = list(FrameRange.parse(args.frames)) if args.frames else None
    except ValueError as error:
        print(f"filmstudio: error: --range: {error}", file=sys.stderr)
        return EXIT_USAGE
    project = Project.load(args.project)
    node = project.graph.node(args.node)
    carry = (
        TrackingPass(tuple(n.strip() for n in args.tracks.split(",") if n.strip())) if args.tracks else None
    )
    progress = None if args.quiet else (ProgressBar() if sys.stderr.isatty() else ProgressLines())
    started = time.perf_counter()
    analyse(project, node, frames, reverse=args.backward, carry=carry, progress=progress)
    if isinstance(progress, ProgressBar):
        progress.done()
    project.save()
    shown = frames or list(project.settings.frame_range)
    print(
        f"analysed {node.name} over frames {shown[0]}-{shown[-1]} in {time.perf_counter() - started:.1f} s; "
        f"saved {args.project}"
    )
    return EXIT_OK


class ProgressLines:
    """Progress for logs (stderr not a terminal): a line at every tenth of the work."""

    def __init__(self) -> None:
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        tenth = done * 10 // total
        if tenth != self.shown:
            self.shown = tenth
            print(f"{done}/{total} frames", file=sys.stderr, flush=True)


def _clip_lines(project: Project, node: NodeInstance) -> list[str]:
    """``filmstudio info``'s line for a reader whose movie runs at another rate than the project:
    how it is placed, and what that does to its pace and sound."""
    import math

    from filmstudio.media.audio_source import clip_rate, conform_speed, same_rate
    from filmstudio.media.pool import shared_pool

    media_file = node.type.media_file
    values = node.values_at(project.settings.frame_range.first)
    if media_file is None or not values[media_file]:
        return []
    try:
        clip = shared_pool.open(project.resolve_path(values[media_file]))
    except FilmStudioError:
        return []
    fps, rate = project.settings.fps, clip_rate(clip) if clip.info.kind == "video" else None
    if rate is None or same_rate(rate, fps):
        return []
    clip_fps = f"a {float(rate):.3f} fps clip in a {float(fps):.3f} fps project"
    if clip.placed_by(values) is not None:
        return [f"      {clip_fps}, placed by time: its own pace, its sound as recorded"]
    speed = conform_speed(clip, values, fps)
    if not clip.info.audio:
        sound = "it has no sound"
    elif values["keep_pitch"]:
        sound = "its sound too, its pitch kept (keep_pitch)"
    else:
        sound = f"its sound too ({12 * math.log2(speed):+.2f} semitones; keep_pitch keeps its pitch)"
    pace = f"frame for frame: it plays at {float(speed):.4g}x, {sound}"
    return [f"      {clip_fps}, {pace}; timing=time keeps its pace"]


def _track_lines(node: NodeInstance) -> list[str]:
    """``filmstudio info``'s lines for a node's tracks (nodes with a Track output): each track's
    tracked ranges and how many frames are keyed or weak."""
    from filmstudio.core.track import TrackSet
    from filmstudio.core.types import PortType

    if not any(o.type is PortType.TRACK for o in node.type.outputs) or "tracks" not in node.state:
        return []
    minimum = node.values_at(0).get("min_confidence", 0.0)
    lines = []
    for track in TrackSet.from_json(node.state).tracks.values():
        ranges = (
            ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in track.tracked_ranges()) or "not tracked"
        )
        keyed = len(track.keyframes())
        weak = sum(1 for s in track.samples.values() if s.confidence < minimum)
        lines.append(f"      track {track.name}: frames {ranges} ({keyed} keyed, {weak} weak)")
    return lines


def _info(path: str) -> int:
    if Path(path).suffix == ".fsproj":
        return _project_info(path)
    from filmstudio.media import probe

    info = probe(path)
    print(
        f"{info.path}: {info.kind}, {info.codec}, {info.width}x{info.height}"
        f"{f' (pixel aspect {info.pixel_aspect})' if info.pixel_aspect != 1 else ''}"
    )
    if info.fps is not None and info.variable_frame_rate:
        spread = ""
        if info.min_fps is not None and info.max_fps is not None:
            spread = f": {float(info.min_fps):.3f} to {float(info.max_fps):.3f} fps"
        print(
            f"  {info.frame_count} frames at {float(info.fps):.3f} fps average "
            f"(variable frame rate{spread}), {info.duration_s:.3f} s"
        )
        print("  a Read places it by time: each project frame shows the frame on screen at that moment")
    elif info.fps is not None:
        print(f"  {info.frame_count} frames at {float(info.fps):.3f} fps (constant), {info.duration_s:.3f} s")
    alpha = ", alpha" if info.has_alpha else ""
    rotated = f", rotated {info.rotation}" if info.rotation else ""
    print(f"  {info.pix_fmt}, {info.bit_depth}-bit{alpha}, colour {info.colour_space}{rotated}")
    for audio in info.audio:
        sound = f"{audio.codec}, {audio.sample_rate} Hz, {audio.channels} ch, {audio.duration_s:.3f} s"
        print(f"  audio #{audio.index}: {sound}")
    for text in info.subtitles:
        language = f", {text.language}" if text.language else ""
        reader = f"a Subtitle File node's track {text.track}"
        print(f"  subtitles #{text.index}: {text.codec}{language} ({reader})")
    if info.missing_frames:
        print(f"  missing frames: {', '.join(map(str, info.missing_frames[:20]))}")
    return EXIT_OK


def _project_info(path: str) -> int:
    from filmstudio.core.project import Project
    from filmstudio.render.subtitles import lint_lines

    project = Project.load(path)
    s = project.settings
    print(f"{path}: {len(project.graph.nodes)} nodes, {len(project.graph.links)} links")
    print(f"  fps {s.fps}  range {s.frame_range}  format {s.format.width}x{s.format.height}")
    lint = lint_lines(project)  # subtitle nodes: cue count and lint problems by their rules
    for node in project.graph.nodes.values():
        flag = " (disabled)" if node.disabled else ""
        print(f"  {node.name:<16} {node.type.id}{flag}")
        for line in [*_clip_lines(project, node), *_track_lines(node)]:
            print(line)
        for line in lint.get(node.uuid, ()):
            print(f"      {line}")
    for warning in project.load_warnings:
        print(f"  warning: {warning}")
    return EXIT_OK


def _list_nodes() -> int:
    from filmstudio.core.registry import default_registry

    for node_type in default_registry():
        inputs = ", ".join(f"{i.name}:{i.type}" for i in node_type.inputs) or "-"
        outputs = ", ".join(f"{o.name}:{o.type}" for o in node_type.outputs)
        print(
            f"{node_type.category:<8} {node_type.id:<12} v{node_type.version}  in[{inputs}]  out[{outputs}]"
        )
    return EXIT_OK


def _script_export(args: argparse.Namespace) -> int:
    from filmstudio.core.project import Project
    from filmstudio.render.script import export_node_script

    if args.reading_speed <= 0:
        print(
            "filmstudio: error: --reading-speed must be a positive number of words a minute", file=sys.stderr
        )
        return EXIT_USAGE
    project = Project.load(args.project)
    done = export_node_script(project, args.node, args.output, args.format, args.reading_speed)
    print(f"wrote {done.path} ({done.format}: {done.scenes} scenes, {done.shots} shots)")
    return EXIT_OK


def _subtitles_export(args: argparse.Namespace) -> int:
    from filmstudio.core.project import Project
    from filmstudio.render.subtitles import export_node_subtitles

    project = Project.load(args.project)
    done = export_node_subtitles(project, args.node, args.output, args.format, args.start)
    before = f", {done.dropped} ending before time zero left out" if done.dropped else ""
    print(f"wrote {done.path} ({done.format}: {done.cues} cues{before})")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
