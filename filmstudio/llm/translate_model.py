"""Translation models through transformers: MarianMT (Helsinki-NLP's opus-mt), NLLB-200 and M2M100.

A model is a transformers model folder (``config.json``, weights, tokenizer files) found through
the model store like any model (a path, a name in the model folders), or a Hugging Face repository
id (``Helsinki-NLP/opus-mt-en-fr``) already in the Hugging Face cache — read offline, never
downloaded. It is loaded by :func:`filmstudio.models.loaders.load_transformers` and kept resident
on its device; run it on the device's model worker.

Languages: a MarianMT model translates the pair it was trained on (a multi-target one is told the
target by a ``>>fra<<`` token, added when its vocabulary has one); NLLB and M2M100 translate
between any of their languages and need the source language (the node's, else the subtitles').
Cues are translated one text each, a group per ``generate`` call, never joined: no cue can be
merged into another.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.llm.errors import LLMError
from filmstudio.llm.languages import marian_tokens, nllb_code, primary
from filmstudio.models.errors import ModelError, ModelFileError, ModelNotFoundError
from filmstudio.models.store import ModelLocation, ModelStore, file_identity, hf_hub_cache, sha256_of

FAMILIES = ("marian", "nllb", "m2m100")
_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")
MODEL_HINT = (
    "choose a MarianMT, NLLB or M2M100 model folder (for example Helsinki-NLP/opus-mt-en-fr, fetched "
    "once with `huggingface-cli download Helsinki-NLP/opus-mt-en-fr`), or set backend to local or "
    "server to translate with a language model"
)


class TranslationModelError(LLMError):
    """A translation model that cannot translate as asked (a language it lacks, no source language)."""


@dataclass
class TranslationModel:
    """A loaded sequence-to-sequence translation model (resident; use on the model worker)."""

    model: Any
    tokenizer: Any
    family: str
    device: str
    made_by: dict[str, Any]
    # Resident models are shared by every engine's model worker on a device (an export's and the
    # editor's): the tokenizer's source language is set per call, so calls take turns.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def translate(self, texts: Sequence[str], source: str, target: str, cancel: CancelToken) -> list[str]:
        """``texts`` translated from ``source`` (a tag, or "" when unknown) to ``target``, one
        answer per text, in one batched generation."""
        import torch

        cancel.raise_if_cancelled()
        with self.lock:
            tokenizer, options = self.tokenizer, self._language_options(source, target)
            prefix = options.pop("prefix", "")
            batch = tokenizer(
                [prefix + text for text in texts], return_tensors="pt", padding=True, truncation=True
            )
            batch = {name: tensor.to(self.device) for name, tensor in batch.items()}
            longest = int(batch["input_ids"].shape[1])
            limit = int(getattr(self.model.config, "max_position_embeddings", 512) or 512)
            options["max_new_tokens"] = max(8, min(limit - 2, 3 * longest + 16))
            with torch.inference_mode():
                output = self.model.generate(**batch, **options)
            decoded = tokenizer.batch_decode(output, skip_special_tokens=True)
        return [" ".join(text.split()) for text in decoded]

    def _language_options(self, source: str, target: str) -> dict[str, Any]:
        tokenizer = self.tokenizer
        if self.family == "marian":
            vocab = tokenizer.get_vocab()
            wanted = [token for token in marian_tokens(target) if token in vocab]
            if not wanted and any(token.startswith(">>") and token.endswith("<<") for token in vocab):
                raise TranslationModelError(
                    f"the translation model {self.made_by['model']} cannot translate into {target}: "
                    "choose a target language it has, or another model"
                )
            return {"prefix": f"{wanted[0]} "} if wanted else {}
        if not source:
            raise TranslationModelError(
                f"the {self.family.upper()} model {self.made_by['model']} needs the source language: "
                "set the node's source_language (e.g. en), or give the subtitles a language"
            )
        source_token, target_token = (
            self._token(tag, role) for tag, role in ((source, "from"), (target, "into"))
        )
        tokenizer.src_lang = source_token if self.family == "nllb" else source_token.strip("_")
        return {"forced_bos_token_id": tokenizer.convert_tokens_to_ids(target_token)}

    def _token(self, tag: str, role: str) -> str:
        if self.family == "nllb":
            token = nllb_code(tag) or tag
        else:
            token = f"__{primary(tag)}__"
        known = self.tokenizer.convert_tokens_to_ids(token)
        if known is None or known == self.tokenizer.unk_token_id:
            raise TranslationModelError(
                f"the translation model {self.made_by['model']} cannot translate {role} {tag} "
                f"(it has no {token} token): choose a language it has, or another model"
            )
        return token


def find_translation_model(ref: str, project_dir: str | None) -> ModelLocation:
    """The model folder ``ref`` names: through the model store, else a Hugging Face repository id
    in the Hugging Face cache (offline)."""
    if not ref.strip():
        raise ModelError(f"no translation model is chosen: set the node's model parameter; {MODEL_HINT}")
    try:
        return ModelStore(project_dir).find(ref)
    except ModelNotFoundError as error:
        folder = _cached_repository(ref.strip()) if _REPO.match(ref.strip()) else None
        if folder is None:
            raise ModelNotFoundError(error.name, error.expected, error.searched, MODEL_HINT) from None
        return ModelLocation(ref, folder, None, file_identity(folder))


def _cached_repository(repo: str) -> Path | None:
    """The snapshot folder of ``repo`` in the Hugging Face cache, or None; nothing is downloaded."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo, cache_dir=str(hf_hub_cache()), local_files_only=True))
    except (LocalEntryNotFoundError, ValueError, OSError):
        return None


def load_translation_model(location: ModelLocation, device: str) -> TranslationModel:
    """The model at ``location``, resident on ``device`` (loaded on a miss). Call on the model
    worker of ``device``."""
    from filmstudio.models.device import choose_dtype, resident_models

    dtype = choose_dtype(device, supports_half=False, supports_bfloat16=True)

    def load() -> TranslationModel:
        from filmstudio.models.device import place
        from filmstudio.models.loaders import load_transformers

        path = location.path
        if not path.is_dir() or not (path / "config.json").is_file():
            raise ModelFileError(path, "is not a transformers model folder (no config.json)", MODEL_HINT)
        family = _family(path)
        with warnings.catch_warnings():
            # MarianTokenizer recommends sacremoses for punctuation normalisation it does not need
            warnings.filterwarnings("ignore", message=".*sacremoses.*")
            model, tokenizer = load_transformers(path, "AutoModelForSeq2SeqLM", "AutoTokenizer")
        made_by = {"backend": "model", "model": location.ref, "family": family, "sha256": _digest(path)}
        return TranslationModel(place(model, device, dtype), tokenizer, family, device, made_by)

    key = ("translation", location.identity, device, str(dtype))
    loaded: TranslationModel = resident_models(device).get(key, load)
    return loaded


def _family(path: Path) -> str:
    """marian, nllb or m2m100, from the folder's config and tokenizer files."""
    import json

    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelFileError(path, f"has an unreadable config.json ({error})", MODEL_HINT) from None
    model_type = str(config.get("model_type", ""))
    if model_type == "marian":
        return "marian"
    if model_type in ("m2m_100", "nllb-moe"):
        try:
            tokenizer_config = json.loads((path / "tokenizer_config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            tokenizer_config = {}
        return "nllb" if "nllb" in str(tokenizer_config.get("tokenizer_class", "")).lower() else "m2m100"
    raise ModelFileError(
        path,
        f"is a {model_type or 'unknown'} model, not a MarianMT, NLLB or M2M100 translation model",
        MODEL_HINT,
    )


def _digest(path: Path) -> str:
    """A sha256 over a model folder's files (names and digests, sorted): what made a take."""
    import hashlib

    combined = hashlib.sha256()
    for file in sorted(p for p in path.iterdir() if p.is_file()):
        combined.update(f"{file.name}\0{sha256_of(file)}\n".encode())
    return combined.hexdigest()
