"""Script takes: what the LLM Script node generates, stores and renders.

A take's data (JSON, saved in the project, never changed once made)::

    {"text": "INT. BAKERY - DAWN ...",   # the take as text: Fountain, or the shot list's JSON
     "format": "fountain" | "shots",
     "script": {...},                     # the parsed Script (filmstudio.script.Script.to_json())
     "made_by": {"backend": "local" | "server" | "hand", "model": ..., "sha256": ... or
                 "served_model"/"system_fingerprint": ..., "params": {every node parameter},
                 "seed": 1234, "upstream": sha256 of the upstream Script or None,
                 "tokens": 311, "finish": "stop" | "length"}}

Rendering reads only ``script``: no model, no server. A "continue" take's text is the upstream
script followed by the new scene; a "shots" take keeps the upstream screenplay in its Script and the
model's JSON as its text, so editing it by hand re-reads the shot list against that screenplay.
"""

from __future__ import annotations

import hashlib
import json
import random
import shlex
from collections.abc import Mapping
from typing import Any

from filmstudio.core.context import EvalContext
from filmstudio.llm import local, prompts, server
from filmstudio.llm.errors import LLMError, NoTakeError, TakeError
from filmstudio.llm.request import GenerationResult
from filmstudio.script import Script, ScriptError

PARAMETERS = (
    "prompt",
    "preset",
    "system",
    "temperature",
    "top_p",
    "max_tokens",
    "seed",
    "backend",
    "model",
    "base_url",
)
LLM_BACKENDS = ("local", "server")


def generate_script_take(ctx: EvalContext) -> dict[str, Any]:
    """Generate a take for an LLM Script node from its parameters and upstream ``source`` input
    (see the module docstring); the text streams to :func:`filmstudio.llm.request.emit`."""
    p = ctx.params
    upstream = ctx.input("source") if ctx.is_connected("source") else None
    if upstream is not None and not isinstance(upstream, Script):
        raise LLMError(f"the source input carries a {type(upstream).__name__}, not a Script")
    seed = int(p.seed) if int(p.seed) >= 0 else random.SystemRandom().randrange(2**31)
    request = prompts.build_request(
        p.preset,
        p.prompt,
        p.system,
        upstream.text if upstream is not None else None,
        temperature=float(p.temperature),
        top_p=float(p.top_p),
        max_tokens=int(p.max_tokens),
        seed=seed,
        shot_list_schema=_schema(upstream),
    )
    if p.backend == "server":
        settings = server.ServerSettings.from_environment(p.base_url, p.model)
        result = server.generate(settings, request, ctx.cancel)
    elif p.backend == "local":
        location = local.find_model(p.model, ctx.project_dir)
        result = local.generate(local.load_model(location, ctx.device), request, ctx.cancel)
    else:
        raise LLMError(f"unknown backend {p.backend!r}: use one of {', '.join(LLM_BACKENDS)}")
    params = {name: p[name] for name in PARAMETERS if name in p}
    return make_take(result, prompts.preset(p.preset).output, upstream, params, seed)


def make_take(
    result: GenerationResult, output: str, upstream: Script | None, params: Mapping[str, Any], seed: int
) -> dict[str, Any]:
    """A take's data from a finished answer (``output`` as in :class:`~filmstudio.llm.prompts.Preset`)."""
    answer = result.text
    if output == "continuation":
        assert upstream is not None
        text, form = f"{upstream.text.rstrip()}\n\n{answer.strip()}\n", "fountain"
    else:
        text, form = answer, "shots" if output == "shots" else "fountain"
    try:
        script = parse_take_text(text, form, upstream)
    except ScriptError as error:
        raise LLMError(
            f"the model's answer could not be read ({error}); nothing was saved. Generate again, "
            "use a larger model, or a server with constrained output. The answer began: "
            f"{answer.strip()[:200]!r}"
        ) from None
    made_by = {
        **result.made_by,
        "params": dict(params),
        "seed": seed,
        "upstream": script_hash(upstream),
        "tokens": result.tokens,
        "finish": result.finish,
    }
    return {"text": text, "format": form, "script": script.to_json(), "made_by": made_by}


def parse_take_text(text: str, form: str, base: Script | None) -> Script:
    """The Script a take's text stands for: Fountain read leniently (models drift from the syntax),
    or a JSON shot list for ``base``'s screenplay."""
    if form == "shots":
        from filmstudio.script import parse_shot_list

        if base is None:
            raise TakeError("a shot list needs the screenplay it breaks down")
        return Script(base.screenplay, parse_shot_list(text, base.screenplay))
    return Script.from_text(text, lenient=True)


def edited_take(original: Mapping[str, Any], text: str, original_id: str) -> dict[str, Any]:
    """A new take's data: ``original`` with its text replaced by ``text`` (a hand edit)."""
    form = str(original.get("format", "fountain"))
    base = Script.from_json(original["script"]) if form == "shots" else None
    try:
        script = parse_take_text(text, form, base)
    except ScriptError as error:
        raise TakeError(f"the edited text could not be read: {error}") from None
    made_by = {"backend": "hand", "edited_from": original_id}
    made_by["upstream"] = (original.get("made_by") or {}).get("upstream")
    return {"text": text, "format": form, "script": script.to_json(), "made_by": made_by}


def script_of_take(take: Mapping[str, Any] | None, node_name: str) -> Script:
    """The Script a node's active take renders; a clear error when there is none."""
    if not take:
        raise NoTakeError(
            f"{node_name} has no take yet: press Generate in its Script panel, or run "
            f"`filmstudio generate PROJECT {shlex.quote(node_name)}`"
        )
    if not isinstance(take, Mapping) or "script" not in take:
        raise TakeError(
            f"{node_name}'s active take holds no script (the project file was edited by hand or is "
            "damaged): switch to another take or generate again"
        )
    return Script.from_json(take["script"])


def script_hash(script: Script | None) -> str | None:
    """A stable sha256 of a Script's content (its JSON), or None."""
    if script is None:
        return None
    text = json.dumps(script.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _schema(upstream: Script | None) -> Any:
    """The shot list's JSON schema, fitted to the screenplay it breaks down (its scenes,
    characters and lines are the only choices a constrained model has)."""
    from filmstudio.script import shot_list_schema

    return shot_list_schema(upstream.screenplay if upstream is not None else None)
