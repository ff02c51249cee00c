"""``filmstudio demo [NAME] [--render OUT] [--fresh]`` and ``filmstudio install-desktop [--uninstall]``.

``demo`` opens (or renders headless) the user's writable copy of a bundled demo project
(:mod:`.demos`): the demos ship inside the package, so they work from an installed wheel with no
repository anywhere. ``install-desktop`` puts FilmStudio in the desktop's menu (:mod:`.desktop`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

EXIT_OK = 0


def add_bundle_parsers(commands: argparse._SubParsersAction) -> None:
    from filmstudio.bundle.demos import DEFAULT_DEMO, DEMOS

    names = ", ".join(f"{demo.name} ({demo.description})" for demo in DEMOS.values())
    demo = commands.add_parser("demo", help=f"open or render a bundled demo project: {', '.join(DEMOS)}")
    demo.add_argument(
        "name", nargs="?", default=DEFAULT_DEMO, choices=tuple(DEMOS), metavar="NAME", help=names
    )
    demo.add_argument(
        "--render", metavar="OUT", help="render it headless to OUT instead of opening the editor"
    )
    demo.add_argument("--fresh", action="store_true", help="replace your copy with the bundled demo first")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    desktop = commands.add_parser(
        "install-desktop", help="add FilmStudio to the desktop's application menu (for this user)"
    )
    desktop.add_argument("--uninstall", action="store_true", help="remove what install-desktop wrote")


def run_demo(
    args: argparse.Namespace, open_editor: Callable[[str], int], progress_bar: Callable[[], Any]
) -> int:
    """Copy (once) and open or render the demo; ``open_editor``/``progress_bar`` from the main CLI."""
    from filmstudio.bundle.demos import writable_demo

    path = writable_demo(args.name, fresh=args.fresh)
    if not args.render:
        print(f"opening {path}", file=sys.stderr)
        return open_editor(str(path))
    from filmstudio.core.project import Project
    from filmstudio.render.export import render

    bar = None if args.quiet or not sys.stderr.isatty() else progress_bar()
    result = render(Project.load(path), output=args.render, progress=bar)
    if bar is not None:
        bar.done()
    print(f"wrote {result.path} ({result.frames} frames in {result.seconds:.1f} s) from {path}")
    return EXIT_OK


def run_install_desktop(args: argparse.Namespace) -> int:
    from filmstudio.bundle.desktop import install_desktop, uninstall_desktop

    if args.uninstall:
        removed = uninstall_desktop()
        print(f"removed {len(removed)} files" + "".join(f"\n  {path}" for path in removed))
        return EXIT_OK
    for path in install_desktop():
        print(f"wrote {path}")
    print("FilmStudio is in the application menu (it may take a new login to show)")
    return EXIT_OK
