"""``filmstudio models convert-stylegan``: NVlabs StyleGAN2 pickles to safetensors, running nothing.

NVlabs' network pickles (``stylegan2-ada-pytorch``'s ``ffhq.pkl``, ``metfaces.pkl``, ...;
``stylegan3``'s ``stylegan2-*.pkl``) are a dict ``{"G": ..., "D": ..., "G_ema": ...,
"training_set_kwargs": ..., "augment_pipe": ...}`` whose networks are *persistent objects*: each
is pickled as ``torch_utils.persistence._reconstruct_persistent_obj(meta)``, where ``meta`` holds
the Python source of the module that defines the class — which unpickling the normal way
``exec``-utes — plus the class name and the object's state (``_parameters``, ``_buffers``,
``_modules`` and attributes such as ``conv_clamp``).

:class:`SafeUnpickler` never imports or runs anything from the file: ``find_class`` maps only the
globals such a pickle uses to harmless stand-ins — persistent objects become :class:`Persistent`
records (class name + state; the source code is never looked at), tensors are rebuilt by torch's
own ``weights_only`` machinery, numpy scalars/arrays from their raw bytes — and refuses every other
global (``os.system``, ``builtins.eval``, a ``__reduce__`` payload of any kind) before calling it,
with :class:`UnsafeModelFileError`. :func:`convert_stylegan` then walks ``G_ema``'s module tree,
accepting only StyleGAN2's class names, into a state dict in NVlabs' layout, and writes it with
the settings its shapes cannot tell (mapping learning rate, conv_clamp, fp16 layers) as metadata.
"""

from __future__ import annotations

import io
import json
import os
import pickle
from collections import OrderedDict
from pathlib import Path
from typing import Any

from filmstudio.models.errors import ModelFileError, UnsafeModelFileError
from filmstudio.models.gan_load import METADATA_KEY, STYLEGAN2, describe

STYLEGAN2_CLASSES = frozenset(
    {
        "Generator",
        "MappingNetwork",
        "SynthesisNetwork",
        "SynthesisBlock",
        "SynthesisLayer",
        "ToRGBLayer",
        "FullyConnectedLayer",
        "Conv2dLayer",
    }
)
_STYLEGAN3 = frozenset({"SynthesisInput"})


class Persistent:
    """An NVlabs persistent object as data: its class name and pickled state, never its code."""

    __slots__ = ("class_name", "state")

    def __init__(self, class_name: str, state: dict[str, Any]) -> None:
        self.class_name, self.state = class_name, state


class _EasyDict(dict):
    """dnnlib.util.EasyDict as a plain dict (its attribute access is not needed to read data)."""


class _Dtype:
    """numpy.dtype from a pickle, as its code and byte order (only plain number types are used)."""

    def __init__(self, code: Any, align: Any = False, copy: Any = True) -> None:
        if not isinstance(code, str) or code[:1] not in ("b", "i", "u", "f"):
            raise pickle.UnpicklingError(f"numpy dtype {code!r} is not a plain number type")
        self.code, self.order = code, "="

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) > 1 and state[1] in ("<", ">", "=", "|"):
            self.order = state[1]

    def numpy(self) -> Any:
        import numpy as np

        dtype = np.dtype(self.code)
        return dtype.newbyteorder(self.order) if self.order in "<>" else dtype


def _scalar(dtype: Any, data: Any = None) -> Any:
    import numpy as np

    if not isinstance(dtype, _Dtype) or not isinstance(data, bytes):
        raise pickle.UnpicklingError("a numpy scalar that is not a plain number")
    return np.frombuffer(data, dtype=dtype.numpy(), count=1)[0].item()


class _Array:
    """numpy.ndarray from a pickle: rebuilt from its raw bytes (number types only) in BUILD."""

    def __setstate__(self, state: Any) -> None:
        import numpy as np

        if not (isinstance(state, tuple) and len(state) == 5 and isinstance(state[2], _Dtype)):
            raise pickle.UnpicklingError("a numpy array that is not plain numbers")
        _version, shape, dtype, fortran, raw = state
        if not isinstance(raw, bytes):
            raise pickle.UnpicklingError("a numpy array of Python objects")
        self.array = np.frombuffer(raw, dtype=dtype.numpy()).reshape(shape, order="F" if fortran else "C")


_NDARRAY = object()


def _reconstruct_array(cls: Any, shape: Any, code: Any) -> _Array:
    if cls is not _NDARRAY:
        raise pickle.UnpicklingError("a numpy array of an unknown class")
    return _Array()


def _persistent(meta: Any) -> Persistent:
    """torch_utils.persistence._reconstruct_persistent_obj, minus the exec of meta['module_src']."""
    if (
        not isinstance(meta, dict)
        or meta.get("type") != "class"
        or not isinstance(meta.get("class_name"), str)
    ):
        raise pickle.UnpicklingError("a persistent object without a class name")
    state = meta.get("state")
    return Persistent(meta["class_name"], dict(state) if isinstance(state, dict) else {})


def _rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any, *rest: Any) -> Any:
    import torch

    storages = (torch.storage.TypedStorage, torch.storage.UntypedStorage)
    if not isinstance(storage, storages) or not isinstance(offset, int):
        raise pickle.UnpicklingError("a tensor without its storage")
    if not all(isinstance(n, int) for n in (*size, *stride)):
        raise pickle.UnpicklingError("a tensor with a malformed shape")
    return torch._utils._rebuild_tensor_v2(storage, offset, tuple(size), tuple(stride), False, OrderedDict())


def _storage_from_bytes(data: Any) -> Any:
    import torch

    if not isinstance(data, bytes):
        raise pickle.UnpicklingError("a tensor storage that is not bytes")
    return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)


def _allowed() -> dict[tuple[str, str], Any]:
    import torch

    parameter = lambda data, *_rest: data  # noqa: E731 (Parameter(data) -> just the tensor)
    found: dict[tuple[str, str], Any] = {
        ("torch_utils.persistence", "_reconstruct_persistent_obj"): _persistent,
        ("dnnlib.util", "EasyDict"): _EasyDict,
        ("collections", "OrderedDict"): OrderedDict,
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        ("__builtin__", "set"): set,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): parameter,
        ("torch.storage", "_load_from_bytes"): _storage_from_bytes,
        ("torch", "Size"): torch.Size,
        ("torch", "device"): torch.device,
        ("numpy", "dtype"): _Dtype,
        ("numpy", "ndarray"): _NDARRAY,
    }
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        found[(module, "scalar")] = _scalar
        found[(module, "_reconstruct")] = _reconstruct_array
    for name in (
        "float16",
        "float32",
        "float64",
        "bfloat16",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "bool",
    ):
        found[("torch", name)] = getattr(torch, name)
    return found


class SafeUnpickler(pickle.Unpickler):
    """Reads an NVlabs network pickle as data (see the module docstring); refuses anything else."""

    def __init__(self, stream: Any, path: Path) -> None:
        super().__init__(stream)
        self._path = path
        self._allowed = _allowed()

    def find_class(self, module: str, name: str) -> Any:
        safe = self._allowed.get((module, name))
        if safe is not None:
            return safe
        if module.startswith("dnnlib.tflib"):
            raise ModelFileError(
                self._path,
                "is a TensorFlow StyleGAN pickle (dnnlib.tflib), which FilmStudio cannot read",
                "use the PyTorch pickles of NVlabs' stylegan2-ada-pytorch or stylegan3",
            )
        raise UnsafeModelFileError(
            self._path,
            f"is a pickle that would call {module}.{name} when loaded, which is not part of an NVlabs "
            "StyleGAN2 network pickle; FilmStudio refused it without running anything",
            "convert only network pickles you downloaded from NVlabs (or saved with their code)",
        )

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafeModelFileError(self._path, "uses pickle persistent ids, which NVlabs pickles never do")


def read_network_pickle(path: Path) -> Any:
    """What an NVlabs network pickle holds, as data (see :class:`SafeUnpickler`)."""
    if not path.is_file():
        raise ModelFileError(path, "is not a file")
    try:
        with open(path, "rb") as stream:
            return SafeUnpickler(stream, path).load()
    except ModelFileError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as error:
        raise ModelFileError(
            path,
            f"is not a readable network pickle ({str(error)[:200] or type(error).__name__})",
            "download it again",
        ) from None


def _collect(obj: Persistent, prefix: str, out: dict[str, Any], path: Path) -> None:
    if obj.class_name in _STYLEGAN3:
        raise ModelFileError(
            path,
            "holds a StyleGAN3 generator, which FilmStudio does not run",
            "use a StyleGAN2 pickle (e.g. stylegan3's stylegan2-*.pkl)",
        )
    if obj.class_name not in STYLEGAN2_CLASSES:
        raise ModelFileError(
            path,
            f"holds a {obj.class_name} where a StyleGAN2 generator has "
            f"{', '.join(sorted(STYLEGAN2_CLASSES))}",
        )
    import torch

    state = obj.state
    skip = set(state.get("_non_persistent_buffers_set") or ())
    for section in ("_parameters", "_buffers"):
        for name, value in (state.get(section) or {}).items():
            if isinstance(value, torch.Tensor) and name not in skip:
                out[prefix + name] = value.detach().clone().contiguous()
    for name, child in (state.get("_modules") or {}).items():
        if child is None:
            continue
        if not isinstance(child, Persistent):
            raise ModelFileError(path, f"has a module {prefix}{name} that is not an NVlabs network class")
        _collect(child, f"{prefix}{name}.", out, path)


def _modules(obj: Persistent) -> dict[str, Any]:
    return {k: v for k, v in (obj.state.get("_modules") or {}).items() if isinstance(v, Persistent)}


def _settings(generator: Persistent) -> dict[str, Any]:
    """What the shapes cannot tell, read from the networks' attributes."""
    state, modules = generator.state, _modules(generator)
    settings: dict[str, Any] = {"architecture": STYLEGAN2, "source": "NVlabs pickle"}
    for name in ("z_dim", "w_dim", "img_resolution", "img_channels"):
        if isinstance(state.get(name), int):
            settings[name] = state[name]
    fc0 = _modules(modules["mapping"]).get("fc0") if "mapping" in modules else None
    if fc0 is not None and isinstance(fc0.state.get("bias_gain"), int | float):
        settings["mapping_lr"] = float(fc0.state["bias_gain"])
    blocks = list(_modules(modules["synthesis"]).values()) if "synthesis" in modules else []
    if blocks:
        settings["synthesis_architecture"] = str(blocks[0].state.get("architecture", "skip"))
        settings["num_fp16_res"] = sum(1 for b in blocks if b.state.get("use_fp16") is True)
        clamp = _modules(blocks[0]).get("conv1")
        value = clamp.state.get("conv_clamp") if clamp is not None else None
        settings["conv_clamp"] = float(value) if isinstance(value, int | float) else None
    return settings


def convert_stylegan(source: Path, target: Path, network: str = "G_ema") -> Any:
    """Convert the ``network`` of an NVlabs pickle to a ``.safetensors`` at ``target`` (written
    whole or not at all, and loaded back before it is kept); returns its GanInfo."""
    from safetensors.torch import save_file

    data = read_network_pickle(source)
    generator = data.get(network) if isinstance(data, dict) else None
    if not isinstance(generator, Persistent):
        found = ", ".join(map(str, data)) if isinstance(data, dict) else type(data).__name__
        raise ModelFileError(
            source,
            f"has no {network} network (it holds: {found})",
            "choose an NVlabs network pickle (a .pkl with G, D and G_ema)",
        )
    if generator.class_name != "Generator":
        raise ModelFileError(source, f"{network} is a {generator.class_name}, not a Generator")
    tensors: dict[str, Any] = {}
    _collect(generator, "", tensors, source)
    settings = _settings(generator)
    info = describe(source, tensors, settings)  # refuses what the loader would refuse
    target = Path(target)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        save_file(tensors, str(partial), metadata={"format": "pt", METADATA_KEY: json.dumps(settings)})
        os.replace(partial, target)
    except OSError as error:
        raise ModelFileError(target, f"cannot be written ({error.strerror or error})") from None
    finally:
        partial.unlink(missing_ok=True)
    return info
