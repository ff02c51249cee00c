"""Optical flow and alignment for the temporal nodes (Style's stability, temporal Denoise, clean plate).

OpenCV's DIS flow on 8-bit grey pictures: ``flow_to(target, source)`` gives, for every pixel of
``target``, the offset to the same point in ``source``, so ``warp(source_image, flow)`` lays
``source`` over ``target``. Pictures are NumPy ``[H, W, C]`` float32 arrays of display-referred
sRGB (0..1; what a viewer shows, so the flow sees what an artist sees). Pixels that came from
outside ``source`` are reported, never invented. cv2 and NumPy are imported on first use.
"""

from __future__ import annotations

from typing import Any

PRESETS = {"fast": 1, "medium": 2}  # cv2.DISOPTICAL_FLOW_PRESET_FAST / _MEDIUM


def grey(rgb: Any) -> Any:
    """An ``[H, W, 3]`` float picture as 8-bit luma for the flow."""
    import numpy as np

    luma = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    return np.clip(luma * 255.0 + 0.5, 0, 255).astype(np.uint8)


def flow_to(target: Any, source: Any, preset: str = "medium") -> Any:
    """Dense flow ``[H, W, 2]`` (x, y) from each pixel of ``target`` to ``source`` (8-bit grey)."""
    import cv2

    dis = cv2.DISOpticalFlow_create(PRESETS[preset])
    return dis.calc(target, source, None)


def warp(image: Any, flow: Any) -> tuple[Any, Any]:
    """``image`` (``[H, W, C]`` float32) sampled at each pixel + ``flow``: (warped, inside), where
    ``inside`` is False for pixels whose source lies outside ``image``."""
    import cv2
    import numpy as np

    height, width = flow.shape[:2]
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    map_x, map_y = xs + flow[..., 0], ys + flow[..., 1]
    warped = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    inside = (map_x >= 0) & (map_x <= width - 1) & (map_y >= 0) & (map_y <= height - 1)
    return warped.reshape(image.shape), inside


def warp_by(image: Any, matrix: Any) -> tuple[Any, Any]:
    """``image`` moved by the 3x3 ``matrix`` (target pixel = matrix @ source pixel, OpenCV pixel
    centres): (warped, inside)."""
    import cv2
    import numpy as np

    height, width = image.shape[:2]
    flags = cv2.INTER_LINEAR
    warped = cv2.warpPerspective(image, matrix, (width, height), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    ones = np.ones((height, width), np.float32)
    inside = cv2.warpPerspective(ones, matrix, (width, height), flags=flags, borderValue=0) > 0.999
    return warped.reshape(image.shape), inside


def matrix_from_flow(flow: Any, usable: Any, step: int = 4) -> Any | None:
    """The homography that maps ``source`` onto ``target`` best explains ``flow`` where ``usable``
    (a camera move: pan, tilt, zoom, roll), fitted with RANSAC on a grid of samples; None when
    fewer than 16 samples are usable. Returns target <- source (for :func:`warp_by`)."""
    import cv2
    import numpy as np

    height, width = flow.shape[:2]
    ys, xs = np.mgrid[step // 2 : height : step, step // 2 : width : step]
    keep = usable[ys, xs]
    if int(keep.sum()) < 16:
        return None
    target = np.stack([xs[keep], ys[keep]], axis=-1).astype(np.float32)
    source = target + flow[ys[keep], xs[keep]]
    matrix, _inliers = cv2.findHomography(source, target, cv2.RANSAC, 1.0)
    return matrix


def matrix_from_points(source: Any, target: Any) -> Any | None:
    """target <- source for matched points: a translation from one, a similarity from two, an
    affine from three, a homography from four or more (tracks)."""
    import cv2
    import numpy as np

    source = np.asarray(source, np.float32).reshape(-1, 2)
    target = np.asarray(target, np.float32).reshape(-1, 2)
    count = len(source)
    if count == 0:
        return None
    matrix = np.eye(3, dtype=np.float64)
    if count == 1:
        matrix[:2, 2] = target[0] - source[0]
        return matrix
    if count == 2:
        fitted, _ = cv2.estimateAffinePartial2D(source, target)
    elif count == 3:
        fitted = cv2.getAffineTransform(source, target)
    else:
        homography, _ = cv2.findHomography(source, target, 0)
        return homography
    if fitted is None:
        return None
    matrix[:2] = fitted
    return matrix


def local_difference(a: Any, b: Any, size: int = 7) -> Any:
    """Mean squared difference of two ``[H, W, C]`` pictures over ``size``-pixel neighbourhoods
    (per pixel, averaged over channels): the evidence that two aligned pictures show the same thing."""
    import cv2

    squared = ((a - b) ** 2).mean(axis=-1)
    return cv2.boxFilter(squared, -1, (size, size), normalize=True, borderType=cv2.BORDER_REFLECT)
