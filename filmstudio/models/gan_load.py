"""Loading GAN generators: DCGAN and StyleGAN2 from state dicts, resident on a device.

A weights file is a ``.safetensors`` or a torch file read with ``weights_only=True`` (nothing in it
runs). The generator's state dict is found inside common wrappers (``netG_state_dict`` of the
PyTorch DCGAN tutorial's checkpoints, ``G_ema``/``g_ema``, ``generator``, ``state_dict``), with a
``module.`` prefix (DataParallel) removed. The architecture is told from the keys (``main.N`` is
DCGAN, ``mapping.``/``synthesis.`` StyleGAN2 in NVlabs' layout) and its sizes from the shapes; a
``.safetensors`` written by ``filmstudio models convert-stylegan`` also carries the settings the
shapes cannot tell (the mapping network's learning-rate multiplier, conv_clamp, fp16 layers) in its
metadata under :data:`METADATA_KEY`. A file that is not such a generator, or whose metadata
disagrees with its tensors, is a :class:`ModelFileError` naming the file and what differs.

Models are loaded on the model worker of their device and stay resident (see
:mod:`filmstudio.models.device`). On CUDA with precision "auto", DCGAN runs in float16 and
StyleGAN2's highest resolutions in float16 (NVlabs' mixed precision); float32 elsewhere.
"""

from __future__ import annotations

import json
import re
import threading
import zipfile
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from filmstudio.models.device import is_cuda, place, resident_models
from filmstudio.models.errors import ModelFileError
from filmstudio.models.gan_dcgan import build_dcgan, dcgan_config
from filmstudio.models.loaders import read_checkpoint
from filmstudio.models.store import ModelLocation, sha256_of

DCGAN, STYLEGAN2 = "dcgan", "stylegan2"
METADATA_KEY = "filmstudio.gan"  # JSON settings in a .safetensors' metadata
_WRAPPERS = (
    "netG_state_dict",
    "G_ema",
    "g_ema",
    "generator",
    "netG",
    "G",
    "state_dict",
    "params_ema",
    "model",
)
_STYLEGAN_HELP = (
    "use a StyleGAN2 generator's state dict in NVlabs' layout (G_ema.state_dict() of "
    "stylegan2-ada-pytorch), or convert an NVlabs .pkl with `filmstudio models convert-stylegan`"
)
_DCGAN_HELP = "use the generator of the PyTorch DCGAN tutorial (netG_state_dict, keys main.N...)"


@dataclass(frozen=True)
class GanInfo:
    """What a generator file holds, told from its tensors: for takes, walks and messages."""

    path: Path
    architecture: str  # DCGAN | STYLEGAN2
    z_dim: int
    w_dim: int  # 0 for DCGAN (no W space)
    num_ws: int  # 0 for DCGAN
    resolution: int
    channels: int
    digest: str  # the file's sha256: what a latent's ``model`` names
    config: Any = None

    @property
    def label(self) -> str:
        if self.architecture == DCGAN:
            return f"{self.path.name} (DCGAN, nz={self.z_dim}, {self.resolution}x{self.resolution})"
        return (
            f"{self.path.name} (StyleGAN2, z_dim={self.z_dim}, w_dim={self.w_dim}, "
            f"{self.resolution}x{self.resolution})"
        )


def generator_state(path: Path, loaded: Any) -> dict[str, Any]:
    """The generator's tensors inside what a file holds (see the module docstring)."""
    import torch

    for _ in range(3):
        if not isinstance(loaded, Mapping):
            break
        if any(isinstance(v, torch.Tensor) for v in loaded.values()):
            state = {str(k): v for k, v in loaded.items() if isinstance(v, torch.Tensor)}
            if state and all(k.startswith("module.") for k in state):
                state = {k[len("module.") :]: v for k, v in state.items()}
            return state
        inner = next((loaded[k] for k in _WRAPPERS if isinstance(loaded.get(k), Mapping)), None)
        if inner is None:
            break
        loaded = inner
    found = ", ".join(map(str, list(loaded)[:8])) if isinstance(loaded, Mapping) else type(loaded).__name__
    raise ModelFileError(
        path,
        f"holds no generator state dict (found: {found or 'nothing'}; expected netG_state_dict, G_ema or "
        "the generator's tensors)",
        "choose the generator's weights, not a discriminator or optimiser checkpoint",
    )


def read_generator(path: Path, *, mmap: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """(state dict, settings from the metadata) of a generator file."""
    mmap = mmap and path.suffix.lower() != ".safetensors" and zipfile.is_zipfile(path)
    state = generator_state(path, read_checkpoint(path, mmap=mmap))
    settings: dict[str, Any] = {}
    if path.suffix.lower() == ".safetensors":
        from safetensors import safe_open

        with safe_open(str(path), "pt") as handle:
            text = (handle.metadata() or {}).get(METADATA_KEY)
        if text:
            try:
                settings = dict(json.loads(text))
            except (ValueError, TypeError):
                raise ModelFileError(
                    path, f"its {METADATA_KEY} metadata is not JSON", "convert it again"
                ) from None
    return state, settings


def describe(path: Path, state: dict[str, Any], settings: dict[str, Any]) -> GanInfo:
    """Architecture and sizes of a generator state dict; :class:`ModelFileError` says what differs."""
    architecture = settings.get("architecture") or _architecture(path, state)
    if architecture == DCGAN:
        config, problems = dcgan_config(state)
        declared = settings.get("nz")
        if config is not None and declared is not None and int(declared) != config.nz:
            problems = [f"its metadata says nz={declared} but main.0.weight takes nz={config.nz}"]
        if config is None or problems:
            raise ModelFileError(path, "is not a DCGAN generator: " + "; ".join(problems), _DCGAN_HELP)
        _check_keys(path, state, _expected(build_dcgan, config), "DCGAN", _DCGAN_HELP)
        return GanInfo(path, DCGAN, config.nz, 0, 0, config.resolution, config.nc, "", config)
    if architecture != STYLEGAN2:
        raise ModelFileError(path, f"has an unknown architecture {architecture!r} in its metadata")
    from filmstudio.models.gan_stylegan import Generator

    config = _stylegan_config(path, state, settings)
    _check_keys(path, state, _expected(Generator, config), "StyleGAN2", _STYLEGAN_HELP)
    return GanInfo(
        path,
        STYLEGAN2,
        config.z_dim,
        config.w_dim,
        config.num_ws,
        config.resolution,
        config.img_channels,
        "",
        config,
    )


def _expected(build: Any, config: Any) -> dict[str, Any]:
    """The state dict an architecture has, as shapes only (built on the meta device: no memory)."""
    import torch

    with torch.device("meta"):
        return build(config).state_dict()


_info_cache: dict[tuple[Any, ...], GanInfo] = {}
_info_lock = threading.Lock()


def gan_info(location: ModelLocation) -> GanInfo:
    """:func:`describe` of the file at ``location`` with its sha256, remembered while it is unchanged."""
    with _info_lock:
        known = _info_cache.get(location.identity)
    if known is not None:
        return known
    state, settings = read_generator(location.path, mmap=True)
    info = describe(location.path, state, settings)
    digest = location.model.sha256 if location.model and len(location.model.sha256 or "") == 64 else None
    info = replace(info, digest=digest or sha256_of(location.path))
    with _info_lock:
        _info_cache[location.identity] = info
    return info


@dataclass
class GanModel:
    """A generator resident on one device: ``net`` (DCGAN, or StyleGAN2 with ``mapping`` and
    ``synthesis``), ``half`` where it computes in float16."""

    info: GanInfo
    net: Any
    device: str
    half: bool
    key: Hashable

    @property
    def model(self) -> Any:  # for the resident-memory accounting
        return self.net


def load_gan(location: ModelLocation, device: str, precision: str = "auto") -> GanModel:
    """The generator at ``location``, resident on ``device`` (loaded on first use). Call on the
    device's model worker."""
    import torch

    key = ("gan", location.identity, device, precision)
    half = is_cuda(device) and precision == "auto"

    def load() -> GanModel:
        info = gan_info(location)
        state, _settings = read_generator(location.path)
        if info.architecture == DCGAN:
            net = build_dcgan(info.config)
            net.load_state_dict(state, strict=True)
            net = place(net, device, torch.float16 if half else torch.float32)
        else:
            from filmstudio.models.gan_stylegan import Generator

            net = Generator(info.config)
            defaults = net.state_dict()
            filled = {k: state.get(k, v) for k, v in defaults.items()}  # resample filters, if left out
            net.load_state_dict(filled, strict=True)
            net = net.to(device).eval()
        for parameter in net.parameters():
            parameter.requires_grad_(False)
        return GanModel(info, net, device, half, key)

    return resident_models(device).get(key, load)


def _architecture(path: Path, state: dict[str, Any]) -> str:
    if any(k.startswith(("mapping.", "synthesis.")) for k in state):
        return STYLEGAN2
    if any(k.startswith("main.") for k in state):
        return DCGAN
    if "style.1.weight" in state and any(k.startswith("convs.") for k in state):
        problem = "is a StyleGAN2 state dict in rosinality's stylegan2-pytorch layout, which is not supported"
        raise ModelFileError(path, problem, _STYLEGAN_HELP)
    keys = ", ".join(list(state)[:6])
    raise ModelFileError(
        path,
        f"is neither a DCGAN (main.N...) nor a StyleGAN2 (mapping./synthesis.) generator; "
        f"its keys begin {keys}",
        "choose a DCGAN or StyleGAN2 generator's weights",
    )


_BLOCK = re.compile(r"^synthesis\.b(\d+)\.")
_FC = re.compile(r"^mapping\.fc(\d+)\.weight$")


def _stylegan_config(path: Path, state: dict[str, Any], settings: dict[str, Any]) -> Any:
    from filmstudio.models.gan_stylegan import StyleGANConfig

    def refuse(problem: str) -> ModelFileError:
        return ModelFileError(
            path, f"is not a StyleGAN2 generator NVlabs' layout describes: {problem}", _STYLEGAN_HELP
        )

    if "mapping.embed.weight" in state:
        raise ModelFileError(
            path,
            "is a class-conditional StyleGAN2 (mapping.embed), which is not supported",
            "choose an unconditional generator",
        )
    fcs = sorted(int(m.group(1)) for k in state if (m := _FC.match(k)))
    if not fcs or fcs != list(range(len(fcs))):
        raise refuse(
            "its mapping network (mapping.fc0.weight, mapping.fc1.weight, ...) is missing or has gaps"
        )
    resolutions = sorted({int(m.group(1)) for k in state if (m := _BLOCK.match(k))})
    expected = [2**i for i in range(2, 2 + len(resolutions))]
    if not resolutions or resolutions != expected:
        raise refuse(f"its synthesis blocks are b{resolutions} (expected b4, b8, ... doubling)")
    top = resolutions[-1]
    needed = [f"synthesis.b{r}.conv1.weight" for r in resolutions] + [f"synthesis.b{top}.torgb.weight"]
    missing = [k for k in needed if k not in state]
    if missing:
        raise refuse("missing " + ", ".join(missing[:4]))
    architecture = (
        "resnet"
        if any(k.endswith(".skip.weight") for k in state)
        else ("skip" if top == 4 or "synthesis.b4.torgb.weight" in state else "orig")
    )
    first, last = state["mapping.fc0.weight"], state[f"mapping.fc{fcs[-1]}.weight"]
    config = StyleGANConfig(
        z_dim=int(first.shape[1]),
        w_dim=int(last.shape[0]),
        mapping_layers=len(fcs),
        layer_features=int(first.shape[0]),
        resolution=top,
        img_channels=int(state[f"synthesis.b{top}.torgb.weight"].shape[0]),
        channels={r: int(state[f"synthesis.b{r}.conv1.weight"].shape[0]) for r in resolutions},
        architecture=str(settings.get("synthesis_architecture", architecture)),
        mapping_lr=float(settings.get("mapping_lr", 0.01)),
        conv_clamp=None if settings.get("conv_clamp") is None else float(settings["conv_clamp"]),
        num_fp16_res=int(settings.get("num_fp16_res", 4)),
        use_noise="synthesis.b4.conv1.noise_strength" in state,
    )
    for name in ("z_dim", "w_dim"):
        if name in settings and int(settings[name]) != getattr(config, name):
            raise refuse(
                f"its metadata says {name}={settings[name]} but its tensors have {getattr(config, name)}"
            )
    return config


def _check_keys(path: Path, state: dict[str, Any], expected: dict[str, Any], what: str, advice: str) -> None:
    """What differs between ``state`` and the state dict the architecture expects, as an error."""
    optional = ("resample_filter",)  # constant filters some tools leave out; the defaults are exact
    missing = [k for k in expected if k not in state and not k.endswith(optional)]
    unexpected = [k for k in state if k not in expected]
    shapes = [
        f"{k} is {list(state[k].shape)}, expected {list(v.shape)}"
        for k, v in expected.items()
        if k in state and tuple(state[k].shape) != tuple(v.shape)
    ]
    problems = []
    if missing:
        problems.append(
            f"missing {', '.join(missing[:5])}" + (f" (+{len(missing) - 5} more)" if len(missing) > 5 else "")
        )
    if unexpected:
        more = f" (+{len(unexpected) - 5} more)" if len(unexpected) > 5 else ""
        problems.append(f"unexpected {', '.join(unexpected[:5])}{more}")
    problems += shapes[:5]
    if problems:
        raise ModelFileError(
            path, f"does not match the {what} its shapes describe: " + "; ".join(problems), advice
        )
