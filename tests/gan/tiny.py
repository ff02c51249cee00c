"""Tiny random-weight generators of the real architectures, and NVlabs-layout pickles of them.

* :func:`tutorial_dcgan` is the PyTorch DCGAN tutorial's ``Generator`` written out here (not
  FilmStudio's builder), so loading its state dict checks FilmStudio against the real layout.
* :func:`stylegan` is a small StyleGAN2 (16x16, a few channels) with every weight random —
  noise strengths, biases and ``w_avg`` too, so each feature of the synthesis shows in the output.
* :func:`write_nvlabs_pickle` pickles a generator the way NVlabs' ``torch_utils.persistence`` does
  (persistent objects carrying their module's source code, EasyDicts, numpy scalars, parameters),
  through stand-in ``torch_utils``/``dnnlib`` modules that exist only while it writes.
"""

from __future__ import annotations

import collections
import pickle
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from filmstudio.models.gan_stylegan import Generator, StyleGANConfig


def tutorial_dcgan(nz: int = 8, ngf: int = 4, nc: int = 3, seed: int = 0) -> nn.Module:
    """The tutorial's 64x64 generator with ``nz``/``ngf``/``nc``, random weights and BN statistics."""
    torch.manual_seed(seed)

    class Generator(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
                nn.BatchNorm2d(ngf * 8),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * 4),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * 2),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
                nn.Tanh(),
            )

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            return self.main(z)

    net = Generator()
    for module in net.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.normal_(0, 0.1)
            module.running_var.uniform_(0.5, 1.5)
            module.weight.data.uniform_(0.8, 1.2)
            module.bias.data.normal_(0, 0.1)
    for module in net.modules():
        if isinstance(module, nn.ConvTranspose2d):
            module.weight.data.normal_(0, 0.3)
    return net.eval()


def save_dcgan(path: Path, **options: Any) -> Path:
    """A tutorial DCGAN saved as its training script saves it (``{"netG_state_dict": ...}``),
    or as plain tensors for ``.safetensors``."""
    state = tutorial_dcgan(**options).state_dict()
    if path.suffix == ".safetensors":
        save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    else:
        torch.save({"netG_state_dict": state, "epoch": 5}, path)
    return path


def stylegan_config(**changes: Any) -> StyleGANConfig:
    options: dict[str, Any] = dict(
        z_dim=8,
        w_dim=8,
        mapping_layers=2,
        layer_features=8,
        resolution=16,
        img_channels=3,
        channels={4: 16, 8: 16, 16: 8},
    )
    options.update(changes)
    return StyleGANConfig(**options)


def stylegan(seed: int = 0, **changes: Any) -> Generator:
    """A tiny StyleGAN2 with every weight (noise strengths, biases, w_avg) random."""
    torch.manual_seed(seed)
    net = Generator(stylegan_config(**changes))
    with torch.no_grad():
        for name, value in net.named_parameters():
            if name.endswith("noise_strength"):
                value.fill_(0.3)
            elif name.endswith("bias") and "affine" not in name:
                value.normal_(0, 0.1)
        net.mapping.w_avg.normal_(0, 0.5)
    return net.eval()


def save_stylegan(path: Path, net: Generator | None = None, **options: Any) -> Path:
    net = net or stylegan(**options)
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    if path.suffix == ".safetensors":
        save_file(state, str(path))
    else:
        torch.save({"G_ema": state}, path)
    return path


# --- NVlabs network pickles ---------------------------------------------------------------------


def _standin_modules(monkeypatch: Any) -> tuple[Any, type]:
    persistence = types.ModuleType("torch_utils.persistence")

    def _reconstruct_persistent_obj(meta: Any) -> Any:  # what NVlabs runs; never called here
        raise AssertionError("the stand-in persistence module must never unpickle")

    _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
    _reconstruct_persistent_obj.__qualname__ = "_reconstruct_persistent_obj"
    persistence._reconstruct_persistent_obj = _reconstruct_persistent_obj
    util = types.ModuleType("dnnlib.util")

    class EasyDict(dict):
        pass

    EasyDict.__module__, EasyDict.__qualname__ = "dnnlib.util", "EasyDict"
    util.EasyDict = EasyDict
    for name, module in (
        ("torch_utils", types.ModuleType("torch_utils")),
        ("torch_utils.persistence", persistence),
        ("dnnlib", types.ModuleType("dnnlib")),
        ("dnnlib.util", util),
    ):
        monkeypatch.setitem(sys.modules, name, module)
    return _reconstruct_persistent_obj, EasyDict


class _Pickled:
    """Pickles as NVlabs' persistent classes do: (_reconstruct_persistent_obj, (meta,))."""

    def __init__(self, reconstruct: Any, meta: dict[str, Any]) -> None:
        self.reconstruct, self.meta = reconstruct, meta

    def __reduce__(self) -> Any:
        return self.reconstruct, (self.meta,)


def _persistent(module: nn.Module, reconstruct: Any, source: str) -> _Pickled:
    state: dict[str, Any] = {
        "training": False,
        "_parameters": collections.OrderedDict(
            (k, nn.Parameter(v.clone(), requires_grad=True) if v is not None else None)
            for k, v in module._parameters.items()
        ),
        "_buffers": collections.OrderedDict((k, v.clone()) for k, v in module._buffers.items()),
        "_non_persistent_buffers_set": set(),
        "_backward_hooks": collections.OrderedDict(),
        "_forward_hooks": collections.OrderedDict(),
        "_modules": collections.OrderedDict(
            (k, _persistent(v, reconstruct, source)) for k, v in module._modules.items()
        ),
        "_init_args": (),
        "_init_kwargs": {"channel_base": 32768},
    }
    for name, value in vars(module).items():
        if name.startswith("_") or name == "config":
            continue
        if isinstance(value, float):
            value = np.float64(value)  # NVlabs' gains are numpy floats
        if isinstance(value, bool | int | float | str | np.floating) or value is None:
            state[name] = value
    if isinstance(module, Generator):
        c = module.config
        state.update(z_dim=c.z_dim, c_dim=0, w_dim=c.w_dim, img_resolution=c.resolution, img_channels=3)
    meta = {
        "type": "class",
        "version": 6,
        "module_src": source,
        "class_name": type(module).__name__,
        "state": state,
    }
    return _Pickled(reconstruct, meta)


def write_nvlabs_pickle(path: Path, net: Generator, monkeypatch: Any, marker: Path | None = None) -> Path:
    """``{"G": net, "D": None, "G_ema": net, "training_set_kwargs": EasyDict(...)}`` pickled as
    NVlabs does. The persistent objects' module source writes ``marker`` when executed: a reader
    that runs it leaves the file behind."""
    reconstruct, easy_dict = _standin_modules(monkeypatch)
    source = f"open({str(marker)!r}, 'w').write('the pickle ran code')\n" if marker else "pass\n"
    generator = _persistent(net, reconstruct, source)
    data = {
        "G": generator,
        "D": None,
        "G_ema": generator,
        "training_set_kwargs": easy_dict(path="ffhq.zip", resolution=16, use_labels=False),
        "augment_pipe": None,
        "cur_nimg": np.int64(25000),
    }
    with open(path, "wb") as stream:
        pickle.dump(data, stream, protocol=3)  # stylegan2-ada-pytorch's default protocol
    return path


class Payload:
    """A pickle payload that would run a shell command when unpickled."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> Any:
        import os

        return os.system, (self.command,)
