"""Voices the speech tests make: tiny random VITS folders (transformers) and tiny Piper-shaped
ONNX graphs, saved to disk and loaded through the real code paths."""

from __future__ import annotations

import json
from pathlib import Path

CHARACTERS = list("_ abcdefghijklmnopqrstuvwxyz',.?!-")


def save_tiny_vits(folder: Path, seed: int = 0, rate: int = 16000) -> Path:
    """A VITS model (MMS-TTS's architecture, tiny sizes, random weights) and its character
    tokenizer, saved as a transformers folder."""
    import torch
    import transformers
    from transformers import VitsConfig, VitsModel, VitsTokenizer

    transformers.utils.logging.disable_progress_bar()  # its tqdm monitor thread would outlive the test
    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.json"
    vocab.write_text(json.dumps({c: i for i, c in enumerate(CHARACTERS)}))
    tokenizer = VitsTokenizer(
        str(vocab),
        language="eng",
        add_blank=True,
        normalize=True,
        phonemize=False,
        is_uroman=False,
        pad_token="_",
        unk_token="_",
    )
    config = VitsConfig(
        vocab_size=len(CHARACTERS),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        window_size=2,
        ffn_dim=16,
        flow_size=16,
        spectrogram_bins=17,
        upsample_initial_channel=16,
        upsample_rates=[4, 4],
        upsample_kernel_sizes=[8, 8],
        resblock_kernel_sizes=[3],
        resblock_dilation_sizes=[[1, 3]],
        posterior_encoder_num_wavenet_layers=1,
        prior_encoder_num_flows=1,
        prior_encoder_num_wavenet_layers=1,
        duration_predictor_num_flows=1,
        duration_predictor_filter_channels=16,
        depth_separable_num_layers=1,
        sampling_rate=rate,
    )
    torch.manual_seed(seed)
    VitsModel(config).eval().save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def save_tiny_piper(path: Path, noise_per_id: int = 3000) -> Path:
    """A graph with Piper's inputs (input, input_lengths, scales) and a RandomNormalLike, as
    Piper exports draw their noise, with its .onnx.json beside it (espeak voice en-us, 16 kHz):
    its output is ``noise_per_id`` values of noise a phoneme id, scaled by scales[0], plus the
    ids themselves (so different text sounds different)."""
    import onnx
    from onnx import TensorProto, helper

    ids = helper.make_tensor_value_info("input", TensorProto.INT64, ["batch", "phonemes"])
    lengths = helper.make_tensor_value_info("input_lengths", TensorProto.INT64, ["batch"])
    scales = helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3])
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 1, "time"])
    repeat = helper.make_tensor("repeat", TensorProto.INT64, [2], [1, noise_per_id])
    first = helper.make_tensor("first", TensorProto.INT64, [1], [0])
    one = helper.make_tensor("one", TensorProto.INT64, [1], [1])
    tenth = helper.make_tensor("tenth", TensorProto.FLOAT, [], [0.001])
    nodes = [
        helper.make_node("Cast", ["input"], ["ids"], to=TensorProto.FLOAT),
        helper.make_node("Tile", ["ids", "repeat"], ["tiled"]),
        helper.make_node("RandomNormalLike", ["tiled"], ["noise"], dtype=TensorProto.FLOAT),
        helper.make_node("Slice", ["scales", "first", "one"], ["noise_scale"]),
        helper.make_node("Mul", ["noise", "noise_scale"], ["scaled"]),
        helper.make_node("Mul", ["tiled", "tenth"], ["level"]),
        helper.make_node("Add", ["scaled", "level"], ["wave"]),
        helper.make_node("Unsqueeze", ["wave", "one"], ["output"]),
    ]
    graph = helper.make_graph(nodes, "tiny-piper", [ids, lengths, scales], [out], [repeat, first, one, tenth])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    model.ir_version = 8
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    # every Latin, IPA and modifier letter and combining mark espeak-ng writes, plus Piper's ^ _ $
    symbols = ["^", "_", "$", *(chr(c) for c in range(0x20, 0x370) if chr(c) not in "^_$")]
    config = {
        "audio": {"sample_rate": 16000},
        "espeak": {"voice": "en-us"},
        "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_id_map": {symbol: [index] for index, symbol in enumerate(symbols)},
        "num_speakers": 1,
    }
    Path(f"{path}.json").write_text(json.dumps(config, ensure_ascii=False))
    return path
