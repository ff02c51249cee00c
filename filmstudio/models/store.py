"""The model store: find weights on this machine by name and checksum; never download.

Folders searched, in this order (the first good match wins):

1. the project's folder and its ``models/`` subfolder (models that travel with a project);
2. the user's model folder: ``<platformdirs user data dir>/filmstudio/models`` (where
   ``filmstudio models install`` puts them; ``$XDG_DATA_HOME`` moves it on Linux);
3. every folder in ``$FILMSTUDIO_MODELS`` (separated like ``$PATH``; a studio's shared models);
4. caches other tools fill, read offline: the Hugging Face hub cache (models with a ``hf_repo``)
   and torch hub's checkpoints folder (torchvision weights).

A model's parameter is a manifest name (``dat-light-x2``), a bare file name looked up in those
folders, or a path (relative paths are relative to the project). Named models are verified by
sha256 (hashes are remembered per file identity, so a 45 MB file is hashed once per process).
Thread-safe; no torch.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from filmstudio.core.memo import remembered
from filmstudio.core.version import APP_NAME
from filmstudio.models.errors import ModelError, ModelFileError, ModelNotFoundError
from filmstudio.models.manifest import KnownModel, checksum_matches, known_model, known_models

MODEL_SUFFIXES = (".pth", ".pt", ".safetensors", ".ckpt", ".bin", ".onnx")
Identity = tuple[str, int, int]


def user_models_dir() -> Path:
    """Where ``filmstudio models install`` puts models for this user."""
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False) / "models"


def env_model_dirs() -> list[Path]:
    """The folders listed in ``$FILMSTUDIO_MODELS``."""
    value = os.environ.get("FILMSTUDIO_MODELS", "")
    return [Path(part).expanduser() for part in value.split(os.pathsep) if part.strip()]


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def hf_hub_cache() -> Path:
    """The Hugging Face hub cache folder, as huggingface_hub computes it (without importing it)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME")
    return (Path(home).expanduser() if home else _cache_home() / "huggingface") / "hub"


def torch_hub_checkpoints() -> Path:
    """torch hub's download folder, where torchvision keeps pretrained weights."""
    home = os.environ.get("TORCH_HOME")
    return (Path(home).expanduser() if home else _cache_home() / "torch") / "hub" / "checkpoints"


@dataclass(frozen=True)
class SearchFolder:
    label: str
    path: Path

    def __str__(self) -> str:
        return f"{self.path} ({self.label})"


@dataclass(frozen=True)
class ModelLocation:
    """A usable model on disk. ``identity`` (path, size, mtime) changes when the file is replaced:
    it is part of cache keys and of the resident-model key."""

    ref: str
    path: Path
    model: KnownModel | None
    identity: Identity


def file_identity(path: Path) -> Identity:
    """(path, size, mtime_ns) of a file, or of a model folder's newest file."""
    try:
        if path.is_dir():
            stats = [entry.stat() for entry in os.scandir(path) if entry.is_file()]
            newest = max((s.st_mtime_ns for s in stats), default=0)
            return (str(path), sum(s.st_size for s in stats), newest)
        stat = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), stat.st_size, stat.st_mtime_ns)


_digests: dict[Identity, str] = {}
_digest_lock = threading.Lock()


def sha256_of(path: Path) -> str:
    """The file's sha256 (hex), remembered while the file is unchanged."""
    identity = file_identity(path)
    with _digest_lock:
        known = _digests.get(identity)
    if known is not None:
        return known
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    result = digest.hexdigest()
    with _digest_lock:
        _digests[identity] = result
    return result


def looks_like_path(ref: str) -> bool:
    return ref.startswith(("~", ".")) or "/" in ref or os.sep in ref or os.path.isabs(ref)


class ModelStore:
    """Finds models for one project (``project_dir`` None: no project folder)."""

    def __init__(self, project_dir: str | os.PathLike[str] | None = None) -> None:
        self.project_dir = Path(project_dir) if project_dir else None

    def folders(self, model: KnownModel | None = None) -> list[SearchFolder]:
        """Every folder searched for ``model`` (or for any file, with None), in order."""
        found: list[SearchFolder] = []
        if self.project_dir is not None:
            found += [
                SearchFolder("project folder", self.project_dir),
                SearchFolder("project models folder", self.project_dir / "models"),
            ]
        found.append(SearchFolder("user models folder", user_models_dir()))
        found += [SearchFolder("$FILMSTUDIO_MODELS", folder) for folder in env_model_dirs()]
        if model is None or model.hf_repo:
            found.append(SearchFolder("Hugging Face cache, offline", hf_hub_cache()))
        if model is None or model.kind == "torchvision":
            found.append(SearchFolder("torch hub cache", torch_hub_checkpoints()))
        return found

    # --- lookups ---------------------------------------------------------------------------------

    def find(self, ref: str) -> ModelLocation:
        """The model ``ref`` names; raises :class:`ModelNotFoundError` (naming every folder searched
        and how to install it) or :class:`ModelFileError` (a file with the wrong checksum)."""
        ref = ref.strip()
        if not ref:
            raise ModelError("no model is chosen: set the node's model parameter")
        model = known_model(ref)
        if model is not None:
            return self._find_known(model)
        if looks_like_path(ref):
            path = Path(ref).expanduser()
            if not path.is_absolute() and self.project_dir is not None:
                path = self.project_dir / path
            if path.exists():
                return ModelLocation(ref, path, None, file_identity(path))
        name = Path(ref).name
        for folder in self.folders():
            candidate = folder.path / name
            if candidate.exists():
                return ModelLocation(ref, candidate, None, file_identity(candidate))
        if not looks_like_path(ref) and not name.lower().endswith(MODEL_SUFFIXES):
            names = ", ".join(m.name for m in known_models())
            hint = f"use a known model name ({names}) or choose a weights file"
        else:
            hint = (
                f"choose an existing file in the node's model parameter, or put {name} in {user_models_dir()}"
            )
        raise ModelNotFoundError(ref, name, [str(f) for f in self.folders()], hint)

    def locate(self, model: KnownModel) -> tuple[ModelLocation | None, list[tuple[Path, str]]]:
        """Where ``model`` is installed (or None), and files of its name whose checksum is wrong."""
        mismatched: list[tuple[Path, str]] = []
        for path in self._candidates(model):
            if model.is_directory:
                if (path / "config.json").is_file():
                    return ModelLocation(model.name, path, model, file_identity(path)), mismatched
                continue
            if not path.is_file():
                continue
            digest = sha256_of(path)
            if checksum_matches(model.sha256, digest):
                return ModelLocation(model.name, path, model, file_identity(path)), mismatched
            mismatched.append((path, digest))
        return None, mismatched

    def identity(self, ref: str) -> tuple[object, ...]:
        """What a node's cache key should hold for ``ref``: the file identity when the model is
        usable, else a marker (never raises; errors are for evaluation to report). Looked up
        once per plan pass (:func:`~filmstudio.core.memo.pass_memo`), not for every frame."""
        return remembered(("model identity", self.project_dir, ref), lambda: self._identity(ref))

    def _identity(self, ref: str) -> tuple[object, ...]:
        try:
            return self.find(ref).identity
        except ModelError as error:
            return ("unavailable", ref, type(error).__name__)

    def _find_known(self, model: KnownModel) -> ModelLocation:
        location, mismatched = self.locate(model)
        if location is not None:
            return location
        hint = model.install_hint(str(user_models_dir()))
        if mismatched:
            path, digest = mismatched[0]
            raise ModelFileError(
                path,
                f"its sha256 is {digest[:16]}..., not the {model.sha256[:16] if model.sha256 else ''}... "
                f"published for {model.name}: the file is damaged or a different version",
                f"delete it and {hint}",
            )
        expected = model.file + (f" (sha256 {model.sha256[:16]}...)" if model.sha256 else "")
        searched = [str(folder) for folder in self.folders(model)]
        raise ModelNotFoundError(model.name, expected, searched, hint)

    def _candidates(self, model: KnownModel) -> list[Path]:
        paths: list[Path] = []
        for folder in self.folders(model):
            if folder.label.startswith("Hugging Face"):
                snapshot = _hf_snapshot(folder.path, model.hf_repo)
                if snapshot is not None:
                    paths.append(snapshot if model.is_directory else snapshot / model.file)
            else:
                paths.append(folder.path / model.file)
        return paths


def _hf_snapshot(hub: Path, repo: str) -> Path | None:
    """The cached snapshot of ``repo`` that ``refs/main`` points at (else any snapshot)."""
    if not repo:
        return None
    root = hub / ("models--" + repo.replace("/", "--"))
    try:
        revision = (root / "refs" / "main").read_text().strip()
    except OSError:
        revision = ""
    if revision and (root / "snapshots" / revision).is_dir():
        return root / "snapshots" / revision
    snapshots = sorted((root / "snapshots").glob("*")) if (root / "snapshots").is_dir() else []
    return snapshots[-1] if snapshots else None
