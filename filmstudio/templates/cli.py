"""``filmstudio new animatic "LOGLINE" -o FOLDER [--open | --render OUT]``: a project from a template.

The build runs the local models (a few minutes on a CPU: most of it is the language model), prints
each stage on stderr and what it did with the model's output, saves ``FOLDER/animatic.fsproj``
and then opens it in the editor or renders it. Missing models are named, with the command that
installs them, before anything runs. Ctrl+C stops it and saves nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
TEMPLATES = ("animatic",)


def add_new_parser(commands: argparse._SubParsersAction) -> None:
    new = commands.add_parser(
        "new",
        help="make a project from a template: `new animatic LOGLINE -o FOLDER` writes, casts, voices it",
    )
    new.add_argument("template", choices=TEMPLATES, help="animatic: a logline to an animatic in one graph")
    new.add_argument("logline", help='what happens, in a sentence: "A baker finds a ring in the dough."')
    new.add_argument(
        "-o", "--output", required=True, help="the folder to make it in (or a .fsproj path in a folder)"
    )
    then = new.add_mutually_exclusive_group()
    then.add_argument("--open", action="store_true", help="open the project in the editor when it is made")
    then.add_argument("--render", metavar="OUT", help="render it to OUT (e.g. animatic.mp4) when it is made")
    new.add_argument(
        "--plate", metavar="STILL", help="a still to stylise as the backgrounds (default: painted)"
    )
    new.add_argument("--seed", type=int, default=1, help="the seed of every take (default 1)")
    new.add_argument("--quiet", action="store_true", help="no stage lines or progress bar")


def project_path(output: str) -> Path:
    """``-o``: a folder (the project is ``animatic.fsproj`` in it) or a ``.fsproj`` path."""
    path = Path(output).expanduser()
    return path if path.suffix == ".fsproj" else path / "animatic.fsproj"


def run_new(
    args: argparse.Namespace,
    open_editor: Callable[[str], int],
    progress_bar: Callable[[], Any] | None,
) -> int:
    """Build, then open or render (``open_editor`` and ``progress_bar`` come from the main CLI)."""
    from filmstudio.templates.animatic import build_animatic

    def stage(done: int, total: int, what: str) -> None:
        if not args.quiet and done < total:
            print(f"filmstudio: [{done + 1}/{total}] {what}...", file=sys.stderr, flush=True)

    target = project_path(args.output)
    made = build_animatic(args.logline, target, plate=args.plate, seed=args.seed, progress=stage)
    cast = ", ".join(made.characters)
    print(
        f"wrote {made.path}: {len(made.characters)} character{'s' if len(made.characters) != 1 else ''} "
        f"({cast}), {len(made.shots)} shots, {made.seconds:.1f} s (frames {made.frames})"
    )
    for note in made.notes:
        print(f"  {note}")
    if args.open:
        return open_editor(str(made.path))
    if args.render:
        from filmstudio.core.project import Project
        from filmstudio.render.export import render

        bar = progress_bar() if progress_bar is not None and not args.quiet else None
        result = render(Project.load(made.path), output=args.render, progress=bar)
        if bar is not None:
            bar.done()
        print(f"wrote {result.path} ({result.frames} frames in {result.seconds:.1f} s)")
    return EXIT_OK
