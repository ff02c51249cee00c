"""The ``filmstudio`` command: the editor, headless renders, project and media information.

Exit codes: 0 success, 1 a FilmStudio error (message on stderr), 2 bad command line, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from filmstudio import __version__
from filmstudio.core.errors import FilmStudioError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="filmstudio", description="Node-based editor for AI-assisted film making."
    )
    parser.add_argument("--version", action="version", version=f"filmstudio {__version__}")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("nodes", help="list the installed node types")
    info = commands.add_parser("info", help="describe a project file")
    info.add_argument("path")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "nodes":
            return _list_nodes()
        if args.command == "info":
            return _info(args.path)
        print(
            "The FilmStudio editor is not built yet; use `filmstudio --help` for what works.", file=sys.stderr
        )
        return 1
    except FilmStudioError as error:
        print(f"filmstudio: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("filmstudio: interrupted", file=sys.stderr)
        return 130


def _list_nodes() -> int:
    from filmstudio.core.registry import default_registry

    for node_type in default_registry():
        inputs = ", ".join(f"{i.name}:{i.type}" for i in node_type.inputs) or "-"
        outputs = ", ".join(f"{o.name}:{o.type}" for o in node_type.outputs)
        print(
            f"{node_type.category:<8} {node_type.id:<12} v{node_type.version}  in[{inputs}]  out[{outputs}]"
        )
    return 0


def _info(path: str) -> int:
    from filmstudio.core.project import Project

    project = Project.load(path)
    s = project.settings
    print(f"{path}: {len(project.graph.nodes)} nodes, {len(project.graph.links)} links")
    print(
        f"  fps {s.fps}  range {s.frame_range}  "
        f"format {s.format.width}x{s.format.height} (pixel aspect {s.format.pixel_aspect})"
    )
    for node in project.graph.nodes.values():
        flag = " (disabled)" if node.disabled else ""
        print(f"  {node.name:<16} {node.type.id}{flag}")
    for warning in project.load_warnings:
        print(f"  warning: {warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
