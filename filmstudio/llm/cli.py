"""``filmstudio generate PROJECT NODE``: make a take of a generative node, headless.

The text streams to stdout as the model writes it; when the take is complete it is stored as the
node's active take and the project is saved atomically. An error or a stop (Ctrl+C, SIGTERM)
leaves the project file exactly as it was. Exit codes as the main CLI: 0 saved, 1 a problem
explained on stderr (no model, no server, a bad project), 130 interrupted by Ctrl+C.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

EXIT_OK = 0


def add_generate_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``generate`` command to the main parser."""
    generate = commands.add_parser(
        "generate",
        help="make a new take of a generative node (LLM Script, GAN, Speech, Translate) and save the project",
        description="Asks the node's model (or server) for a new take, streams its text to stdout, "
        "then saves the project with the take active. Ctrl+C stops it and leaves the project as it was.",
    )
    generate.add_argument("project", help="the .fsproj file (saved in place when the take is complete)")
    generate.add_argument("node", help="name of the node")
    generate.add_argument("--name", help="a name for the take (default: its id, e.g. take3)")
    generate.add_argument("--frame", type=int, help="frame at which the node's inputs are read")
    generate.add_argument("--quiet", action="store_true", help="do not print the text as it arrives")


def run_generate(args: argparse.Namespace) -> int:
    from filmstudio.core.project import Project
    from filmstudio.llm.generation import generate
    from filmstudio.llm.takes import get_take

    project = Project.load(args.project)
    node = project.graph.node(args.node)
    wrote: list[str] = []

    def show(piece: str) -> None:
        wrote.append(piece)
        with contextlib.suppress(OSError, ValueError):  # stdout closed: the take is still saved
            sys.stdout.write(piece)
            sys.stdout.flush()

    take_id = generate(project, node, frame=args.frame, on_text=None if args.quiet else show, name=args.name)
    project.save()
    take = get_take(node, take_id)
    if wrote and not wrote[-1].endswith("\n"):
        print()
    made = take.made_by
    how = f"{made.get('tokens', '?')} tokens, {made.get('finish', 'done')}" if made else "done"
    print(f"filmstudio: saved {take.name} of {node.name} ({how}) in {args.project}", file=sys.stderr)
    return EXIT_OK
