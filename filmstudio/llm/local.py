"""The local back end: a causal language model run by transformers on the model worker.

A model is a transformers model folder (``config.json``, safetensors weights, a tokenizer) or a
single GGUF file (llama.cpp's format: transformers reads it with the ``gguf`` package and
dequantises it with ``accelerate`` installed). It is found through the model store (a manifest
name such as ``smollm2-135m-instruct``, a file name in the model folders, or a path), loaded once
and kept resident on its device (:func:`filmstudio.models.device.resident_models`).

Generation runs on the calling thread — the device's model worker, which owns loaded models —
token by token: each token's text goes to the streaming sink (:func:`filmstudio.llm.request.emit`)
as it is decoded, and the cancel token is checked between tokens, so a Stop ends generation within
one token. Sampling is seeded in a forked RNG (the process's random state is left as it was): the
same seed, model and prompt give the same text on the CPU. A request with a ``json_schema`` is
decoded under that schema's grammar (:class:`JsonConstraint`): the answer is JSON that follows it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import Cancelled
from filmstudio.llm.errors import LLMDependencyError, LLMError
from filmstudio.llm.request import GenerationRequest, GenerationResult, emit
from filmstudio.models.errors import ModelFileError, ModelNotFoundError, UnsafeModelFileError
from filmstudio.models.store import ModelLocation, ModelStore, sha256_of

SERVER_HINT = (
    "or set the node's backend to server and its base_url to an OpenAI-compatible server "
    "(Ollama, vLLM, llama-server, a hosted API)"
)


@dataclass
class LocalModel:
    """A loaded model with its tokenizer. ``model`` is what the resident-model budget counts."""

    model: Any
    tokenizer: Any
    device: str
    made_by: dict[str, Any]
    tokenizer_info: Any = None  # xgrammar's view of the vocabulary, made on the first JSON request


def find_model(ref: str, project_dir: str | None) -> ModelLocation:
    """The model ``ref`` names, through the model store; a missing one says how to install it
    and how to use a server instead."""
    try:
        return ModelStore(project_dir).find(ref)
    except ModelNotFoundError as error:
        raise ModelNotFoundError(
            error.name, error.expected, error.searched, f"{error.how_to_install}, {SERVER_HINT}"
        ) from None


def load_model(location: ModelLocation, device: str) -> LocalModel:
    """The model at ``location``, resident on ``device`` (loaded on a miss). Call on the model
    worker of ``device``."""
    from filmstudio.models.device import choose_dtype, resident_models

    # float32 on the CPU; bfloat16 on CUDA where supported (float16 overflows in some LLMs' MLPs)
    dtype = choose_dtype(device, supports_half=False, supports_bfloat16=True)

    def load() -> LocalModel:
        model, tokenizer = _read(location.path)
        from filmstudio.models.device import place

        place(model, device, dtype)
        made_by = {"backend": "local", "model": location.ref, "file": location.path.name}
        made_by["sha256"] = _digest(location.path)
        return LocalModel(model, tokenizer, device, made_by)

    key = ("llm", location.identity, device, str(dtype))
    loaded: LocalModel = resident_models(device).get(key, load)
    return loaded


def _read(path: Path) -> tuple[Any, Any]:
    """A transformers causal LM and its tokenizer from a model folder or a GGUF file, on the CPU."""
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelFileError(path, "is not a transformers model folder (no config.json)")
        folder, options = path, {"use_safetensors": any(path.glob("*.safetensors")) or None}
    elif path.suffix.lower() == ".gguf":
        missing = [name for name in ("gguf", "accelerate") if importlib.util.find_spec(name) is None]
        if missing:
            raise LLMDependencyError(
                f"loading the GGUF model {path.name} needs the {' and '.join(missing)} package: "
                f"`pip install {' '.join(missing)}` (FilmStudio's own install brings them)"
            )
        folder, options = path.parent, {"gguf_file": path.name}
    else:
        raise ModelFileError(
            path, "is not a language model: choose a .gguf file or a transformers model folder"
        )
    import transformers

    transformers.utils.logging.disable_progress_bar()
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            str(folder), local_files_only=True, **_tok(options)
        )
        with _quiet_gguf_loading():
            model = transformers.AutoModelForCausalLM.from_pretrained(
                str(folder), local_files_only=True, **options
            )
    except pickle.UnpicklingError:
        raise UnsafeModelFileError(
            path, "holds pickled weights that would run code when loaded", "use safetensors or GGUF weights"
        ) from None
    except Exception as error:  # a damaged file, an architecture transformers lacks: say which file
        gist = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise ModelFileError(
            path, f"cannot be loaded as a language model ({gist})", "choose another model or reinstall it"
        ) from None
    return model.eval(), tokenizer


@contextlib.contextmanager
def _quiet_gguf_loading() -> Iterator[None]:
    """transformers draws a tqdm bar while it dequantises GGUF tensors, which its logging switches
    do not govern: a render log or ``filmstudio generate``'s output is no place for it (and its
    monitor thread would outlive the load)."""
    try:
        module = importlib.import_module("transformers.modeling_gguf_pytorch_utils")
    except ImportError:
        yield
        return
    original = getattr(module, "tqdm", None)
    if original is None:
        yield
        return
    module.tqdm = lambda iterable, *args, **kwargs: iterable
    try:
        yield
    finally:
        module.tqdm = original


def _tok(options: dict[str, Any]) -> dict[str, Any]:
    return {"gguf_file": options["gguf_file"]} if "gguf_file" in options else {}


def _digest(path: Path) -> str:
    """The sha256 of a model file; for a folder, of its files' names and digests (sorted)."""
    if not path.is_dir():
        return sha256_of(path)
    combined = hashlib.sha256()
    for file in sorted(p for p in path.iterdir() if p.is_file()):
        combined.update(f"{file.name}\0{sha256_of(file)}\n".encode())
    return combined.hexdigest()


def generate(local: LocalModel, request: GenerationRequest, cancel: CancelToken) -> GenerationResult:
    """Run ``request`` on ``local``; raises :class:`Cancelled` (within one token of a cancel)."""
    import torch
    from transformers import StoppingCriteriaList

    cancel.raise_if_cancelled()
    tokenizer, model = local.tokenizer, local.model
    prompt = _prompt_ids(tokenizer, request.chat())
    inputs = {name: tensor.to(local.device) for name, tensor in prompt.items()}
    streamer = TokenStream(tokenizer, cancel)
    sample = request.temperature > 0
    options: dict[str, Any] = {
        "max_new_tokens": request.max_tokens,
        "do_sample": sample,
        "temperature": request.temperature if sample else None,
        "top_p": request.top_p if sample else None,
        "top_k": None,
        "pad_token_id": tokenizer.pad_token_id
        if tokenizer.pad_token_id is not None
        else tokenizer.eos_token_id,
        "streamer": streamer,
        "stopping_criteria": StoppingCriteriaList([CancelCriteria(cancel)]),
    }
    if request.json_schema is not None:
        options["logits_processor"] = [JsonConstraint(local, request.json_schema)]
    cuda = [torch.device(local.device).index or 0] if local.device.startswith("cuda") else []
    with torch.random.fork_rng(devices=cuda), torch.inference_mode():
        torch.manual_seed(request.seed)
        output = model.generate(**inputs, **options)
    if cancel.cancelled:
        raise Cancelled(cancel.reason or "cancelled")
    new = output[0, inputs["input_ids"].shape[1] :].tolist()
    text = streamer.finish()
    eos = _eos_ids(model, tokenizer)
    finish = "stop" if new and new[-1] in eos else "length" if len(new) >= request.max_tokens else "stop"
    return GenerationResult(text, finish, len(new), dict(local.made_by))


class JsonConstraint:
    """A logits processor that lets the model write only JSON following ``schema``: xgrammar's
    grammar-constrained decoding (as vLLM and SGLang use), the local counterpart of a server's
    ``response_format``. The grammar ends the answer itself (only an end token is allowed once
    the JSON is complete). A tokenizer that cannot spell what the schema needs next (a toy
    vocabulary without ``{``) is reported, not sampled from an empty choice."""

    def __init__(self, local: LocalModel, schema: Any) -> None:
        import json

        if importlib.util.find_spec("xgrammar") is None:
            raise LLMDependencyError(
                "a JSON answer from a local model needs the xgrammar package: `pip install xgrammar` "
                f"(FilmStudio's own install brings it), {SERVER_HINT}"
            )
        import xgrammar

        info = local.tokenizer_info
        if info is None:  # worked out once per loaded model (a pass over its vocabulary)
            vocabulary = getattr(local.model.config, "vocab_size", None) or len(local.tokenizer)
            info = local.tokenizer_info = xgrammar.TokenizerInfo.from_huggingface(
                local.tokenizer, vocab_size=vocabulary
            )
        # compact JSON: free whitespace lets a small model spend its token budget on blank lines
        grammar = xgrammar.GrammarCompiler(info).compile_json_schema(
            json.dumps(schema), any_whitespace=False, separators=(", ", ": ")
        )
        self._inner = xgrammar.contrib.hf.LogitsProcessor(grammar)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        scores = self._inner(input_ids, scores)
        if bool(torch.isneginf(scores).all(dim=-1).any()):
            raise LLMError(
                "this model's tokenizer cannot write the JSON the request asks for (no token fits "
                "what must come next): use a model with a full byte-level vocabulary, or a server"
            )
        return scores


def _prompt_ids(tokenizer: Any, messages: list[dict[str, str]]) -> Any:
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_dict=True, return_tensors="pt"
        )
    # A base model without a chat template: the conversation as plain text, the answer to follow.
    lines = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
    return tokenizer("\n\n".join([*lines, "Assistant:"]), return_tensors="pt")


def _eos_ids(model: Any, tokenizer: Any) -> set[int]:
    configured = getattr(model.generation_config, "eos_token_id", None)
    ids = set(configured if isinstance(configured, list) else [configured])
    ids.add(tokenizer.eos_token_id)
    return {i for i in ids if i is not None}


class CancelCriteria:
    """A stopping criterion that ends generation once ``cancel`` is set (checked every token)."""

    def __init__(self, cancel: CancelToken) -> None:
        self.cancel = cancel

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        return torch.full(
            (input_ids.shape[0],), self.cancel.cancelled, dtype=torch.bool, device=input_ids.device
        )


class TokenStream:
    """A transformers streamer that decodes tokens incrementally and emits each new piece of text.

    Decoding only a small window (the previous tokens as context, then the new ones) keeps the
    cost per token constant, and a piece that ends in half a UTF-8 character waits for the rest.
    The pieces joined are exactly :meth:`finish`'s text."""

    def __init__(self, tokenizer: Any, cancel: CancelToken) -> None:
        self.tokenizer = tokenizer
        self.cancel = cancel
        self.ids: list[int] = []
        self.prompt_seen = False
        self.prefix = self.read = 0
        self.sent: list[str] = []

    def put(self, value: Any) -> None:
        if not self.prompt_seen:  # generate() hands over the prompt first
            self.prompt_seen = True
            return
        self.ids.extend(int(i) for i in value.reshape(-1).tolist())
        if self.cancel.cancelled:
            return
        before = self._decode(self.ids[self.prefix : self.read])
        now = self._decode(self.ids[self.prefix :])
        if len(now) > len(before) and not now.endswith("\ufffd"):
            self._send(now[len(before) :])
            self.prefix, self.read = self.read, len(self.ids)

    def end(self) -> None:
        """Called by generate() when it stops; the rest is sent by :meth:`finish`."""

    def finish(self) -> str:
        """The whole answer; whatever was held back is sent now."""
        text = self._decode(self.ids)
        sent = "".join(self.sent)
        if text.startswith(sent):
            self._send(text[len(sent) :])
        return text  # the whole decode is the answer, should a tokenizer's windows disagree with it

    def _send(self, piece: str) -> None:
        if piece:
            self.sent.append(piece)
            emit(piece)

    def _decode(self, ids: list[int]) -> str:
        return str(self.tokenizer.decode(ids, skip_special_tokens=True))
