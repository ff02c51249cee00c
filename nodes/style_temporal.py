"""Temporal stability for Style: blend each stylised frame with the previous result warped onto it.

Frame by frame, a style network answers small changes of the picture with different brush strokes,
which flickers. With ``temporal`` above 0 the Style node asks for its source at the ``history``
frames before the current one too (temporal requests, as TimeOffset asks for another frame) and
computes, oldest first::

    result[f - history] = styled[f - history]
    result[k] = styled[k] + temporal * trust[k] * (warp(result[k - 1] -> k) - styled[k])

``warp`` follows DIS optical flow from frame k back to k - 1 (:mod:`filmstudio_nodes.flow`);
``trust`` is 0 where the flow is wrong (the warped previous source differs from the source here:
occlusions, cuts, frames before the clip starts, which a Read shows black) and outside the frame.
The output is therefore a pure function of the source at ``f - history .. f`` and the parameters
at ``f``: every frame of a render or a scrub gives the same pixels, whatever was evaluated before.
The history frames are stylised with the parameters at ``f`` (an animated mix looks the same
across the window); stylised frames are memoised by the digest of their source pixels and
everything that styles them, in a small LRU (:data:`MEMO_BYTES`), so a sequential render
stylises each frame once, not ``history + 1`` times.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MEMO_BYTES = 384 << 20  # ~70 stylised 640x360 frames, 12 at 1920x1080: more than a window needs
TRUST_FROM, TRUST_TO = 0.03**2, 0.08**2  # local mean squared difference: full trust .. none

_memo: OrderedDict[Hashable, Any] = OrderedDict()
_lock = threading.Lock()


def digest(array: Any) -> str:
    """A digest of a NumPy array's pixels (and shape): the memo's notion of "the same frame"."""
    return hashlib.blake2b(
        array.tobytes(), digest_size=16, person=repr(array.shape).encode()[:16]
    ).hexdigest()


def memoised(key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per ``key`` while it stays among the most recently used results (at
    most :data:`MEMO_BYTES` of NumPy arrays)."""
    with _lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
    value = compute()
    with _lock:
        _memo[key] = value
        total = sum(getattr(kept, "nbytes", 0) for kept in _memo.values())
        while len(_memo) > 1 and total > MEMO_BYTES:
            _key, dropped = _memo.popitem(last=False)
            total -= getattr(dropped, "nbytes", 0)
    return value


def forget() -> None:
    """Drop every memoised frame (tests; after freeing memory)."""
    with _lock:
        _memo.clear()


def stabilise(sources: list[Any], styled: list[Any], amount: float) -> Any:
    """The stable result for the last frame of ``sources`` (oldest first; ``[H, W, 3]`` float32
    sRGB) given each one's ``styled`` picture: see the module docstring."""
    import numpy as np

    from filmstudio_nodes.flow import flow_to, grey, local_difference, warp

    result = styled[0]
    greys = [grey(source) for source in sources]
    for k in range(1, len(sources)):
        flow = flow_to(greys[k], greys[k - 1])
        previous, inside = warp(result, flow)
        previous_source, _ = warp(sources[k - 1], flow)
        error = local_difference(previous_source, sources[k])
        trust = np.clip((TRUST_TO - error) / (TRUST_TO - TRUST_FROM), 0.0, 1.0) * inside
        result = styled[k] + (amount * trust)[..., None] * (previous - styled[k])
    return result.astype(np.float32)
