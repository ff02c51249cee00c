"""LLM Script: screenplays from a language model — a local model or any OpenAI-compatible server —
kept as takes, so a render never depends on a model answering the same way twice.

Generate (the editor's Script panel, ``filmstudio generate PROJECT NODE``, or
``filmstudio.llm.generate`` in a script) asks the model and stores the answer as a new take: its
text, the parsed Script and what made it (back end, model and file digest or server fingerprint,
every parameter, the seed, the upstream script's hash). Rendering reads only the active take:
``evaluate`` never calls a model. Takes are listed, switched, compared, renamed, deleted and edited
through :mod:`filmstudio.llm.takes`, or from a script on the node itself::

    writer = project.add_node("LLMScript", prompt="A heist in a bakery.", seed=7)
    first = writer.generate(on_text=lambda piece: print(piece, end=""))
    second = writer.generate(name="darker")
    print(writer.diff_takes(first, second))
    writer.use_take(first)
    writer.edit_take(first, writer.take_text(first).replace("Mara", "Ada"))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from filmstudio.api import (
    LLM_BACKENDS,
    LLM_PRESETS,
    ChoiceParam,
    Device,
    EvalContext,
    FloatParam,
    Input,
    IntParam,
    Node,
    Output,
    PathParam,
    PortType,
    TakeScripting,
    TextParam,
)

DEFAULT_MODEL = "smollm2-135m-instruct"
GGUF_FILTER = "GGUF language models (*.gguf);;All files (*)"


class LLMScript(TakeScripting, Node):
    """A screenplay written by a language model, as the active one of its takes."""

    id = "LLMScript"
    category = "Script"
    label = "LLM Script"
    description = "Screenplays from a local or server language model, kept as reproducible takes."
    # Rendering only reads the take's JSON: it never waits behind model work. filmstudio.llm's
    # generate() runs a local model on the model worker, which owns loaded models.
    device = Device.CPU
    inputs = (
        Input("source", PortType.SCRIPT, optional=True, label="script (to continue, rewrite, break down)"),
    )
    outputs = (Output("script", PortType.SCRIPT),)
    params = (
        TextParam("prompt", "", multiline=True, tooltip="a logline, or notes for the task"),
        ChoiceParam(
            "preset",
            LLM_PRESETS,
            tooltip="scene: write a scene from the prompt (a logline); continue: the next scene of the "
            "input script; rewrite: rewrite it / punch up its dialogue; shots: break it into a shot list; "
            "summarise: a short synopsis",
        ),
        TextParam("system", "", multiline=True, tooltip="replaces the preset's system prompt when not empty"),
        FloatParam(
            "temperature",
            0.7,
            animatable=False,
            minimum=0.0,
            maximum=2.0,
            tooltip="0: always the likeliest word; higher: more surprising",
        ),
        FloatParam("top_p", 0.95, animatable=False, minimum=0.01, maximum=1.0, tooltip="nucleus sampling"),
        IntParam("max_tokens", 512, animatable=False, minimum=1, maximum=32768, tooltip="longest answer"),
        IntParam(
            "seed",
            -1,
            animatable=False,
            minimum=-1,
            tooltip="-1: a new seed for every Generate (the take records it); a local model with the same "
            "seed and parameters writes the same take",
        ),
        ChoiceParam(
            "backend",
            LLM_BACKENDS,
            tooltip="local: a GGUF file or transformers folder on this machine; server: an OpenAI-compatible "
            "server (API key from $FILMSTUDIO_LLM_API_KEY or $OPENAI_API_KEY, never saved)",
        ),
        PathParam(
            "model",
            DEFAULT_MODEL,
            file_filter=GGUF_FILTER,
            on_node=True,
            tooltip="local: a model name (`filmstudio models list`), a .gguf file or a transformers folder; "
            "server: the server's model name",
        ),
        TextParam(
            "base_url",
            "http://localhost:11434/v1",
            tooltip="the server's OpenAI API root (Ollama :11434/v1, vLLM :8000/v1, llama-server :8080/v1)",
        ),
    )

    scripting = ("generate", "take_text", "edit_take", *TakeScripting.TAKE_METHODS)

    def generate_take(self, ctx: EvalContext) -> dict[str, Any]:
        from filmstudio.api import generate_script_take

        return generate_script_take(ctx)

    def take_from_text(self, data: Mapping[str, Any], text: str, take_id: str) -> dict[str, Any]:
        """A hand edit: the text read again (Fountain, or the shot list's JSON), made by "hand"."""
        from filmstudio.api import edited_take

        return edited_take(data, text, take_id)

    def evaluate(self, ctx: EvalContext) -> Any:
        from filmstudio.api import script_of_take

        return script_of_take(ctx.take, ctx.node_name)

    # --- scripting: each edit is one undo step of the node's project ------------------------------

    def generate(
        self,
        node: Any,
        on_text: Callable[[str], None] | None = None,
        cancel: Any = None,
        name: str | None = None,
        frame: int | None = None,
    ) -> str:
        """Ask the model for a new take and make it active; its id. ``on_text`` gets the text as
        it is written (on the generating thread), ``cancel`` (a CancelToken) stops it: nothing is
        stored then, nor on any error."""
        from filmstudio.api import generate_take_streaming

        project = _project(node)
        return generate_take_streaming(project, node, frame=frame, on_text=on_text, cancel=cancel, name=name)

    def take_text(self, node: Any, take: str | None = None) -> str:
        """The text of take ``take`` (id or name; default: the active take)."""
        from filmstudio.api import NoTakeError, list_takes

        for found in list_takes(node):
            if found.active if take is None else take in (found.id, found.name):
                return found.text
        raise NoTakeError(f"{node.name} has no take {take!r}" if take else f"{node.name} has no take yet")

    def edit_take(self, node: Any, take: str, text: str, name: str | None = None) -> str:
        """A hand edit of ``take``'s text, stored as a new active take (the original stays)."""
        from filmstudio.api import edit_take

        return edit_take(node, take, text, name=name)


def _project(node: Any) -> Any:
    if node.project is None:
        from filmstudio.api import LLMError

        raise LLMError(f"{node.name} is not in a project: add it to one before generating")
    return node.project
