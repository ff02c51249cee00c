"""Tiny models for the Style, Inpaint, Denoise and Face Restore tests, written to temp files and
loaded by the real loaders (onnxruntime; spandrel's detection from the state dict).

ONNX graphs have the real networks' interfaces (input names, shapes, value ranges) and a few
random weights: the 26-style network (``image`` [1, 3, h, w] + ``style_weights`` [26] ->
``stylized``), and Magenta's predictor ([1, 256, 256, 3] -> [1, 1, 1, 100]) and transform
([1, 384, 384, 3] + [1, 1, 1, 100] -> [1, 384, 384, 3]). The spandrel models are the real
architectures: NAFNet and RestoreFormer at toy widths, and LaMa, whose spandrel loader fixes its
size (51 M parameters, saved as float16 to halve the file).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch


def _save_onnx(graph, path: Path) -> Path:
    import onnx
    from onnx import helper

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # readable by every onnxruntime since 1.14
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _tensor(name: str, array: np.ndarray):
    from onnx import numpy_helper

    return numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name)


def save_multistyle(path: Path, seed: int = 0) -> Path:
    """``sigmoid(conv3x3(image) + style_weights @ colours)``: each style tints differently."""
    from onnx import TensorProto, helper

    rng = np.random.default_rng(seed)
    nodes = [
        helper.make_node("Conv", ["image", "w"], ["conv"], pads=[1, 1, 1, 1]),
        helper.make_node("Unsqueeze", ["style_weights", "axis0"], ["row"]),
        helper.make_node("MatMul", ["row", "colours"], ["tint"]),
        helper.make_node("Reshape", ["tint", "shape"], ["tint4"]),
        helper.make_node("Add", ["conv", "tint4"], ["sum"]),
        helper.make_node("Sigmoid", ["sum"], ["stylized"]),
    ]
    weights = rng.normal(0, 0.3, (3, 3, 3, 3)) + np.eye(3).reshape(3, 3, 1, 1) * np.pad(
        np.ones((1, 1)), 1
    ).reshape(1, 1, 3, 3)
    init = [
        _tensor("w", weights),
        _tensor("colours", rng.normal(0, 1.5, (26, 3))),
        helper.make_tensor("axis0", TensorProto.INT64, [1], [0]),
        helper.make_tensor("shape", TensorProto.INT64, [4], [1, 3, 1, 1]),
    ]
    graph = helper.make_graph(
        nodes,
        "multistyle-tiny",
        [
            helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, "h", "w"]),
            helper.make_tensor_value_info("style_weights", TensorProto.FLOAT, [26]),
        ],
        [helper.make_tensor_value_info("stylized", TensorProto.FLOAT, [1, 3, "h", "w"])],
        init,
    )
    return _save_onnx(graph, path)


def save_arbitrary(folder: Path, seed: int = 1) -> tuple[Path, Path]:
    """(predictor, transform) with the fixed sizes of the converted Magenta networks."""
    from onnx import TensorProto, helper

    rng = np.random.default_rng(seed)
    predict = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["style_image"], ["mean"], axes=[1, 2], keepdims=1),
            helper.make_node("MatMul", ["mean", "embed"], ["style"]),
        ],
        "predict-tiny",
        [helper.make_tensor_value_info("style_image", TensorProto.FLOAT, [1, 256, 256, 3])],
        [helper.make_tensor_value_info("style", TensorProto.FLOAT, [1, 1, 1, 100])],
        [_tensor("embed", rng.normal(0, 1, (3, 100)))],
    )
    transform = helper.make_graph(
        [
            helper.make_node("MatMul", ["style", "project"], ["tint"]),
            helper.make_node("Mul", ["content_image", "gain"], ["scaled"]),
            helper.make_node("Add", ["scaled", "tint"], ["sum"]),
            helper.make_node("Sigmoid", ["sum"], ["stylized"]),
        ],
        "transform-tiny",
        [
            helper.make_tensor_value_info("content_image", TensorProto.FLOAT, [1, 384, 384, 3]),
            helper.make_tensor_value_info("style", TensorProto.FLOAT, [1, 1, 1, 100]),
        ],
        [helper.make_tensor_value_info("stylized", TensorProto.FLOAT, [1, 384, 384, 3])],
        [_tensor("project", rng.normal(0, 0.3, (100, 3))), _tensor("gain", np.full((3,), 3.0))],
    )
    return _save_onnx(predict, folder / "arbitrary_predict.onnx"), _save_onnx(
        transform, folder / "arbitrary_transform.onnx"
    )


def _save(state: dict, path: Path, dtype=None) -> Path:
    from safetensors.torch import save_file

    save_file({k: (v if dtype is None else v.to(dtype)).contiguous() for k, v in state.items()}, str(path))
    return path


def save_nafnet(path: Path, seed: int = 2) -> Path:
    """NAFNet (a restoration network, scale 1) at width 8 with one block per level."""
    from spandrel.architectures.NAFNet import NAFNet

    torch.manual_seed(seed)
    net = NAFNet(img_channel=3, width=8, middle_blk_num=1, enc_blk_nums=[1], dec_blk_nums=[1])
    return _save(net.state_dict(), path)


def save_restoreformer(path: Path, seed: int = 3) -> Path:
    """RestoreFormer (face restoration) at 32 channels: six levels down to the 16x16 attention."""
    from spandrel.architectures.RestoreFormer import RestoreFormer

    torch.manual_seed(seed)
    net = RestoreFormer(
        n_embed=16, embed_dim=32, ch=32, ch_mult=(1,) * 6, num_res_blocks=1, z_channels=32, resolution=512
    )
    return _save(net.state_dict(), path)


def save_lama(path: Path, seed: int = 4) -> Path:
    """LaMa as spandrel builds it (its size is fixed), random weights in float16."""
    from spandrel.architectures.LaMa import LaMa

    torch.manual_seed(seed)
    return _save(LaMa(in_nc=4, out_nc=3).state_dict(), path, torch.float16)
