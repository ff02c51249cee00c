"""A tiny random-weight Llama and its tokenizer, written the ways real models are published: a
transformers model folder (safetensors + tokenizer.json + chat template) and a single GGUF file
(llama.cpp's layout, written with the gguf package: tokens and merges in the metadata, q/k rows
permuted as llama.cpp's converter does). Nothing is downloaded; both load through the real code.

The tokenizer is a byte-level BPE trained on a few screenplay lines without the full byte
alphabet, so every token is printable text: random weights write readable (if meaningless) text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] "
    "+ '<|im_end|>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
_CORPUS = [
    "INT. KITCHEN - NIGHT\n\nADA\nWe have to go.\n",
    "EXT. PARKING LOT - DAY\n\nThe rain falls on the cars.\n\nTOM\nNot without you.\n",
    "CUT TO:\n\nMara pulls a ring out of the dough. system user assistant Logline: scene\n",
] * 10


_JSON = ['{"scene": "INT. KITCHEN - NIGHT", "shots": [{"camera": "wide", "seconds": 2.5}, {"n": -1e3}]}\n']
_JSON *= 10
# a shot list: filmstudio.script.SHOT_LIST_SCHEMA's field names and shot sizes
_SHOT_LIST = [
    '{"shots": [{"scene": 1, "shot": "1A", "size": "MCU", "camera": "dolly in", "description": "Ada",'
    ' "characters": ["ADA"], "dialogue": ["We have to go."], "duration": 4.5}]} EWS WS FS MS CU ECU INSERT\n'
] * 10


def make_tokenizer(json: bool = False, shot_lists: bool = False) -> Any:
    """``json``: the vocabulary can also spell JSON (braces, quotes, digits); without it, it cannot.
    ``shot_lists``: and the field names and sizes of a shot list."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=list(SPECIAL), show_progress=False)
    backend.train_from_iterator(
        _CORPUS + (_JSON if json else []) + (_SHOT_LIST if shot_lists else []), trainer
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token="<|im_start|>", eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    tokenizer.chat_template = CHATML
    return tokenizer


def make_model(tokenizer: Any, seed: int = 0) -> Any:
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        # Confident logits (a few likely tokens each step, as in a trained model) and a silent
        # end-of-text token: the tests count tokens, so an answer must not end early by chance.
        model.lm_head.weight *= 12.0
        model.lm_head.weight[tokenizer.eos_token_id] = 0.0
    return model


def save_model_folder(
    folder: Path, seed: int = 0, json: bool = False, ends: bool = False, shot_lists: bool = False
) -> Path:
    """A transformers model folder holding a tiny Llama and its tokenizer (``json``: one whose
    vocabulary can spell JSON, ``shot_lists``: and shot lists; ``ends``: its end token is not
    silenced, so an answer may end)."""
    import transformers

    transformers.utils.logging.disable_progress_bar()  # its tqdm monitor thread would outlive the test
    tokenizer = make_tokenizer(json, shot_lists)
    model = make_model(tokenizer, seed)
    if ends:
        with torch.no_grad():
            model.lm_head.weight[tokenizer.eos_token_id] = model.lm_head.weight[0]
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(folder)
    model.save_pretrained(folder)
    return folder


def save_gguf(path: Path, seed: int = 0) -> Path:
    """The same tiny Llama as :func:`save_model_folder` (same seed: same weights) as one GGUF file."""
    import gguf

    tokenizer = make_tokenizer()
    model = make_model(tokenizer, seed)
    config = model.config
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_rope_dimension_count(config.hidden_size // config.num_attention_heads)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_vocab_size(config.vocab_size)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    tokens = [token for token, _ in sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])]
    writer.add_token_list(tokens)
    writer.add_token_types([3 if token in SPECIAL else 1 for token in tokens])  # 3: control tokens
    merges = json.loads(tokenizer.backend_tokenizer.to_str())["model"]["merges"]
    writer.add_token_merges([" ".join(m) if isinstance(m, list) else m for m in merges])
    writer.add_bos_token_id(tokenizer.bos_token_id)
    writer.add_eos_token_id(tokenizer.eos_token_id)
    writer.add_pad_token_id(tokenizer.pad_token_id)
    writer.add_chat_template(CHATML)
    for name, tensor in _gguf_tensors(model):
        writer.add_tensor(name, tensor)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _gguf_tensors(model: Any) -> list[tuple[str, np.ndarray]]:
    config = model.config
    state = {k: v.float().numpy() for k, v in model.state_dict().items()}
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
    out = [("token_embd.weight", state["model.embed_tokens.weight"])]
    names = {
        "attn_norm": "input_layernorm",
        "attn_v": "self_attn.v_proj",
        "attn_output": "self_attn.o_proj",
        "ffn_norm": "post_attention_layernorm",
        "ffn_gate": "mlp.gate_proj",
        "ffn_up": "mlp.up_proj",
        "ffn_down": "mlp.down_proj",
    }
    for layer in range(config.num_hidden_layers):
        prefix = f"model.layers.{layer}."
        out.append((f"blk.{layer}.attn_q.weight", _permute(state[prefix + "self_attn.q_proj.weight"], heads)))
        out.append(
            (f"blk.{layer}.attn_k.weight", _permute(state[prefix + "self_attn.k_proj.weight"], kv_heads))
        )
        out += [
            (f"blk.{layer}.{short}.weight", state[f"{prefix}{long}.weight"]) for short, long in names.items()
        ]
    out += [("output_norm.weight", state["model.norm.weight"]), ("output.weight", state["lm_head.weight"])]
    return out


def _permute(weights: np.ndarray, heads: int) -> np.ndarray:
    """llama.cpp's q/k row order (rotary halves interleaved); transformers undoes it on load."""
    shape = weights.shape
    return weights.reshape(heads, 2, shape[0] // heads // 2, *shape[1:]).swapaxes(1, 2).reshape(shape)
