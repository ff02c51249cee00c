"""Piper voices: VITS models exported to ONNX, run by onnxruntime on the model worker.

A voice is two files: ``NAME.onnx`` and ``NAME.onnx.json`` (the phoneme map, the espeak-ng voice,
the sample rate and the inference defaults: ``noise_scale``, ``length_scale``, ``noise_w``).
Text becomes phonemes through espeak-ng (:mod:`filmstudio.speech.phonemes`), phonemes become ids
as piper-phonemize makes them (``^``, then each phoneme followed by the pad ``_``, then ``$``),
and each sentence is one run of the network.

Seeded. A Piper export draws its noise inside the graph (``RandomNormalLike``), from generators
onnxruntime seeds once per session, so a line's sound would depend on what ran before it. Those
operators are replaced at load time (in memory; the file is untouched) by a slice of a flat noise
input that is filled here from the line's seed — the same numbers in the same order — so a
seed gives the same sound whatever was synthesised before, and the same model with the original
noise operators gives statistically the same speech. The input is made as long as this voice has
needed so far; a run that needs more is repeated with a longer one (a prefix of the same noise, so
the result does not depend on it).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from filmstudio.models.errors import ModelError, ModelFileError
from filmstudio.models.store import ModelLocation

_NOISE = "filmstudio_noise_"
_REPAIR = "reinstall the voice (`filmstudio models install NAME`) or choose its .onnx.json"


@dataclass(frozen=True)
class PiperConfig:
    """What a voice's ``.onnx.json`` says (only the fields synthesis needs)."""

    sample_rate: int
    espeak_voice: str
    phoneme_ids: Mapping[str, tuple[int, ...]]
    noise_scale: float
    length_scale: float
    noise_w: float
    speakers: int
    speaker_ids: Mapping[str, int]

    @classmethod
    def read(cls, path: Path) -> PiperConfig:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("phoneme_type", "espeak") != "espeak":
                raise ValueError(f"phoneme_type {data['phoneme_type']!r} (only espeak voices are supported)")
            ids = {str(k): tuple(int(i) for i in v) for k, v in data["phoneme_id_map"].items()}
            missing = [s for s in ("^", "_", "$") if s not in ids]
            if missing:
                raise ValueError(f"the phoneme map lacks {', '.join(missing)}")
            inference = data.get("inference", {})
            return cls(
                int(data["audio"]["sample_rate"]),
                str(data.get("espeak", {}).get("voice", "en-us")),
                ids,
                float(inference.get("noise_scale", 0.667)),
                float(inference.get("length_scale", 1.0)),
                float(inference.get("noise_w", 0.8)),
                int(data.get("num_speakers", 1)),
                {str(k): int(v) for k, v in (data.get("speaker_id_map") or {}).items()},
            )
        except OSError as error:
            raise ModelFileError(path, f"cannot be read ({error.strerror})", _REPAIR) from None
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ModelFileError(path, f"is not a Piper voice config ({error})", _REPAIR) from None

    def ids(self, phonemes: str) -> list[int]:
        """``phonemes`` (IPA) as the voice's ids; phonemes the voice lacks are left out, as Piper
        does. Decomposed first (NFD): the map holds combining marks separately."""
        pad = self.phoneme_ids["_"]
        ids = [*self.phoneme_ids["^"], *pad]
        for symbol in unicodedata.normalize("NFD", phonemes):
            known = self.phoneme_ids.get(symbol)
            if known is not None:
                ids += [*known, *pad]
        return [*ids, *self.phoneme_ids["$"]]


@dataclass(frozen=True)
class NoiseInput:
    """A ``RandomNormalLike`` of the export, now fed: input ``name``, drawn with ``mean``/``scale``."""

    name: str
    mean: float
    scale: float


@dataclass
class PiperVoice:
    """A loaded Piper voice (resident on the model worker's device; use from that thread)."""

    session: Any
    config: PiperConfig
    noise: tuple[NoiseInput, ...]
    path: str
    resident_nbytes: int
    _per_id: dict[str, int] = field(default_factory=dict)  # noise values each input needed per id

    @property
    def sample_rate(self) -> int:
        return self.config.sample_rate

    def sentence_ids(self, phonemes: Sequence[str]) -> list[list[int]]:
        return [self.config.ids(sentence) for sentence in phonemes]

    def synthesize_ids(
        self, sentences: Sequence[Sequence[int]], seed: int, speed: float, variation: float, speaker: int
    ) -> np.ndarray:
        """Float32 samples at :attr:`sample_rate` of ``sentences`` (ids) said one after another:
        ``speed`` divides the voice's length scale, ``variation`` scales its noise (0: flat)."""
        c = self.config
        scales = np.array(
            [c.noise_scale * variation, c.length_scale / max(speed, 1e-3), c.noise_w * variation], np.float32
        )
        parts = [
            self._run(ids, scales, np.random.SeedSequence([seed & 0xFFFFFFFF, index]), speaker)
            for index, ids in enumerate(sentences)
            if ids
        ]
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)

    def _run(self, ids: Sequence[int], scales: np.ndarray, seeds: Any, speaker: int) -> np.ndarray:
        feeds: dict[str, Any] = {
            "input": np.array([ids], np.int64),
            "input_lengths": np.array([len(ids)], np.int64),
            "scales": scales,
        }
        if self.config.speakers > 1:
            feeds["sid"] = np.array([speaker], np.int64)
        streams = seeds.spawn(len(self.noise))
        for _ in range(12):  # from 64 values an id up to 131072: a voice learns its need in its first runs
            for noise, stream in zip(self.noise, streams, strict=True):
                count = len(ids) * self._per_id.setdefault(noise.name, 64)
                values = np.random.Generator(np.random.PCG64(stream)).standard_normal(count, np.float32)
                feeds[noise.name] = (
                    values * noise.scale + noise.mean if noise.scale != 1 or noise.mean else values
                )
            try:
                return np.asarray(self.session.run(None, feeds)[0], np.float32).reshape(-1)
            except Exception as error:  # onnxruntime raises its own exception types
                short = next((n for n in self.noise if n.name + "reshape" in str(error)), None)
                if short is None:
                    raise ModelFileError(self.path, f"failed to run ({_gist(error)})", _REPAIR) from None
                self._per_id[short.name] *= 2  # that noise was too short: a longer prefix of the same
        raise ModelFileError(self.path, "needs more noise than any Piper voice should", _REPAIR)


def load_piper(model: ModelLocation, config: ModelLocation, device: str) -> PiperVoice:
    """The Piper voice ``model`` (.onnx) with ``config`` (.onnx.json), resident on ``device``."""
    from filmstudio.models.device import resident_models

    key = ("piper", model.identity, config.identity, device)

    def load() -> PiperVoice:
        from filmstudio.models.onnx import onnx_providers, onnxruntime_module

        settings = PiperConfig.read(config.path)
        data, noise = seeded_graph(model.path)
        ort = onnxruntime_module()
        options = ort.SessionOptions()
        options.log_severity_level = 4  # a run retried for more noise is expected, not worth a log line
        try:
            session = ort.InferenceSession(data, sess_options=options, providers=onnx_providers(device))
        except Exception as error:
            raise ModelFileError(
                model.path, f"is not a usable Piper voice ({_gist(error)})", _REPAIR
            ) from None
        size = max(0, model.identity[1])
        return PiperVoice(session, settings, noise, str(model.path), size)

    voice: PiperVoice = resident_models(device).get(key, load)
    return voice


def seeded_graph(path: Path) -> tuple[bytes, tuple[NoiseInput, ...]]:
    """The ONNX model at ``path`` with each ``RandomNormalLike`` replaced by a reshaped slice of
    a new flat float input (see the module docstring), serialised, and those inputs."""
    try:
        import onnx
        from onnx import TensorProto, helper
    except ImportError:
        raise ModelError("Piper voices need the onnx package: `pip install onnx`") from None
    try:
        model = onnx.load(str(path))
    except Exception as error:
        raise ModelFileError(path, f"is not an ONNX model ({_gist(error)})", _REPAIR) from None
    graph = model.graph
    zero = f"{_NOISE}zero"
    graph.initializer.append(helper.make_tensor(zero, TensorProto.INT64, [1], [0]))
    nodes, noise = [], []
    for node in graph.node:
        if node.op_type != "RandomNormalLike":
            nodes.append(node)
            continue
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attributes.get("dtype", TensorProto.FLOAT) != TensorProto.FLOAT:
            raise ModelFileError(path, "draws noise that is not float32", "use a Piper export of the voice")
        name = f"{_NOISE}{len(noise)}_"
        graph.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [f"{name}count"]))
        nodes += [
            helper.make_node("Shape", [node.input[0]], [name + "shape"], name=name + "shape"),
            helper.make_node(
                "ReduceProd", [name + "shape"], [name + "count"], keepdims=1, name=name + "count"
            ),
            helper.make_node("Slice", [name, zero, name + "count"], [name + "flat"], name=name + "slice"),
            helper.make_node(
                "Reshape", [name + "flat", name + "shape"], [node.output[0]], name=name + "reshape"
            ),
        ]
        noise.append(
            NoiseInput(name, float(attributes.get("mean", 0.0)), float(attributes.get("scale", 1.0)))
        )
    del graph.node[:]
    graph.node.extend(nodes)
    return model.SerializeToString(), tuple(noise)


def _gist(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__
