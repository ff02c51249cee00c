"""MMS-TTS and other VITS voices through transformers (``VitsModel`` and its tokenizer).

A voice is a transformers model folder (``config.json``, weights, ``vocab.json``), e.g. one of
Meta's ``facebook/mms-tts-*`` checkpoints downloaded by the user. The network draws its noise
with torch's generator, so a line is seeded by seeding torch around the call (on a forked
generator state: nothing else's randomness is disturbed). Runs on the model worker; a lock keeps
two engines' workers (an export's and the editor's) from setting one resident model's rate and
seeding torch's global generator at the same time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from filmstudio.models.errors import ModelFileError
from filmstudio.models.store import ModelLocation
from filmstudio.speech.errors import SpeechError

_SEEDED = threading.Lock()


@dataclass
class VitsVoice:
    """A loaded VITS voice (resident on the model worker's device; use from that thread)."""

    model: Any
    tokenizer: Any
    path: str
    device: str

    @property
    def sample_rate(self) -> int:
        return int(self.model.config.sampling_rate)

    def synthesize(self, text: str, seed: int, speed: float, variation: float, speaker: int) -> np.ndarray:
        """Float32 samples of ``text`` at :attr:`sample_rate`; ``speed`` is the speaking rate,
        ``variation`` scales the noise (0: flat), ``speaker`` for multi-speaker models."""
        import torch

        if getattr(self.tokenizer, "is_uroman", False):
            raise SpeechError(
                f"the voice {self.path} reads romanized text (uroman): romanize the lines first, "
                "or choose a voice for this script"
            )
        tokens = self.tokenizer(text, return_tensors="pt")
        if tokens["input_ids"].shape[-1] == 0:
            return np.zeros(0, np.float32)
        config = self.model.config
        options: dict[str, Any] = {}
        if int(getattr(config, "num_speakers", 1)) > 1:
            options["speaker_id"] = int(speaker)
        cuda = [torch.device(self.device)] if self.device.startswith("cuda") else []
        with _SEEDED, torch.random.fork_rng(devices=cuda), torch.inference_mode():
            self.model.speaking_rate = float(speed)
            self.model.noise_scale = float(config.noise_scale) * variation
            self.model.noise_scale_duration = float(config.noise_scale_duration) * variation
            torch.manual_seed(seed & 0xFFFFFFFF)
            output = self.model(**{k: v.to(self.device) for k, v in tokens.items()}, **options)
        return output.waveform[0].float().cpu().numpy().astype(np.float32, copy=False)


def load_vits(location: ModelLocation, device: str) -> VitsVoice:
    """The VITS model folder at ``location`` with its tokenizer, resident on ``device``."""
    from filmstudio.models.device import resident_models

    key = ("vits", location.identity, device)

    def load() -> VitsVoice:
        import torch

        from filmstudio.models.device import place
        from filmstudio.models.loaders import load_transformers

        if not location.path.is_dir():
            raise ModelFileError(location.path, "is not a VITS model folder", "choose an MMS-TTS/VITS folder")
        model, tokenizer = load_transformers(location.path, "VitsModel", "AutoTokenizer")
        return VitsVoice(place(model, device, torch.float32), tokenizer, str(location.path), device)

    voice: VitsVoice = resident_models(device).get(key, load)
    return voice
