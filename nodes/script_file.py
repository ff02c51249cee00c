"""Script File: a screenplay from a .fountain file, as a Script for Titles, LLM Script and exports.

The file is read once for all frames (a script does not change with the frame) and again whenever
it changes on disk: its identity (path, size, modification time) is part of the cache key, so
saving the file in a text editor shows up at the next evaluation.
"""

from __future__ import annotations

from typing import Any

from filmstudio.api import (
    BoolParam,
    Device,
    EvalContext,
    Node,
    Output,
    ParameterError,
    PathParam,
    PortType,
)

FOUNTAIN_FILTER = "Fountain screenplays (*.fountain *.spmd *.txt)"


class ScriptFile(Node):
    """A Fountain screenplay from disk (https://fountain.io). ``lenient`` also reads the Fountain
    language models write (markdown headings, ``NAME: line`` dialogue, missing blank lines)."""

    id = "ScriptFile"
    category = "Script"
    label = "Script File"
    description = "A screenplay from a .fountain file, re-read when the file changes."
    device = Device.CPU
    outputs = (Output("script", PortType.SCRIPT),)
    params = (
        PathParam("file", file_filter=FOUNTAIN_FILTER, on_node=True, tooltip="a Fountain screenplay"),
        BoolParam("lenient", False, tooltip="repair the Fountain a language model wrote"),
    )

    def state_for_frame(self, ctx: EvalContext) -> Any:
        # The output depends on the file's contents: a saved edit must not be served from cache.
        from filmstudio.api import file_identity

        return file_identity(ctx.resolve_path(ctx.params.file)) if ctx.params.file else None

    def evaluate(self, ctx: EvalContext) -> Any:
        from filmstudio.api import Script, parse_fountain

        path = ctx.params.file
        if not path:
            raise ParameterError("the Script File node has no file: choose a .fountain screenplay")
        try:
            with open(ctx.resolve_path(path), encoding="utf-8-sig") as file:
                text = file.read()
        except FileNotFoundError:
            raise ParameterError(
                f"screenplay {path!r} was not found: choose an existing .fountain file for the Script "
                "File node (relative paths start at the project's folder)"
            ) from None
        except UnicodeDecodeError as error:
            raise ParameterError(
                f"screenplay {path!r} is not UTF-8 text (byte {error.start}): save it as UTF-8 in "
                "your text editor"
            ) from None
        except OSError as error:
            raise ParameterError(f"screenplay {path!r} could not be read: {error.strerror}") from None
        return Script(parse_fountain(text, lenient=ctx.params.lenient))
