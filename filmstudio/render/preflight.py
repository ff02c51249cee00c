"""Before a render's first frame: every model the graph needs, looked up at once.

Nodes say which models they cannot render without (:meth:`Node.required_models`: a GAN
Generator's generator, a Style's network, an Upscaler set to ``model``); nodes that render from
takes (LLM Script, Speech) need none. A project whose models are missing then fails in well under
a second with one message — every missing or damaged model, the nodes that need it, and the one
command that installs them — instead of on its first model node after the cheap work, once per
model. Only nodes that feed the writer count, and not disabled ones (they pass their input on).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.models.errors import ModelError, ModelFileError, ModelNotFoundError
from filmstudio.models.manifest import KnownModel, known_model, known_models, models_named
from filmstudio.models.store import ModelStore, user_models_dir


@dataclass(frozen=True)
class MissingModel:
    """A model reference no model folder answers: ``problem`` says how (not installed, damaged),
    ``nodes`` are the names of the nodes that need it, ``model`` its manifest entry if known."""

    ref: str
    nodes: tuple[str, ...]
    problem: str
    model: KnownModel | None

    @property
    def installable(self) -> bool:
        return self.model is not None and self.model.install is not None

    def line(self) -> str:
        expected = f" ({self.model.file})" if self.model is not None else ""
        return f"  {self.ref}{expected} for {', '.join(self.nodes)}: {self.problem}"


class MissingModelsError(ModelError):
    """Models a render needs are missing or damaged; the message lists them all and says how to
    install them (``missing`` keeps them for callers that show them otherwise)."""

    def __init__(
        self, missing: Sequence[MissingModel], action: str = "render", needer: str = "this project"
    ) -> None:
        self.missing = tuple(missing)
        count = len(self.missing)
        several = count != 1
        lines = [f"cannot {action}: {count} model{'s' if several else ''} {needer} needs "
                 f"{'are' if several else 'is'} not usable"]  # fmt: skip
        lines += [model.line() for model in self.missing]
        command = install_command(self.missing)
        if command:
            lines.append(f"install {'them' if several else 'it'} with: {command}")
            lines.append("  (or every model the demos use: filmstudio models install --all-free)")
        by_hand = [m for m in self.missing if not m.installable]
        lines += [f"  {m.ref}: {_by_hand(m)}" for m in by_hand]
        super().__init__("\n".join(lines))


def install_command(missing: Iterable[MissingModel]) -> str:
    """``filmstudio models install NAME ...`` for the installable ones (a bundle by its name), or ""."""
    names: list[str] = []
    for found in missing:
        if found.installable:
            assert found.model is not None
            name = found.model.bundle or found.model.name
            if name not in names:
                names.append(name)
    return f"filmstudio models install {' '.join(names)}" if names else ""


def _by_hand(missing: MissingModel) -> str:
    if missing.model is not None:
        return missing.model.install_hint(str(user_models_dir()))
    return f"choose an existing file in the node's model parameter, or put it in {user_models_dir()}"


def missing_models(project: Project, nodes: Iterable[NodeInstance], frame: int) -> list[MissingModel]:
    """The models ``nodes`` need at ``frame`` that the model store cannot find or verify, in the
    order first needed."""
    needed: dict[str, list[str]] = {}
    for node in nodes:
        if node.disabled or node.type.layout_only:
            continue
        context = project.context(node, frame)
        for ref in node.type.shared().required_models(context):
            users = needed.setdefault(str(ref).strip(), [])
            if node.name not in users:
                users.append(node.name)
    folder = project.path.resolve().parent if project.path is not None else None
    return missing_references(needed, folder)


def missing_references(needed: Mapping[str, Sequence[str]], project_dir: Path | None) -> list[MissingModel]:
    """Which of the model references ``needed`` (reference -> who needs it) no model folder
    answers. A bundle's name (``piper-en-us-joe``) stands for all its files. Each reference is
    looked up once (a file's sha256 once per process)."""
    store = ModelStore(project_dir)
    missing: list[MissingModel] = []
    for ref, users in needed.items():
        bundle = models_named(ref) if known_model(ref) is None else ()
        for looked_up in [model.name for model in bundle] or [ref]:
            problem = _problem(store, looked_up)
            if problem:
                missing.append(MissingModel(ref, tuple(users), problem, _manifest_entry(looked_up)))
                break
    return missing


def _problem(store: ModelStore, ref: str) -> str:
    try:
        store.find(ref)
    except ModelNotFoundError:
        return "not installed"
    except ModelFileError as error:
        return f"damaged ({error.problem})"
    except ModelError as error:
        return str(error)
    return ""


def check_models(project: Project, write: NodeInstance, frame: int) -> None:
    """Raise :class:`MissingModelsError` when a node feeding ``write`` needs a model that is
    missing or damaged (see the module docstring); return quietly otherwise."""
    graph = project.graph
    upstream = graph.upstream(write.uuid)
    feeding = [node for uuid, node in graph.nodes.items() if uuid in upstream]
    missing = missing_models(project, [*feeding, write], frame)
    if missing:
        raise MissingModelsError(missing)


def _manifest_entry(ref: str) -> KnownModel | None:
    """The manifest entry a reference names: a known name, a bundle file, or a known file name."""
    found = known_model(ref) or next(iter(models_named(ref)), None)
    if found is not None:
        return found
    name = Path(ref).name
    return next((model for model in known_models() if model.file == name), None)
