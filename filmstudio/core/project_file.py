"""Reading and writing .fsproj files: versioned, diff-friendly JSON; never pickle.

Layout (schema 2)::

    {
      "filmstudio": {"schema": 2, "app": "0.1.0"},
      "settings": {"fps": "24", "frame_range": "1-100", "current_frame": 1,
                   "format": {"width": 1920, "height": 1080, "pixel_aspect": 1.0},
                   "working_space": "scene_linear"},
      "nodes": [{"uuid": "...", "type": "Grade", "version": 1, "name": "Grade1",
                 "position": [0.0, 0.0], "disabled": false, "state": {},
                 "params": {"gain": 1.5, "offset": {"keys": [[1, 0.0, "linear"], [24, 0.2, "smooth"]]}}}],
      "links": [{"source": "...", "source_port": "image", "target": "...", "target_port": "source"}]
    }

A keyframe is ``[frame, value, interpolation]``, or with handles (see
:mod:`filmstudio.core.animation`) ``[frame, value, interpolation, in, out]`` where ``in`` and
``out`` are null (automatic) or one ``[frames, value]`` offset per component. Schema 2 added the
"bezier" interpolation and handles; a schema-1 file is a valid schema-2 file.

Keys are sorted and nodes keep their creation order, so saving an unchanged project is
byte-identical and a diff shows only what changed. Older files are brought up to date by the
:data:`MIGRATIONS` table (one function per schema step) and by each node type's ``upgrade``.
Every problem raises :class:`ProjectError` with the file, the place in it (``nodes[2].params.gain``)
and what to do.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import stat
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

from filmstudio.core.errors import FilmStudioError, ProjectError
from filmstudio.core.graph import Link, NodeInstance, dependency_order
from filmstudio.core.leftovers import owned_temporary, remove_stale
from filmstudio.core.params import AnimCurve, Interp, Keyframe, Param
from filmstudio.core.project import Project, ProjectSettings
from filmstudio.core.project_limits import MAX_FILE_BYTES, check_document, parse_float, parse_int
from filmstudio.core.registry import NodeRegistry
from filmstudio.core.timebase import MAX_FRAME, Format, FrameRange, format_fps, parse_fps
from filmstudio.core.version import __version__

SCHEMA = 2

# schema N -> function that turns a schema-N document into schema N+1 (JSON in, JSON out).
# 1 -> 2 only added Bezier keys (older readers must refuse them rather than misread them).
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: lambda document: document}


# --- writing ----------------------------------------------------------------------------------


def project_document(project: Project) -> dict[str, Any]:
    settings = project.settings
    return {
        "filmstudio": {"schema": SCHEMA, "app": __version__},
        "settings": {
            "fps": format_fps(settings.fps),
            "frame_range": str(settings.frame_range),
            "current_frame": settings.current_frame,
            "format": {
                "width": settings.format.width,
                "height": settings.format.height,
                "pixel_aspect": settings.format.pixel_aspect,
                **({"name": settings.format.name} if settings.format.name else {}),
            },
            "working_space": settings.working_space,
        },
        "nodes": [_node_document(n) for n in project.graph.nodes.values()],
        "links": [
            {
                "source": k.source,
                "source_port": k.source_port,
                "target": k.target,
                "target_port": k.target_port,
            }
            for k in project.graph.links
        ],
    }


def _node_document(node: NodeInstance) -> dict[str, Any]:
    return {
        "uuid": node.uuid,
        "type": node.type.id,
        "version": node.type.version,
        "name": node.name,
        "position": list(node.position),
        "disabled": node.disabled,
        "params": {name: _stored_to_json(value) for name, value in node.params.items()},
        "state": node.state,
    }


def _stored_to_json(value: Any) -> Any:
    if isinstance(value, AnimCurve):
        return {"keys": [_key_to_json(k) for k in value.keys]}
    return _plain(value)


def _key_to_json(key: Keyframe) -> list[Any]:
    saved = [_number(key.frame), _plain(key.value), key.interp.value]
    if key.in_handle is None and key.out_handle is None:
        return saved
    handles = [None if h is None else [list(pair) for pair in h] for h in (key.in_handle, key.out_handle)]
    return [*saved, *handles]


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _number(frame: float) -> int | float:
    return int(frame) if float(frame).is_integer() else frame


def dump_project(project: Project) -> str:
    """The project as file text. Raises :class:`ProjectError` for data the reader would refuse
    (the reader's own check runs first), so a saved file always loads."""
    document = project_document(project)

    def refuse(problem: str, place: str) -> NoReturn:
        node = re.match(r"nodes\[(\d+)\]", place)  # say which node: the artist knows names, not indices
        owner = f"node {project.nodes[int(node[1])].name}" if node else "the project"
        raise ProjectError(project.path, f"{owner} holds data that cannot be saved: {problem}", place)

    check_document(document, refuse)
    try:
        return _format(document, "") + "\n"
    except (TypeError, ValueError, RecursionError) as error:
        refuse(str(error), "")


def _format(value: Any, indent: str) -> str:
    """JSON with sorted keys, one field per line, and short lists of plain values (colours,
    positions, keyframes) kept on one line: stable and easy to diff."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"object keys must be text, not {key!r}")
        fields = [f"{inner}{_scalar(key)}: {_format(value[key], inner)}" for key in sorted(value)]
        return "{\n" + ",\n".join(fields) + "\n" + indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        if all(not isinstance(v, dict) for v in value) and all(
            not isinstance(v, list | tuple) or all(not isinstance(w, dict | list | tuple) for w in v)
            for v in value
        ):
            line = "[" + ", ".join(_format(v, inner) for v in value) + "]"
            if len(line) <= 100:
                return line
        return "[\n" + ",\n".join(inner + _format(v, inner) for v in value) + "\n" + indent + "]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    return _ENCODE(value)


# one encoder for every value: json.dumps with options builds a new one per call (half a save's time)
_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def write_project(project: Project, path: Path) -> None:
    """Atomic save (see :func:`atomic_write_text`): a crash or a full disk leaves the previous file
    untouched."""
    path = Path(path)
    try:
        atomic_write_text(path, dump_project(project))
    except OSError as error:
        reason = error.strerror or str(error)
        raise ProjectError(path, f"could not save ({reason}); the previous file is unchanged") from None


def atomic_write_text(path: Path, text: str) -> None:
    """Write a temp file beside ``path``, flush it to disk, then rename it over ``path``. Raises
    OSError; the temp file never outlives a failure.

    The file keeps the mode of the one it replaces (a shared project stays readable by the
    colleagues it was readable by); a new file gets the usual mode for the umask. The temp name
    carries this process's PID, so temp files of a killed save are removed by the next save into
    the same folder (see :mod:`filmstudio.core.leftovers`)."""
    remove_stale(path.parent, "tmp")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    temporary = owned_temporary(path.parent, path.name, "tmp")
    # 0o666 & ~umask, as open() gives a new file, rather than mkstemp's owner-only 0o600.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(descriptor, "wb") as handle:
            if mode is not None:
                os.chmod(temporary, mode)
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


# --- reading ----------------------------------------------------------------------------------


def read_project(path: Path, registry: NodeRegistry | None = None) -> Project:
    try:
        with path.open("rb") as handle:  # never more than the limit, even from /dev/zero
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ProjectError(path, "the file does not exist") from None
    except OSError as error:
        raise ProjectError(path, f"cannot read the file ({error.strerror or error})") from None
    project = parse_project(data, registry, path)
    project.path = path
    return project


def parse_project(
    text: str | bytes, registry: NodeRegistry | None = None, path: Path | None = None
) -> Project:
    reader = _Reader(path)
    if len(text) > MAX_FILE_BYTES:
        reader.fail(f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB; no project is that large")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            reader.fail(f"not a FilmStudio project: not UTF-8 text (byte {error.start})")
    try:
        document = json.loads(
            text,
            object_pairs_hook=reader.unique_keys,
            parse_constant=reader.no_constants,
            parse_int=parse_int,
            parse_float=parse_float,
        )
    except json.JSONDecodeError as error:
        reader.fail(f"not valid JSON: {error.msg}", f"line {error.lineno} column {error.colno}")
    except RecursionError:
        reader.fail("not a FilmStudio project: nested too deeply")
    check_document(document, reader.fail)
    return reader.project(document, registry)


class _Reader:
    """Validates a parsed document field by field, failing with the path of the bad field."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def fail(self, problem: str, location: str = "") -> Any:
        raise ProjectError(self.path, problem, location)

    def unique_keys(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                self.fail(f"the key {key!r} appears twice in one object")
            result[key] = value
        return result

    def no_constants(self, name: str) -> Any:
        self.fail(f"{name} is not a valid number in a project file")

    def get(
        self, obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, default: Any = ...
    ) -> Any:
        if key not in obj:
            if default is ...:
                self.fail(f"the field {key!r} is missing", where)
            return default
        value = obj[key]
        ok = isinstance(value, kind) and not (isinstance(value, bool) and bool not in _as_tuple(kind))
        if not ok:
            names = " or ".join(_json_type_name(k) for k in _as_tuple(kind))
            self.fail(f"expected {names}, found {_json_type_name(type(value))}", _join(where, key))
        return value

    # --- document ------------------------------------------------------------------------------

    def project(self, document: Any, registry: NodeRegistry | None) -> Project:
        if not isinstance(document, dict) or not isinstance(document.get("filmstudio"), dict):
            self.fail("not a FilmStudio project (no 'filmstudio' header); open a .fsproj file")
        header = document["filmstudio"]
        schema = self.get(header, "schema", int, "filmstudio")
        if schema > SCHEMA:
            self.fail(
                f"saved by a newer FilmStudio (file schema {schema}, this version reads up to {SCHEMA}); "
                "update FilmStudio to open it"
            )
        if schema < 0:
            self.fail(f"schema {schema} is not a valid schema number", "filmstudio.schema")
        for version in range(schema, SCHEMA):
            if version not in MIGRATIONS:
                self.fail(f"no migration from schema {version} to {version + 1}", "filmstudio.schema")
            document = MIGRATIONS[version](document)
        project = Project(settings=self.settings(self.get(document, "settings", dict, "")), registry=registry)
        graph = project.graph
        for index, node_doc in enumerate(self.get(document, "nodes", list, "")):
            graph.insert_node(self.node(node_doc, f"nodes[{index}]", project))
        self.links(self.get(document, "links", list, ""), project)
        graph.history = type(graph.history)(graph)
        return project

    def settings(self, doc: dict[str, Any]) -> ProjectSettings:
        try:
            fps = parse_fps(self.get(doc, "fps", (str, int, float), "settings"))
        except ValueError as error:
            fps = self.fail(str(error), "settings.fps")
        try:
            frame_range = FrameRange.parse(self.get(doc, "frame_range", str, "settings"))
        except ValueError as error:
            frame_range = self.fail(str(error), "settings.frame_range")
        fmt = self.get(doc, "format", dict, "settings")
        try:
            image_format = Format(
                self.get(fmt, "width", int, "settings.format"),
                self.get(fmt, "height", int, "settings.format"),
                float(self.get(fmt, "pixel_aspect", (int, float), "settings.format", 1.0)),
                self.get(fmt, "name", str, "settings.format", ""),
            )
        except ValueError as error:
            image_format = self.fail(str(error), "settings.format")
        try:
            return ProjectSettings(
                fps=fps,
                frame_range=frame_range,
                format=image_format,
                working_space=self.get(doc, "working_space", str, "settings", "scene_linear"),
                current_frame=self.get(doc, "current_frame", int, "settings", frame_range.first),
            )
        except ValueError as error:
            return self.fail(str(error), "settings")

    def node(self, doc: Any, where: str, project: Project) -> NodeInstance:
        if not isinstance(doc, dict):
            self.fail(f"expected an object, found {_json_type_name(type(doc))}", where)
        type_id = self.get(doc, "type", str, where)
        try:
            node_type = project.graph.registry.get(type_id)
        except FilmStudioError as error:
            self.fail(str(error), _join(where, "type"))
        version = self.get(doc, "version", int, where, node_type.version)
        uuid = self.get(doc, "uuid", str, where)
        name = self.get(doc, "name", str, where)
        if not uuid or uuid in project.graph.nodes:
            self.fail(f"node id {_quoted(uuid)} is empty or used twice", _join(where, "uuid"))
        if not name or project.graph.has_name(name):
            self.fail(f"node name {_quoted(name)} is empty or used twice", _join(where, "name"))
        instance = NodeInstance(node_type, name, uuid)
        params = self.get(doc, "params", dict, where, {})
        if version > node_type.version:
            self.fail(
                f"{type_id} version {version} was saved by a newer plugin (installed: version "
                f"{node_type.version}); update the plugin",
                _join(where, "version"),
            )
        if version < node_type.version:
            try:
                params = node_type.upgrade(version, dict(params))
            except Exception as error:  # a plugin's upgrade code is outside our control
                self.fail(f"{type_id} could not upgrade its version {version} parameters: {error}", where)
        for key, stored in params.items():
            param = node_type.find_param(key)
            if param is None:
                project.load_warnings.append(f"{where}: {name} ({type_id}) has no parameter {key!r}; ignored")
                continue
            instance.params[key] = self.param_value(param, stored, _join(where, f"params.{key}"))
        instance.state = self.get(doc, "state", dict, where, {})
        instance.disabled = self.get(doc, "disabled", bool, where, False)
        position = self.get(doc, "position", list, where, [0.0, 0.0])
        if len(position) != 2 or not all(_finite_number(v) for v in position):
            self.fail("a position is two numbers [x, y]", _join(where, "position"))
        instance.position = (float(position[0]), float(position[1]))
        return instance

    def param_value(self, param: Param, stored: Any, where: str) -> Any:
        try:
            if isinstance(stored, dict):
                if not param.animatable:
                    self.fail(f"{param.name} cannot be animated", where)
                keys = self.get(stored, "keys", list, where)
                frames: list[Keyframe] = []
                for index, key in enumerate(keys):
                    at = f"{where}.keys[{index}]"
                    if not isinstance(key, list) or len(key) not in (2, 3, 5) or not _finite_number(key[0]):
                        self.fail("a keyframe is [frame, value, interpolation] (+ [in, out] handles)", at)
                    if abs(key[0]) > MAX_FRAME:
                        self.fail(f"keyframes lie within frames ±{MAX_FRAME:,}", at)
                    interp = key[2] if len(key) >= 3 else "linear"
                    if not isinstance(interp, str) or interp not in {i.value for i in Interp}:
                        self.fail(
                            f"unknown interpolation {_quoted(str(interp))} (linear, smooth, hold or bezier)",
                            at,
                        )
                    handles = key[3:] if len(key) == 5 else (None, None)
                    frames.append(Keyframe(float(key[0]), param.coerce(key[1]), Interp(interp), *handles))
                if not frames:
                    self.fail("an animation needs at least one keyframe", where)
                return AnimCurve(tuple(frames))
            return param.coerce(stored)
        except FilmStudioError as error:
            if isinstance(error, ProjectError):
                raise
            return self.fail(str(error), where)

    def links(self, docs: list[Any], project: Project) -> None:
        links = [self.link(doc, f"links[{index}]") for index, doc in enumerate(docs)]
        for index in dependency_order(links):  # in file order, a long chain would load in O(n²)
            try:
                project.graph.add_link(links[index])
            except FilmStudioError as error:
                self.fail(f"bad link: {error}", f"links[{index}]")

    def link(self, doc: Any, where: str) -> Link:
        if not isinstance(doc, dict):
            self.fail(f"expected an object, found {_json_type_name(type(doc))}", where)
        fields = [
            self.get(doc, key, str, where) for key in ("source", "source_port", "target", "target_port")
        ]
        return Link(*fields)


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _finite_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _quoted(text: str) -> str:
    """``text`` quoted for a message, cut short: a hostile file's 10 MB name is not echoed whole."""
    return repr(text) if len(text) <= 60 else repr(text[:60]) + "..."


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _json_type_name(kind: type) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "text",
        int: "a whole number",
        float: "a number",
        bool: "true/false",
        type(None): "null",
        Fraction: "a number",
    }
    return names.get(kind, kind.__name__)
