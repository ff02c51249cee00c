"""Classic, weight-free tracking on OpenCV (learned models live in :mod:`filmstudio.models`).

- :mod:`.settings`: the choices (motion models, what to match, what a weak frame does) and
  :class:`~.settings.TrackerSettings`; light to import.
- :mod:`.grey`: a working-space frame to the 8-bit display-referred grey the trackers read, made
  once per frame.
- :mod:`.pattern`: the libmv-like pattern tracker — pyramidal Lucas-Kanade from frame to frame for
  the prediction, ECC (enhanced correlation) refinement of the motion model against the last
  keyframe or the previous frame, normalised cross-correlation to measure confidence and to find a
  lost pattern again.
- :mod:`.box`: OpenCV's MIL tracker, for loose subjects whose look changes.

Positions follow :mod:`filmstudio.core.track`: full-resolution image pixels, origin at the top-left
*edge* (pixel ``i`` spans ``i..i+1``); OpenCV's convention (pixel centres on integers) is used only
inside this package. Nothing here is thread-safe: a tracker lives in one analysis pass's carry.
The submodules load OpenCV; this package itself imports nothing (node modules stay light).
"""
