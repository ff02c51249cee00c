"""The ``filmstudio`` command: the editor, headless renders, project and media information.

Exit codes a script can rely on: 0 success, 1 a problem FilmStudio explains on stderr (bad project,
missing media, unwritable output), 2 a bad command line, 130 interrupted (Ctrl+C; no partial output
is left behind).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from filmstudio import __version__
from filmstudio.core.errors import Cancelled, FilmStudioError
from filmstudio.models.cli import add_models_parser, run_models

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


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

    info = commands.add_parser("info", help="describe a project or a media file")
    info.add_argument("path")
    commands.add_parser("nodes", help="list the installed node types")
    add_models_parser(commands)
    return parser


COMMANDS = ("render", "info", "nodes", "models")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    editor_project = None
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        editor_project, argv = argv[0], argv[1:]  # `filmstudio shot.fsproj` opens it in the editor
    args = build_parser().parse_args(argv)
    try:
        if args.command == "render":
            return _render(args)
        if args.command == "info":
            return _info(args.path)
        if args.command == "nodes":
            return _list_nodes()
        if args.command == "models":
            return run_models(args)
        return _editor(editor_project)
    except (KeyboardInterrupt, Cancelled):
        print("\nfilmstudio: interrupted; no output was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except FilmStudioError as error:
        print(f"filmstudio: error: {error}", file=sys.stderr)
        return EXIT_ERROR


def _editor(project: str | None) -> int:
    import os

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
    result = render(project, args.write, args.output, frames, args.scale, progress=bar)
    if bar is not None:
        bar.done()
    print(f"wrote {result.path} ({result.frames} frames in {result.seconds:.1f} s, {result.fps:.1f} fps)")
    return EXIT_OK


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


def _info(path: str) -> int:
    if Path(path).suffix == ".fsproj":
        return _project_info(path)
    from filmstudio.media import probe

    info = probe(path)
    print(
        f"{info.path}: {info.kind}, {info.codec}, {info.width}x{info.height}"
        f"{f' (pixel aspect {info.pixel_aspect})' if info.pixel_aspect != 1 else ''}"
    )
    if info.fps is not None:
        rate = "variable" if info.variable_frame_rate else "constant"
        print(f"  {info.frame_count} frames at {float(info.fps):.3f} fps ({rate}), {info.duration_s:.3f} s")
    alpha = ", alpha" if info.has_alpha else ""
    rotated = f", rotated {info.rotation}" if info.rotation else ""
    print(f"  {info.pix_fmt}, {info.bit_depth}-bit{alpha}, colour {info.colour_space}{rotated}")
    for audio in info.audio:
        sound = f"{audio.codec}, {audio.sample_rate} Hz, {audio.channels} ch, {audio.duration_s:.3f} s"
        print(f"  audio #{audio.index}: {sound}")
    if info.missing_frames:
        print(f"  missing frames: {', '.join(map(str, info.missing_frames[:20]))}")
    return EXIT_OK


def _project_info(path: str) -> int:
    from filmstudio.core.project import Project

    project = Project.load(path)
    s = project.settings
    print(f"{path}: {len(project.graph.nodes)} nodes, {len(project.graph.links)} links")
    print(f"  fps {s.fps}  range {s.frame_range}  format {s.format.width}x{s.format.height}")
    for node in project.graph.nodes.values():
        flag = " (disabled)" if node.disabled else ""
        print(f"  {node.name:<16} {node.type.id}{flag}")
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


if __name__ == "__main__":
    sys.exit(main())
