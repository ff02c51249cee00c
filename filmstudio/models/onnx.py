"""ONNX models with onnxruntime: sessions resident on the model worker, like spandrel models.

A session is created once per (file identity, device) and kept in the device's
:func:`~filmstudio.models.device.resident_models` (its memory counted as the file's size, which
is what an inference session holds for weights), so a replaced file reloads and the
least-recently-used sessions are dropped when the budget is exceeded.

Execution providers are chosen at run time from what the installed onnxruntime offers: on a CUDA
device the CUDA provider when present (then the CPU provider for operators it lacks), else the CPU
provider. The ``onnxruntime`` wheel on PyPI is CPU-only; a GPU user replaces it with the
``onnxruntime-gpu`` wheel (``pip uninstall onnxruntime && pip install onnxruntime-gpu``, which
needs the CUDA 12 and cuDNN 9 libraries; ``filmstudio models`` says nothing about that), and the
same code then runs on the CUDA provider. A CUDA provider that cannot load its libraries makes
onnxruntime fall back to the CPU silently; :attr:`OnnxModel.providers` says what a session
really uses.

Tensors cross as NumPy float32 arrays on the host: onnxruntime owns its device buffers, so a GPU
frame makes one download and one upload per call (the caller moves results back to its device).
Runs on the model worker thread; onnxruntime is imported here, lazily.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from filmstudio.models.device import is_cuda, resident_models
from filmstudio.models.errors import ModelError, ModelFileError
from filmstudio.models.store import ModelLocation

CPU_PROVIDER = "CPUExecutionProvider"
CUDA_PROVIDER = "CUDAExecutionProvider"
_INSTALL = (
    "install it with `pip install onnxruntime` (CPU), or for NVIDIA GPUs replace it with "
    "`pip install onnxruntime-gpu`"
)


def onnxruntime_module() -> Any:
    """The onnxruntime module, or a :class:`ModelError` saying how to install it."""
    try:
        import onnxruntime
    except ImportError:
        raise ModelError(f"ONNX models need onnxruntime, which is not installed: {_INSTALL}") from None
    return onnxruntime


def onnx_providers(device: str) -> list[Any]:
    """The execution providers for ``device`` ("cpu", "cuda:N") that this onnxruntime offers."""
    available = onnxruntime_module().get_available_providers()
    if is_cuda(device) and CUDA_PROVIDER in available:
        index = int(device.split(":", 1)[1]) if ":" in device else 0
        return [(CUDA_PROVIDER, {"device_id": index}), CPU_PROVIDER]
    return [CPU_PROVIDER]


@dataclass
class OnnxModel:
    """A resident onnxruntime session: ``inputs``/``outputs`` are the graph's names in order and
    ``shapes`` the declared input shapes (symbolic dimensions as strings)."""

    session: Any
    path: str
    device: str
    resident_nbytes: int  # counted by the resident-model budget

    @property
    def inputs(self) -> list[str]:
        return [port.name for port in self.session.get_inputs()]

    @property
    def outputs(self) -> list[str]:
        return [port.name for port in self.session.get_outputs()]

    @property
    def shapes(self) -> dict[str, list[Any]]:
        return {port.name: list(port.shape) for port in self.session.get_inputs()}

    @property
    def providers(self) -> list[str]:
        return list(self.session.get_providers())

    def run(self, feeds: Mapping[str, Any]) -> list[Any]:
        """Every output for ``feeds`` (name -> NumPy array). A failed allocation is raised as a
        ``RuntimeError("out of memory ...")``, which :mod:`filmstudio.models.runtime` answers with
        smaller tiles and then the CPU; other failures become a :class:`ModelFileError` naming the
        file (a model that does not take what it was given)."""
        try:
            return list(self.session.run(None, dict(feeds)))
        except Exception as error:
            gist = _gist(error)
            if "allocat" in gist.lower() or "out of memory" in gist.lower():
                raise RuntimeError(f"out of memory: {gist}") from None
            raise ModelFileError(
                self.path, f"failed to run ({gist})", "check that it is the right model"
            ) from None


def _gist(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__


def load_onnx(location: ModelLocation, device: str) -> OnnxModel:
    """The ONNX model at ``location`` as a session resident on ``device`` (created on first use)."""
    key = ("onnx", location.identity, device)

    def load() -> OnnxModel:
        ort = onnxruntime_module()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # warnings about unused initialisers are not the user's concern
        try:
            session = ort.InferenceSession(
                str(location.path), sess_options=options, providers=onnx_providers(device)
            )
        except Exception as error:
            raise ModelFileError(
                location.path,
                f"is not a usable ONNX model ({_gist(error)})",
                "re-download or reinstall it",
            ) from None
        size = location.identity[1] if location.identity[1] > 0 else 0
        return OnnxModel(session, str(location.path), device, size)

    return resident_models(device).get(key, load)


def check_inputs(model: OnnxModel, expected: Sequence[str], what: str) -> None:
    """Refuse a model whose inputs are not ``expected`` (in order) with a message naming ``what``
    the node needs, instead of an onnxruntime error at the first frame."""
    if model.inputs != list(expected):
        have = ", ".join(model.inputs) or "none"
        raise ModelFileError(
            model.path,
            f"takes the inputs ({have}), not ({', '.join(expected)}) of {what}",
            "choose the model the node expects",
        )
