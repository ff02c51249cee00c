"""A GAN Generator's saved state: takes (seeds) and latent keys, as plain JSON; no torch.

State layout (saved in the project, read by :func:`frame_recipe` when the frame is planned)::

    {"takes": [{"id": "take1", "name": "hero",
                "data": {"seed": 7, "kind": "z", "latent": [...], "model": "<sha256>", "truncation": 0.7}}],
     "active_take": "take1",
     "latent_keys": [{"frame": 1, "take": "take1"}, {"frame": 48, "seed": 123}]}

A take's ``data`` never changes once made (its name sits beside it, so renaming re-renders
nothing); ids are never handed out twice while a take holds them. A latent key pins the latent at
a frame to a take or a seed; between keys the latent is interpolated, before the first and after
the last it holds. With no keys the active take renders. :func:`frame_recipe` says, as JSON, what
one frame's picture is made of — it is what the frame's cache key holds, so a frame re-renders
exactly when its recipe changes, and a frame at a key has the same recipe as that take's still.
Problems (a key naming a deleted take) are reported in the recipe and raised when the frame is
evaluated, never while planning.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping
from typing import Any

from filmstudio.api import IdentityMemo, ParameterError, created_now, digest_json

_TAKE_ID = re.compile(r"^take(\d+)$")


def takes_of(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [t for t in state.get("takes", ()) if isinstance(t, dict) and isinstance(t.get("id"), str)]


def take_label(take: Mapping[str, Any]) -> str:
    name = take.get("name")
    return f"take {name!r} ({take['id']})" if name else f"take {take['id']}"


def find_take(state: Mapping[str, Any], ref: str) -> dict[str, Any] | None:
    """The take whose id or name is ``ref``."""
    found = [t for t in takes_of(state) if t["id"] == ref]
    return found[0] if found else next((t for t in takes_of(state) if t.get("name") == ref), None)


def take(node_name: str, state: Mapping[str, Any], ref: str) -> dict[str, Any]:
    """The take ``ref`` (id or name), or a ParameterError listing the takes there are."""
    found = find_take(state, str(ref))
    if found is None:
        known = ", ".join(take_label(t) for t in takes_of(state)) or "none"
        raise ParameterError(f"{node_name} has no take {ref!r} (takes: {known})")
    return found


def new_take_id(state: Mapping[str, Any]) -> str:
    numbers = [int(m.group(1)) for t in takes_of(state) if (m := _TAKE_ID.match(t["id"]))]
    return f"take{max(numbers, default=0) + 1}"


def check_name(node_name: str, state: Mapping[str, Any], name: str | None, keep: str = "") -> None:
    if name is None:
        return
    if not isinstance(name, str) or not name.strip():
        raise ParameterError(f"a take's name is some text, not {name!r}")
    clash = find_take(state, name)
    if clash is not None and clash["id"] != keep:
        raise ParameterError(f"{node_name} already has {take_label(clash)}: pick another name")


def with_take(state: Mapping[str, Any], data: dict[str, Any], name: str | None) -> tuple[dict[str, Any], str]:
    """``state`` plus a new take holding ``data`` (made active), and the take's id."""
    take_id = new_take_id(state)
    entry: dict[str, Any] = {"id": take_id, "created": created_now(), "data": data}
    if name:
        entry["name"] = name.strip()
    return {**state, "takes": [*takes_of(state), entry], "active_take": take_id}, take_id


def renamed(node_name: str, state: Mapping[str, Any], ref: str, name: str) -> dict[str, Any]:
    target = take(node_name, state, ref)
    check_name(node_name, state, name, keep=target["id"])
    new = [{**t, "name": name.strip()} if t["id"] == target["id"] else t for t in takes_of(state)]
    return {**state, "takes": new}


def without_take(node_name: str, state: Mapping[str, Any], ref: str) -> dict[str, Any]:
    """``state`` without take ``ref``; the newest remaining take becomes active if it was. A take
    that latent keys use cannot go (the keys would lose their latent)."""
    target = take(node_name, state, ref)
    using = [str(k["frame"]) for k in keys_of(state) if k.get("take") == target["id"]]
    if using:
        raise ParameterError(
            f"{node_name}: {take_label(target)} is used by the latent keys at frames {', '.join(using)}; "
            "remove those keys first"
        )
    remaining = [t for t in takes_of(state) if t["id"] != target["id"]]
    active = state.get("active_take")
    if active == target["id"]:
        active = remaining[-1]["id"] if remaining else None
    new = {**state, "takes": remaining, "active_take": active}
    if active is None:
        new.pop("active_take")
    return new


def keys_of(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    keys = [
        k for k in state.get("latent_keys", ()) if isinstance(k, dict) and isinstance(k.get("frame"), int)
    ]
    return sorted(keys, key=lambda k: k["frame"])


def with_key(state: Mapping[str, Any], frame: int, source: dict[str, Any]) -> dict[str, Any]:
    keys = [k for k in keys_of(state) if k["frame"] != frame]
    return {**state, "latent_keys": sorted([*keys, {"frame": frame, **source}], key=lambda k: k["frame"])}


def without_key(node_name: str, state: Mapping[str, Any], frame: int) -> dict[str, Any]:
    keys = keys_of(state)
    if not any(k["frame"] == frame for k in keys):
        frames = ", ".join(str(k["frame"]) for k in keys) or "none"
        raise ParameterError(f"{node_name} has no latent key at frame {frame} (keys at: {frames})")
    remaining = [k for k in keys if k["frame"] != frame]
    new = {**state, "latent_keys": remaining}
    if not remaining:
        new.pop("latent_keys")
    return new


def recipe_key(recipe: Mapping[str, Any]) -> dict[str, Any]:
    """``recipe`` as a frame's cache key holds it: each take's data by its digest (a take's data
    never changes, so its digest is worked out once; a frame's key is then a few short strings,
    not two latents' worth of numbers written out as JSON for every frame)."""
    return {
        name: {**part, "data": memo_by_identity(part["data"], "digest", digest_json)}
        if isinstance(part, dict) and "data" in part
        else part
        for name, part in recipe.items()
    }


_memo = IdentityMemo(256)  # take data objects whose digest (or parsed latent) is remembered


def memo_by_identity(data: Any, what: str, make: Callable[[Any], Any]) -> Any:
    """``make(data)``, remembered for this very object: a take's data, immutable once made (the
    state is replaced on every edit, never changed in place)."""
    return _memo.get(data, what, make)


def _source(state: Mapping[str, Any], entry: Mapping[str, Any], where: str) -> dict[str, Any]:
    """What a key or reference stands for: a take's data (with its id) or a seed."""
    if "seed" in entry and "take" not in entry:
        return {
            "seed": entry["seed"],
            "what": f"the latent key at frame {entry['frame']} (seed {entry['seed']})",
        }
    found = find_take(state, str(entry.get("take")))
    if found is None:
        return {"problem": f"{where} uses take {entry.get('take')!r}, which is not there (deleted?)"}
    return {"take": found["id"], "data": found.get("data")}  # no name: renaming re-renders nothing


def frame_recipe(state: Mapping[str, Any], frame: int, params: Mapping[str, Any], has_input: bool) -> dict:
    """What the picture at ``frame`` is made of (see the module docstring). Its parts are shared
    between frames and must not be changed."""
    recipe: dict[str, Any]
    frames, sources = _memo.get(state, "timeline", _timeline)
    if has_input:
        recipe = {"input": True}
    elif frames:
        after = bisect.bisect_right(frames, frame)  # keys[:after] are at or before the frame
        if after == 0 or after == len(frames):
            recipe = {"a": sources[after - 1 if after else 0]}
        else:
            t = (frame - frames[after - 1]) / (frames[after] - frames[after - 1])
            recipe = {"a": sources[after - 1]}
            if t > 0:
                recipe.update(b=sources[after], t=t)
    elif state.get("active_take"):
        recipe = {"a": _memo.get(state, "active", _active_source)}
    else:
        recipe = {"a": {"problem": "there is no take yet: make one (New character, or node.new_take())"}}
    if params.get("mix_take"):
        mix = str(params["mix_take"])
        recipe["mix"] = _memo.get(state, ("mix", mix), lambda s: _source(s, {"take": mix}, "mix_take"))
    if params.get("noise") == "random":
        recipe["noise_frame"] = frame
    return recipe


def _timeline(state: Mapping[str, Any]) -> tuple[list[int], list[dict[str, Any]]]:
    """The latent keys' frames, in order, and what each stands for (worked out once per state)."""
    keys = keys_of(state)
    return [k["frame"] for k in keys], [
        _source(state, k, f"the latent key at frame {k['frame']}") for k in keys
    ]


def _active_source(state: Mapping[str, Any]) -> dict[str, Any]:
    return _source(state, {"take": state["active_take"]}, "the active take")
