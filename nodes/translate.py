"""Translate: subtitles or a screenplay in another language, as takes — cue by cue, never merged,
split or re-timed.

Two typed inputs (link one): ``source_subtitles`` or ``source_script``; two typed outputs: ``subtitles`` (the
cues translated, with their ids, frames, speakers and styles; for a Script input, its translated
dialogue as cues on its timing model, as Script Subtitles makes them) and ``script`` (the Script
translated, element ids and shot list kept; nothing when the input is Subtitles). Typed ports
rather than one Any port, so the graph refuses an image linked in, and Write, Burn-in, the lint
row, ``filmstudio info`` and ``filmstudio subtitles export`` see a Subtitles output.

Back ends: ``model`` — a MarianMT / NLLB-200 / M2M100 model folder through transformers (or a
Hugging Face repository id in its cache); ``local`` and ``server`` — the LLM Script node's
language models (a GGUF file or transformers folder, or an OpenAI-compatible server), sent cues in
groups with the lines around them and the glossary, answering JSON keyed by cue id.

Generate (``filmstudio generate PROJECT NODE``, or ``node.generate()`` in a script) translates only
the cues the active take lacks — a cue's key is its text, the languages, back end and model (and
for language models its speaker, the glossary terms in it, notes, temperature and seed) — so
editing one source cue re-translates that cue. Rendering reads the active take only::

    fr = project.add_node("Translate", target_language="fr", backend="server", model="llama3.1")
    fr.generate()
    fr.edit_cue("12", "Tu viens ?")      # a new take; undo brings the old one back
    print(fr.translation("12"))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from filmstudio.api import (
    TRANSLATE_BACKENDS,
    TRANSLATE_SCRIPT_TEXTS,
    ChoiceParam,
    Device,
    EvalContext,
    FloatParam,
    Input,
    IntParam,
    Node,
    Output,
    ParameterError,
    PathParam,
    PortType,
    TakeScripting,
    TextParam,
)
from filmstudio_nodes.llm_script import DEFAULT_MODEL
from filmstudio_nodes.subtitles import lint_params


class Translate(TakeScripting, Node):
    """Subtitles or a Script translated cue by cue, as the active one of its takes."""

    id = "Translate"
    category = "Subtitles"
    description = "Subtitles or a screenplay translated by a translation model or a language model, as takes."
    # Generation runs on the model worker, which owns loaded models (a server is only waited on);
    # rendering reads the take's JSON.
    device = Device.GPU
    inputs = (
        Input("source_subtitles", PortType.SUBTITLES, optional=True, label="subtitles"),
        Input("source_script", PortType.SCRIPT, optional=True, label="script"),
    )
    outputs = (Output("subtitles", PortType.SUBTITLES), Output("script", PortType.SCRIPT))
    params = (
        TextParam(
            "target_language", "", tooltip="the language to translate into: a BCP-47 tag (fr, de, pt-BR)"
        ),
        TextParam(
            "source_language",
            "auto",
            tooltip="auto: the subtitles' own language, or the model finds out; NLLB/M2M100 models need one",
        ),
        ChoiceParam(
            "backend",
            TRANSLATE_BACKENDS,
            tooltip="model: a MarianMT/NLLB/M2M100 folder; local: a language model file (GGUF) or folder; "
            "server: an OpenAI-compatible server (API key from $FILMSTUDIO_LLM_API_KEY, never saved)",
        ),
        PathParam(
            "model",
            "",
            mode="folder",
            on_node=True,
            tooltip="model: a translation model folder or Hugging Face id in its cache (Helsinki-NLP/"
            f"opus-mt-en-fr); local: a .gguf or model name (empty: {DEFAULT_MODEL}); server: its model name",
        ),
        TextParam(
            "base_url",
            "http://localhost:11434/v1",
            tooltip="server: its OpenAI API root (Ollama :11434/v1, vLLM :8000/v1, llama-server :8080/v1)",
        ),
        TextParam(
            "glossary",
            "",
            multiline=True,
            tooltip="language models: a term a line, kept as it is, or `term = translation`; the characters' "
            "names are always kept",
        ),
        TextParam("notes", "", multiline=True, tooltip="language models: tone, formality, audience..."),
        IntParam(
            "group_size", 20, animatable=False, minimum=1, maximum=500, tooltip="cues sent in one request"
        ),
        IntParam(
            "context_lines",
            3,
            animatable=False,
            minimum=0,
            maximum=50,
            tooltip="language models: lines before and after a group sent for context (not re-translated)",
        ),
        FloatParam("temperature", 0.2, animatable=False, minimum=0.0, maximum=2.0, tooltip="language models"),
        IntParam(
            "seed",
            0,
            animatable=False,
            minimum=-1,
            tooltip="language models; -1: a new seed each Generate",
        ),
        ChoiceParam("script_text", TRANSLATE_SCRIPT_TEXTS, tooltip="a Script input: what is translated"),
        IntParam("script_start", 1, animatable=False, tooltip="a Script input: its first frame"),
        IntParam(
            "reading_speed",
            160,
            animatable=False,
            minimum=40,
            maximum=400,
            tooltip="a Script input: words a minute its timing model paces the translated lines at",
        ),
        *lint_params(),
    )

    scripting = ("generate", "translation", "edit_cue", *TakeScripting.TAKE_METHODS)

    def generate_take(self, ctx: EvalContext) -> dict[str, Any]:
        from filmstudio.api import make_translation_take

        source = _source(ctx)
        settings = _settings(ctx)
        return make_translation_take(
            source, settings, ctx.take, ctx.project_dir, ctx.device, ctx.cancel, ctx.report_progress
        )

    def evaluate(self, ctx: EvalContext) -> Any:
        from filmstudio.api import Subtitles, apply_translation, cues_from_script

        p = ctx.params
        settings = _settings(ctx)
        out = apply_translation(_source(ctx), settings, ctx.take, ctx.node_name)
        if isinstance(out, Subtitles):
            return {"subtitles": out, "script": None}
        target = settings.target_language.strip()
        cues = cues_from_script(
            out, ctx.fps, p.script_start, p.reading_speed, max(1, p.max_line_length), p.min_gap, target
        )
        return {"subtitles": cues, "script": out}

    # --- scripting: each edit is one undo step of the node's project ------------------------------

    def generate(
        self,
        node: Any,
        on_text: Callable[[str], None] | None = None,
        cancel: Any = None,
        name: str | None = None,
        frame: int | None = None,
    ) -> str:
        """Translate what the active take lacks into a new active take; its id. ``on_text`` gets
        ``id: translation`` lines as groups finish; ``cancel`` (a CancelToken) stops it: nothing is
        stored then, nor on any error."""
        from filmstudio.api import LLMError, generate_take_streaming

        if node.project is None:
            raise LLMError(f"{node.name} is not in a project: add it to one before generating")
        return generate_take_streaming(
            node.project, node, frame=frame, on_text=on_text, cancel=cancel, name=name
        )

    def translation(self, node: Any, cue: str, take: str | None = None) -> str:
        """Cue ``cue``'s translation in take ``take`` (id or name; default: the active take)."""
        from filmstudio.api import translation_of

        return translation_of(node, cue, take)

    def edit_cue(self, node: Any, cue: str, text: str, name: str | None = None) -> str:
        """A hand edit of cue ``cue``'s translation, stored as a new active take; its id."""
        from filmstudio.api import edit_translation

        return edit_translation(node, cue, text, name=name)


def _settings(ctx: EvalContext) -> Any:
    from filmstudio.api import TranslationSettings

    values = dict(ctx.params)
    if values.get("backend") == "local" and not str(values.get("model", "")).strip():
        values["model"] = DEFAULT_MODEL  # the LLM Script node's default language model
    return TranslationSettings.from_values(values)


def _source(ctx: EvalContext) -> Any:
    """The Subtitles or Script to translate; exactly one input is linked."""
    from filmstudio.api import Script, Subtitles

    subtitles, script = ctx.input("source_subtitles"), ctx.input("source_script")
    if subtitles is not None and script is not None:
        raise ParameterError("Translate translates Subtitles or a Script, not both: unlink one of its inputs")
    if subtitles is None and script is None:
        raise ParameterError("Translate has nothing to translate: link Subtitles or a Script to it")
    if isinstance(script, str):
        script = Script.from_text(script)
    value = subtitles if subtitles is not None else script
    if not isinstance(value, Subtitles | Script):
        raise ParameterError(
            f"Translate's input carries a {type(value).__name__}: link Subtitles or a Script"
        )
    return value
