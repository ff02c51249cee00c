"""The Translate node's test helpers: tiny random translation models written as real ones are
published, an OpenAI-compatible server that translates, and projects. Nothing is downloaded.

:func:`save_tiny_marian` writes a MarianMT folder (``config.json``, safetensors, ``source.spm`` /
``target.spm`` SentencePiece models trained here on a few lines, ``vocab.json``) that
:func:`filmstudio.models.loaders.load_transformers` loads as Helsinki-NLP's opus-mt folders are
loaded. Its weights are random: it writes deterministic nonsense.

:func:`save_tiny_multilingual` writes an M2M100 model with an NLLB-200 or an M2M100 tokenizer.

:class:`TranslatingServer` is the LLM tests' fake OpenAI server answering each request with JSON
keyed by the ids the request asks for (``"fr:" + text``), leaving out the texts in
``leave_out`` (always) or ``leave_out_once`` (in the first answer that has them only).

:func:`subtitle_project` and :func:`server_project`: a Subtitle File (``SRT``, English, in a file the
test may rewrite) feeding a Translate node named "fr"; :func:`take_data` is a node's active take.
"""

from __future__ import annotations

import io
import json
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

import filmstudio as fs
from tests.llm.fake_server import FakeOpenAI

FPS = Fraction(24)
SRT = """1
00:00:01,000 --> 00:00:02,500
Where is Mara?

2
00:00:03,000 --> 00:00:04,000
Coffee? It's fresh.

3
00:00:05,000 --> 00:00:06,500
- No thanks, I'm late.
- Suit yourself.
"""
SCRIPT = """INT. KITCHEN - DAY

MARA
Coffee? It's fresh.

JOHN
(sighing)
No thanks, I'm late.

MARA
Suit yourself, John.
"""

_CORPUS = [
    "Coffee? It's fresh.",
    "No thanks, I'm late.",
    "Suit yourself.",
    "Where is Mara?",
    "We have to go.",
    "Le café est chaud.",
    "Nous devons partir.",
] * 20


def save_tiny_marian(folder: Path, seed: int = 0) -> Path:
    """A random-weight MarianMT model with its tokenizer, saved as a transformers folder."""
    import sentencepiece
    import torch
    import transformers
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    transformers.utils.logging.disable_progress_bar()  # its tqdm monitor thread would outlive the test
    folder.mkdir(parents=True, exist_ok=True)
    model = _sentencepiece(60)
    for name in ("source.spm", "target.spm"):
        (folder / name).write_bytes(model)
    pieces = sentencepiece.SentencePieceProcessor(model_proto=model)
    vocab = {"</s>": 0, "<unk>": 1, "<pad>": 2}
    for index in range(pieces.get_piece_size()):
        vocab.setdefault(pieces.id_to_piece(index), len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*sacremoses.*")  # normalises punctuation: not needed
        tokenizer = MarianTokenizer(
            str(folder / "source.spm"), str(folder / "target.spm"), str(folder / "vocab.json"), "en", "fr"
        )
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        pad_token_id=2,
        eos_token_id=0,
        decoder_start_token_id=2,
        forced_eos_token_id=0,
    )
    torch.manual_seed(seed)
    MarianMTModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def save_tiny_multilingual(folder: Path, nllb: bool, seed: int = 0) -> Path:
    """A random-weight M2M100 model with an NLLB-200 tokenizer (FLORES codes, ``fra_Latn``) or an
    M2M100 one (``__fr__``), saved as a transformers folder."""
    import torch
    import transformers
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer, NllbTokenizer

    transformers.utils.logging.disable_progress_bar()
    folder.mkdir(parents=True, exist_ok=True)
    spm = folder / "sentencepiece.bpe.model"
    spm.write_bytes(_sentencepiece(40))
    if nllb:
        tokenizer = NllbTokenizer(vocab_file=str(spm), src_lang="eng_Latn", tgt_lang="fra_Latn")
    else:
        import sentencepiece

        pieces = sentencepiece.SentencePieceProcessor(model_file=str(spm))
        vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
        for index in range(pieces.get_piece_size()):
            vocab.setdefault(pieces.id_to_piece(index), len(vocab))
        (folder / "vocab.json").write_text(json.dumps(vocab))
        tokenizer = M2M100Tokenizer(str(folder / "vocab.json"), str(spm), src_lang="en", tgt_lang="fr")
    # language tokens come after the SentencePiece vocabulary: the embedding must reach them all
    known = [*tokenizer.get_vocab().values(), *getattr(tokenizer, "lang_token_to_id", {}).values()]
    size = 1 + max(known)
    config = M2M100Config(
        vocab_size=max(size, len(tokenizer)),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(seed)
    M2M100ForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _sentencepiece(size: int) -> bytes:
    import sentencepiece

    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(_CORPUS),
        model_writer=model,
        vocab_size=size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        bos_id=-1,
        eos_id=-1,
        pad_id=-1,
        unk_id=2,
        minloglevel=2,
    )
    return model.getvalue()


class TranslatingServer(FakeOpenAI):
    """A fake OpenAI server whose answer translates what the request asks for."""

    def __init__(self) -> None:
        super().__init__()
        self.leave_out: set[str] = set()
        self.leave_out_once: set[str] = set()

    def asked(self, index: int = -1) -> dict[str, Any]:
        """The JSON the user message of request ``index`` carries."""
        return json.loads(self.requests[index]["body"]["messages"][-1]["content"])

    def pieces(self) -> list[str]:
        # Called by the handler thread of the request just recorded: requests here come one by one.
        wanted = self.asked()["translate"]
        answer = {}
        for label, text in wanted.items():
            if text in self.leave_out_once:
                self.leave_out_once.discard(text)
            elif text not in self.leave_out:
                answer[label] = f"fr:{text}"
        self.text = "```json\n" + json.dumps(answer, ensure_ascii=False) + "\n```"
        return super().pieces()


def subtitle_project(tmp_path: Path, srt: str = SRT, language: str = "en", **params) -> fs.Project:
    (tmp_path / "en.srt").write_text(srt)
    project = fs.Project(fps=FPS, frame_range=(1, 200), width=16, height=16)
    cues = project.add_node("SubtitleFile", "en", file=str(tmp_path / "en.srt"), language=language)
    translate = project.add_node("Translate", "fr", **{"target_language": "fr", **params})
    project.connect(cues, translate, "subtitles", "source_subtitles")
    return project


def server_project(tmp_path: Path, server: TranslatingServer, srt: str = SRT, **params) -> fs.Project:
    values = {"backend": "server", "model": "test-model", "base_url": server.base_url}
    return subtitle_project(tmp_path, srt, **{**values, **params})


def take_data(project: fs.Project, name: str = "fr") -> dict:
    node = project[name]
    return next(t["data"] for t in node.state["takes"] if t["id"] == node.state["active_take"])
