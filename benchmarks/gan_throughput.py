"""GAN throughput: the GAN Generator node inside the engine's export path against a bare loop that
calls the same generator on the same latents, with the same batch size and dtype, in one run.

* Model: the architecture of ``dcgan-faces`` (the DCGAN tutorial's nz=100, ngf=64: 64x64) with
  random weights in the benchmark's own folder (installed weights cannot change the figures).
* The render side: a 64x64 project, a GAN Generator morphing between two keyed takes (a new
  latent every frame, so nothing is served from the cache), asked for as the render's frame loop
  asks (:func:`filmstudio.render.streaming.stream_frames`): requests of ``GANGenerator.batch_size``
  frames with ``cache_frames=False``, each planned while the earlier ones run, the model worker
  getting each as one batch. It adds the engine (planning, keys, batching, requests) and the
  node's own work around the generator: the frame's latent (slerp), checks, truncation, placing
  the picture, the conversion to the working space.
* The bare side: the same Z (the node's latent output, taken beforehand), the same network
  loaded with plain torch, ``net(z)`` in batches of the same size and dtype, outputs left on the
  device, on a thread of its own as the node's model worker is.

Seven interleaved rounds; the ratio is the median of the rounds' bare/node ratios (neighbours in
time share the machine's load). Target ratio (bare / node) >= 0.9. On CUDA (float16) it also
prints images/s at batch 16 for DCGAN and a 256x256 StyleGAN2 with random weights; that path is
written for CUDA but untested on hardware here.

Last line: RESULT gan_ratio=<bare_time/ours> images_per_s=<x>
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as `import filmstudio` does, before torch loads
import torch

FRAMES_CPU, FRAMES_CUDA = 160, 1024
ROUNDS = 7  # interleaved node/bare rounds
IN_FLIGHT = 2  # requests the render's frame loop runs ahead: export's look-ahead 6 // batch, at least 2


def model_file(folder: Path) -> tuple[Path, str]:
    """The dcgan-faces architecture (the DCGAN tutorial's nz=100, ngf=64: 64x64) with random weights
    in the benchmark's own folder: the real weights run at the same speed, and what a user
    installed must not change what is measured."""
    from safetensors.torch import save_file

    from filmstudio.models.gan_dcgan import DCGANConfig, build_dcgan

    torch.manual_seed(0)
    net = build_dcgan(DCGANConfig(100, (512, 256, 128, 64, 3)))
    path = folder / "dcgan.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path))
    return path, "DCGAN nz=100 ngf=64, dcgan-faces' architecture (random weights)"


def stylegan_file(folder: Path) -> Path:
    from safetensors.torch import save_file

    from filmstudio.models.gan_stylegan import Generator, StyleGANConfig

    torch.manual_seed(0)
    config = StyleGANConfig(
        z_dim=512,
        w_dim=512,
        mapping_layers=8,
        layer_features=512,
        resolution=256,
        img_channels=3,
        channels={r: min(32768 // r, 512) for r in (4, 8, 16, 32, 64, 128, 256)},
    )
    path = folder / "stylegan2-256.safetensors"
    save_file({k: v.contiguous() for k, v in Generator(config).state_dict().items()}, str(path))
    return path


def build(model: Path, frames: int, size: int):
    """A project whose generator morphs from one take to another over ``frames``: a new latent
    every frame (slerp between the keys), so nothing is served from the cache."""
    from filmstudio.core.project import Project

    project = Project(fps=24, frame_range=(1, frames), width=size, height=size)
    gan = project.add_node("GANGenerator", model=str(model), placement="centre", latent_space="z")
    gan.new_take(seed=1, name="from")
    gan.new_take(seed=2, name="to")
    gan.key_latent(1, take="from")
    gan.key_latent(frames, take="to")
    return project, gan


def node_latents(project, gan, frames: int) -> torch.Tensor:
    """The Z the node renders at each frame (its latent output), for the bare loop."""
    from filmstudio.engine.engine import Engine

    with Engine(project, cpu_workers=2) as engine:
        latents = engine.evaluate_frames(gan, range(1, frames + 1), output="latent_out", cache_frames=False)
    return torch.stack([latent.values for latent in latents])


def time_node(project, gan, frames: int, device: str, batch: int) -> float:
    """The render's frame loop (:func:`filmstudio.render.streaming.stream_frames`) without the
    Write: a request of ``batch`` frames at a time, planned on this thread while up to
    ``IN_FLIGHT`` earlier ones run, ``cache_frames=False``."""
    from filmstudio.engine.engine import Engine

    with Engine(project, cpu_workers=2, device=device) as engine:
        engine.evaluate(gan, 1)  # load the model (both sides load outside the clock)
        engine.cache.clear()
        started = time.perf_counter()
        running: deque = deque()
        images = []
        for first in range(1, frames + 1, batch):
            chunk = list(range(first, min(first + batch, frames + 1)))
            running.append(engine.submit_frames(gan, chunk, cache_frames=False))
            if len(running) > IN_FLIGHT:
                images.extend(running.popleft().result())
        while running:
            images.extend(running.popleft().result())
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - started
    assert len(images) == frames and images[0].shape[0] == 4
    return elapsed


def time_bare(model: Path, zs: torch.Tensor, device: str, batch: int) -> float:
    """The generator alone: loaded with plain torch, fed the same Z, same batch and dtype."""
    from filmstudio.models.gan_load import generator_state
    from filmstudio.models.loaders import read_checkpoint

    state = generator_state(model, read_checkpoint(model))
    half = device.startswith("cuda")
    dtype = torch.float16 if half else torch.float32
    if "main.0.weight" in state:
        from filmstudio.models.gan_dcgan import build_dcgan, dcgan_config

        net = build_dcgan(dcgan_config(state)[0])
        net.load_state_dict(state)
        net = net.to(device=device, dtype=dtype).eval()

        def run(z: torch.Tensor) -> torch.Tensor:
            return net(z.to(dtype))
    else:
        from filmstudio.models.gan_load import describe
        from filmstudio.models.gan_stylegan import Generator

        net = Generator(describe(model, state, {}).config)
        net.load_state_dict(state)
        net = net.to(device).eval()

        def run(z: torch.Tensor) -> torch.Tensor:
            w = net.mapping(z).unsqueeze(1).repeat(1, net.synthesis.num_ws, 1)
            return net.synthesis(w, "const", half=half)

    with torch.inference_mode():
        run(zs[:batch].to(device))  # warm up, as the node's first frame did
        if half:
            torch.cuda.synchronize()
        started = time.perf_counter()
        outputs = [run(zs[i : i + batch].to(device)) for i in range(0, len(zs), batch)]
        if half:
            torch.cuda.synchronize()
        elapsed = time.perf_counter() - started
    assert sum(len(o) for o in outputs) == len(zs)
    return elapsed


def compare(model: Path, what: str, device: str, frames: int, size: int) -> tuple[float, float]:
    from filmstudio_nodes.gan import GANGenerator

    project, gan = build(model, frames, size)
    zs = node_latents(project, gan, frames)
    batch = GANGenerator.batch_size
    ours, bare = [], []
    for _ in range(ROUNDS):
        ours.append(time_node(project, gan, frames, device, batch))
        # on a thread of its own, as the node's model worker: once an Engine has run in this
        # process, torch's CPU kernels run 2-5x slower on the main thread than on a new thread
        with ThreadPoolExecutor(1) as worker:
            bare.append(worker.submit(time_bare, model, zs, device, batch).result())
    # each round's two runs are neighbours in time, so they share the machine's load: the median
    # of the rounds' ratios is steadier on a shared machine than a ratio of best times
    ratio = statistics.median(b / o for b, o in zip(bare, ours, strict=True))
    typical = statistics.median(ours)
    print(
        f"{what} on {device}, {frames} frames, batch {batch}: node median {typical:.3f} s "
        f"({frames / typical:.1f} images/s, best {min(ours):.3f} s), "
        f"bare median {statistics.median(bare):.3f} s "
        f"({frames / statistics.median(bare):.1f} images/s, best {min(bare):.3f} s); "
        f"round ratios {', '.join(f'{b / o:.2f}' for b, o in zip(bare, ours, strict=True))}"
    )
    return ratio, frames / typical


def main() -> int:
    from filmstudio.models.device import resident_models

    device = "cuda:0" if torch.cuda.is_available() else "cpu"
    frames = FRAMES_CUDA if device != "cpu" else FRAMES_CPU
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, device {device}")
    with tempfile.TemporaryDirectory(prefix="gan-bench-") as scratch:
        model, what = model_file(Path(scratch))
        ratio, rate = compare(model, what, device, frames, 64)
        if device != "cpu":
            resident_models(device).clear()
            compare(stylegan_file(Path(scratch)), "StyleGAN2 256x256 (random weights)", device, 256, 256)
    print(f"RESULT gan_ratio={ratio:.3f} images_per_s={rate:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
