"""Latents: what flows on a Latent port, seeds, and the paths between latents.

A :class:`Latent` is one generator latent, frozen:

- ``kind``: :attr:`LatentKind.Z` (the generator's input noise, ``[z_dim]``), :attr:`LatentKind.W`
  (StyleGAN's intermediate latent, ``[w_dim]``) or :attr:`LatentKind.W_PLUS` (one W per synthesis
  layer, ``[num_ws, w_dim]``: style mixing);
- ``values``: a float32 CPU tensor of that shape. Latents are tiny, so they stay on the CPU and
  cross threads and devices freely; generators move them at their own boundary;
- ``model``: the sha256 of the weights file the latent belongs to ("" for any model whose sizes
  fit: a Z made from a seed is plain Gaussian noise). A W only means something to the mapping
  network that made it, so generators refuse a W of another model; a Z of the right size is
  accepted from any model (the same seed carried to another model of that ``z_dim``);
- ``seed``: the seed a Z was drawn from, where it was (None for walks and blends).

Latents are *pre-truncation*: a generator applies its own truncation ψ to whatever it is given.

Seeds turn into Z exactly as NVlabs' ``generate.py`` does (``np.random.RandomState(seed).randn``,
a generator whose output numpy guarantees across versions and platforms), so seed 85 here is seed
85 there. Randomness (drawing a new seed) happens only in :func:`draw_seed`, which rendering never
calls. No torch at import.
"""

from __future__ import annotations

import enum
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_SEED = 2**32 - 1  # numpy's RandomState takes 32-bit seeds


class LatentKind(enum.Enum):
    Z = "z"
    W = "w"
    W_PLUS = "w+"

    def __str__(self) -> str:
        return self.value.upper()


@dataclass(frozen=True, eq=False)
class Latent:
    """One generator latent (see the module docstring). Compare values with :meth:`same_as`."""

    kind: LatentKind
    values: Any
    model: str = ""
    seed: int | None = None

    def __post_init__(self) -> None:
        expected = 2 if self.kind is LatentKind.W_PLUS else 1
        if getattr(self.values, "ndim", None) != expected:
            raise ValueError(f"a {self.kind} latent holds a {expected}-d tensor, not {self.values!r:.80}")

    @property
    def size(self) -> int:
        """Values per latent vector (z_dim or w_dim)."""
        return int(self.values.shape[-1])

    @property
    def nbytes(self) -> int:  # for the frame cache's accounting
        return int(self.values.nbytes)

    def describe(self) -> str:
        """ "a Z latent of 100 values (seed 7)" — for messages."""
        shape = "x".join(str(n) for n in self.values.shape)
        seed = f" (seed {self.seed})" if self.seed is not None else ""
        return f"a {self.kind} latent of {shape} values{seed}"

    def same_as(self, other: Latent) -> bool:
        import torch

        return (
            self.kind is other.kind and self.model == other.model and torch.equal(self.values, other.values)
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (a take's data): floats round-trip exactly through :mod:`json`."""
        data: dict[str, Any] = {"kind": self.kind.value, "latent": self.values.tolist(), "model": self.model}
        if self.seed is not None:
            data["seed"] = self.seed
        return data

    @classmethod
    def from_json(cls, data: Any) -> Latent:
        """The latent a take's data (or :meth:`to_json`) holds; ValueError names what is wrong."""
        import torch

        if not isinstance(data, dict) or "latent" not in data:
            raise ValueError("it holds no latent")
        try:
            kind = LatentKind(data.get("kind", "z"))
            values = torch.tensor(data["latent"], dtype=torch.float32)
        except (ValueError, TypeError) as error:
            raise ValueError(f"its latent is not a list of numbers ({error})") from None
        if not bool(torch.isfinite(values).all()):
            raise ValueError("its latent holds values that are not finite numbers")
        seed = data.get("seed")
        return cls(kind, values, str(data.get("model", "")), seed if isinstance(seed, int) else None)


def check_seed(seed: Any) -> int:
    """``seed`` as a seed (0 .. 2**32-1), or ValueError."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"a seed is a whole number from 0 to {MAX_SEED}, not {seed!r}")
    return seed


def draw_seed() -> int:
    """A new random seed: the only randomness of generators, used when a take is made."""
    return secrets.randbelow(MAX_SEED + 1)


def z_from_seed(seed: int, size: int) -> Any:
    """The Z latent values ``[size]`` of ``seed`` (float32 CPU tensor), as NVlabs' tools make it."""
    import numpy as np
    import torch

    values = np.random.RandomState(check_seed(seed)).randn(size)
    return torch.from_numpy(values.astype(np.float32))


def seed_latent(seed: int, size: int, model: str = "") -> Latent:
    return Latent(LatentKind.Z, z_from_seed(seed, size), model, seed)


def lerp(a: Any, b: Any, t: float) -> Any:
    """Linear interpolation; exactly ``a`` at t=0 and exactly ``b`` at t=1."""
    if t <= 0.0:
        return a
    if t >= 1.0:
        return b
    return a + (b - a) * t


def slerp(a: Any, b: Any, t: float) -> Any:
    """Spherical interpolation along the last axis (the path for Gaussian Z latents: it keeps their
    typical norm, where a straight line passes through improbable, washed-out latents near the
    middle); exactly ``a`` at t=0 and ``b`` at t=1, linear where the two are (anti)parallel."""
    import torch

    if t <= 0.0:
        return a
    if t >= 1.0:
        return b
    if a.dim() == 1:  # one latent (every frame of a morph): the angle is one number
        return slerp_path(a, b, [t])[0]
    a64, b64 = a.double(), b.double()
    na, nb = a64.norm(dim=-1, keepdim=True), b64.norm(dim=-1, keepdim=True)
    cos = ((a64 / na.clamp_min(1e-12)) * (b64 / nb.clamp_min(1e-12))).sum(-1, keepdim=True)
    omega = torch.acos(cos.clamp(-1.0, 1.0))
    sin = torch.sin(omega)
    if bool((sin.abs() < 1e-6).any()):
        return lerp(a, b, t)
    out = (torch.sin((1.0 - t) * omega) * a64 + torch.sin(t * omega) * b64) / sin
    return out.to(a.dtype)


def slerp_path(a: Any, b: Any, ts: Sequence[float]) -> Any:
    """:func:`slerp` of two 1-D latents at each of ``ts`` (the frames of a morph between two keys),
    ``[len(ts), size]``: the angle between them is worked out once, the points in one go.

    In float64 with numpy for host tensors: a handful of array calls instead of a dozen torch
    ops, which matters on the model worker, where every small op right after the network runs
    several times slower than on its own (0.5 against 0.08 ms for a batch of 16)."""
    import numpy as np
    import torch

    if a.device.type != "cpu" or b.device.type != "cpu":  # latents are small: blended on the host
        return slerp_path(a.cpu(), b.cpu(), ts).to(a.device)
    x = a.detach().numpy().astype(np.float64)
    y = b.detach().numpy().astype(np.float64)
    norms = math.sqrt(float(x @ x) * float(y @ y))
    cos = float(x @ y) / norms if norms > 0.0 else 1.0
    omega = math.acos(max(-1.0, min(1.0, cos)))
    sin = math.sin(omega)
    t = np.clip(np.asarray(ts, dtype=np.float64), 0.0, 1.0)
    if abs(sin) < 1e-6:  # (anti)parallel: the straight line
        points = np.outer(1.0 - t, x) + np.outer(t, y)
    else:
        points = np.outer(np.sin((1.0 - t) * omega) / sin, x) + np.outer(np.sin(t * omega) / sin, y)
    out = torch.from_numpy(points).to(a.dtype)
    for row, at in enumerate(ts):  # the ends exactly
        if at <= 0.0:
            out[row] = a
        elif at >= 1.0:
            out[row] = b
    return out


def circle(centre: Any, across: Any, up: Any, angle: float, amplitude: float) -> Any:
    """A point of a closed loop of Gaussian latents:
    ``centre * cos(a) + (across * cos(angle) + up * sin(angle)) * sin(a)`` with a = amplitude * π/2.
    Every point keeps the three inputs' per-value variance (cos² + sin² = 1), so the loop never
    leaves the region the generator was trained on; amplitude 0 stays at ``centre``, 1 walks a
    great circle through ``across`` and ``up``."""
    alpha = max(0.0, min(1.0, amplitude)) * math.pi / 2
    ring = across * math.cos(angle) + up * math.sin(angle)
    return centre * math.cos(alpha) + ring * math.sin(alpha)
