"""Every GAN test runs with empty model folders of its own (see :mod:`tests.models.tiny`)."""

from __future__ import annotations

import pytest

from tests.models.tiny import forget_models, isolate_models


@pytest.fixture(autouse=True)
def models(tmp_path, monkeypatch):
    """The user models folder of this test (empty; `install` puts models there)."""
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()
