"""The viewer's working -> display conversion: the OCIO view over black, alpha set aside."""

from __future__ import annotations

import pytest
import torch

from filmstudio import colour

SRGB_DISPLAY = "sRGB - Display"


@pytest.fixture(autouse=True)
def default_config(monkeypatch):
    monkeypatch.delenv("OCIO", raising=False)


def test_working_to_display_is_the_view_of_the_colour_as_given():
    rgb = torch.rand(3, 6, 7, generator=torch.Generator().manual_seed(3)) * 1.5
    alpha = torch.full((1, 6, 7), 0.25)
    opaque = torch.cat([rgb, torch.ones_like(alpha)])
    for view in colour.views(SRGB_DISPLAY)[:3]:
        shown = colour.working_to_display(torch.cat([rgb, alpha]), SRGB_DISPLAY, view)
        assert shown.shape == (3, 6, 7)
        assert torch.equal(shown, colour.display_transform(opaque, SRGB_DISPLAY, view)[:3])
        assert torch.equal(colour.working_to_display(rgb, SRGB_DISPLAY, view), shown)  # RGB alone too
