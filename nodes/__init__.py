"""FilmStudio's built-in nodes, registered through the ``filmstudio.nodes`` entry point exactly as a
third-party plugin is. Node modules never import Qt, and import torch only inside ``evaluate``."""

from filmstudio_nodes.analysis import Deflicker
from filmstudio_nodes.audio import AudioMix, AudioOffset
from filmstudio_nodes.channels import Premult, Shuffle, Unpremult
from filmstudio_nodes.color_correct import ColorCorrector
from filmstudio_nodes.color_match import ColorMatch
from filmstudio_nodes.corner_pin import CornerPin
from filmstudio_nodes.denoise import Denoise
from filmstudio_nodes.face_restore import FaceRestore
from filmstudio_nodes.filters import Blur, Grade
from filmstudio_nodes.gan import GANGenerator
from filmstudio_nodes.gan_walk import LatentWalk
from filmstudio_nodes.generators import Constant, Noise, Ramp
from filmstudio_nodes.inpaint import Inpaint
from filmstudio_nodes.io import Read, Write
from filmstudio_nodes.layout import Backdrop
from filmstudio_nodes.llm_script import LLMScript
from filmstudio_nodes.lut import LUT
from filmstudio_nodes.merge import Merge
from filmstudio_nodes.reformat import Crop, Reformat
from filmstudio_nodes.routing import Dot, Switch
from filmstudio_nodes.script_file import ScriptFile
from filmstudio_nodes.segment import Segmenter
from filmstudio_nodes.speech import Speech
from filmstudio_nodes.style import Style
from filmstudio_nodes.subtitles import BurnIn, ScriptSubtitles, SubtitleFile
from filmstudio_nodes.time import FrameHold, TimeOffset
from filmstudio_nodes.title import Title
from filmstudio_nodes.tracker import Tracker
from filmstudio_nodes.transform import Transform
from filmstudio_nodes.translate import Translate
from filmstudio_nodes.upscale import Upscaler

NODES = (
    Read,
    Write,
    Constant,
    Ramp,
    Noise,
    Grade,
    ColorCorrector,
    LUT,
    ColorMatch,
    Blur,
    Merge,
    Premult,
    Unpremult,
    Shuffle,
    Transform,
    CornerPin,
    Crop,
    Reformat,
    Title,
    SubtitleFile,
    ScriptSubtitles,
    BurnIn,
    ScriptFile,
    LLMScript,
    Translate,
    TimeOffset,
    FrameHold,
    Switch,
    Dot,
    Deflicker,
    AudioMix,
    AudioOffset,
    Speech,
    Tracker,
    Backdrop,
    Upscaler,
    Segmenter,
    Style,
    Inpaint,
    Denoise,
    FaceRestore,
    GANGenerator,
    LatentWalk,
)

__all__ = ["NODES", *(node.__name__ for node in NODES)]
