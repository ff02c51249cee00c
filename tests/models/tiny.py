"""Tiny random-weight models of the real architectures, saved to temp files for the real loaders.

Nothing is downloaded: each builder constructs the architecture (spandrel's ESRGAN / Compact /
SPAN, torchvision's DeepLabV3 / Mask R-CNN with ``weights=None``, a small transformers SAM 2
config), seeds its weights and writes them the way published checkpoints are written.

:func:`isolate_models` points every model folder the store searches at empty temp folders (user
data dir, ``$FILMSTUDIO_MODELS``, the Hugging Face and torch hub caches), so tests never see a
developer's models.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch


def isolate_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every folder the model store searches at empty temp folders; returns the user
    models folder (where `install` puts models). Pair with :func:`forget_models` afterwards."""
    data = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.delenv("FILMSTUDIO_MODELS", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    from filmstudio.models.store import user_models_dir

    folder = user_models_dir()
    assert str(folder).startswith(str(data))
    folder.mkdir(parents=True)
    return folder


def forget_models() -> None:
    """Drop resident models and remembered out-of-memory fallbacks (test isolation)."""
    from filmstudio.models.device import resident_models
    from filmstudio.models.runtime import forget_fallbacks

    resident_models("cpu").clear()
    forget_fallbacks()


def save_compact(path: Path, scale: int = 2, features: int = 8, convs: int = 2, seed: int = 0) -> Path:
    """Real-ESRGAN's Compact (SRVGGNet) architecture: receptive field of ``convs + 2`` pixels."""
    from spandrel.architectures.Compact import Compact

    torch.manual_seed(seed)
    net = Compact(num_in_ch=3, num_out_ch=3, num_feat=features, num_conv=convs, upscale=scale)
    return _save(net.state_dict(), path)


def save_esrgan(path: Path, scale: int = 2, seed: int = 1) -> Path:
    """ESRGAN's RRDB net with one block (the full models have 23)."""
    from spandrel.architectures.ESRGAN import ESRGAN

    torch.manual_seed(seed)
    net = ESRGAN(in_nc=3, out_nc=3, num_filters=8, num_blocks=1, scale=scale)
    # Published ESRGAN checkpoints are {"params_ema": state_dict}; the loader unwraps it.
    return _save({"params_ema": net.state_dict()}, path)


def save_span(path: Path, scale: int = 2, seed: int = 2) -> Path:
    from spandrel.architectures.SPAN import SPAN

    torch.manual_seed(seed)
    return _save(SPAN(num_in_ch=3, num_out_ch=3, feature_channels=8, upscale=scale).state_dict(), path)


def save_deeplab(path: Path, classes: int = 3, seed: int = 3) -> Path:
    """torchvision's DeepLabV3 (MobileNetV3 backbone, the smallest) with a few classes."""
    import torchvision

    torch.manual_seed(seed)
    net = torchvision.models.segmentation.deeplabv3_mobilenet_v3_large(
        weights=None, weights_backbone=None, num_classes=classes
    )
    return _save(net.state_dict(), path)


def save_mask_rcnn(path: Path, classes: int = 3, seed: int = 4) -> Path:
    import torchvision

    torch.manual_seed(seed)
    net = torchvision.models.detection.maskrcnn_resnet50_fpn(
        weights=None, weights_backbone=None, num_classes=classes
    )
    return _save(net.state_dict(), path)


def save_sam2(folder: Path, seed: int = 5, size: int = 64) -> Path:
    """A transformers SAM 2 model folder (config, safetensors, processor) about 0.5 MB big:
    the Hiera backbone, FPN neck, prompt encoder and mask decoder at toy widths."""
    import transformers
    from transformers import Sam2Config, Sam2ImageProcessor, Sam2Model, Sam2Processor

    transformers.utils.logging.disable_progress_bar()  # its tqdm monitor thread would outlive the test

    backbone = {
        "model_type": "sam2_hiera_det_model",
        "hidden_size": 8,
        "image_size": [size, size],
        "blocks_per_stage": [1, 1, 2, 1],
        "embed_dim_per_stage": [8, 16, 32, 64],
        "num_attention_heads_per_stage": [1, 1, 1, 1],
        "window_size_per_stage": [4, 4, 4, 4],
        "global_attention_blocks": [3],
        "window_positional_embedding_background_size": [2, 2],
    }
    config = Sam2Config(
        vision_config={
            "backbone_config": backbone,
            "backbone_channel_list": [64, 32, 16, 8],
            "backbone_feature_sizes": [[size // 4] * 2, [size // 8] * 2, [size // 16] * 2],
            "fpn_hidden_size": 32,
        },
        prompt_encoder_config={
            "hidden_size": 32,
            "image_size": size,
            "patch_size": 16,
            "mask_input_channels": 4,
        },
        mask_decoder_config={
            "hidden_size": 32,
            "mlp_dim": 64,
            "num_attention_heads": 2,
            "iou_head_hidden_dim": 16,
        },
    )
    torch.manual_seed(seed)
    Sam2Model(config).save_pretrained(folder)
    images = Sam2ImageProcessor(
        size={"height": size, "width": size}, mask_size={"height": size // 4, "width": size // 4}
    )
    Sam2Processor(image_processor=images).save_pretrained(folder)
    return folder


def _save(state: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".safetensors":
        from safetensors.torch import save_file

        flat = state.get("params_ema", state)
        save_file({k: v.contiguous() for k, v in flat.items()}, str(path))
    else:
        torch.save(state, path)
    return path
