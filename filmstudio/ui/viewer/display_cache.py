"""Display images the viewer has shown or prefetched, by what they show, so scrubbing back over
frames and playing prefetched ones costs a dictionary lookup instead of a colour conversion."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QImage


@dataclass(frozen=True, eq=False)
class DisplayImage:
    """One layer ready to paint: uint8 RGBX ``pixels`` and the QImage that wraps them (no copy;
    the image is valid while ``pixels`` lives, which this object guarantees). Made on a worker
    thread (QImage is reentrant), painted on the GUI thread; never modified after creation.

    ``key`` is the display key (engine cache key + what the viewer did with it); ``scale`` the
    proxy scale the pixels were computed at."""

    key: Hashable
    pixels: np.ndarray
    image: QImage
    scale: float

    @classmethod
    def wrap(cls, key: Hashable, pixels: np.ndarray, scale: float) -> DisplayImage:
        height, width = pixels.shape[:2]
        pixels = np.ascontiguousarray(pixels)
        image = QImage(pixels.data, width, height, width * 4, QImage.Format.Format_RGBX8888)
        return cls(key, pixels, image, scale)

    @property
    def nbytes(self) -> int:
        return int(self.pixels.nbytes)


class DisplayCache:
    """Least-recently-used :class:`DisplayImage` by display key within a byte budget. Thread-safe:
    request threads put, the GUI thread gets."""

    def __init__(self, budget_bytes: int = 256 << 20) -> None:
        self.budget_bytes = int(budget_bytes)
        self._images: OrderedDict[Hashable, DisplayImage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> DisplayImage | None:
        with self._lock:
            image = self._images.get(key)
            if image is not None:
                self._images.move_to_end(key)
            return image

    def __contains__(self, key: Hashable) -> bool:
        return key in self._images

    def put(self, image: DisplayImage) -> None:
        if image.nbytes > self.budget_bytes:
            return
        with self._lock:
            old = self._images.pop(image.key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._images[image.key] = image
            self._bytes += image.nbytes
            while self._bytes > self.budget_bytes and self._images:
                _key, dropped = self._images.popitem(last=False)
                self._bytes -= dropped.nbytes

    def clear(self) -> None:
        with self._lock:
            self._images.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._images)

    @property
    def nbytes(self) -> int:
        return self._bytes
