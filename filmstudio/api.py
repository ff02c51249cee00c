"""The public surface for node authors: everything a node module imports comes from here.

A node is one declarative class::

    from filmstudio.api import EvalContext, FloatParam, Input, Node, Output, PortType

    class Brighten(Node):
        id = "mystudio.Brighten"
        category = "Color"
        inputs = (Input("source", PortType.IMAGE),)
        outputs = (Output("image", PortType.IMAGE),)
        params = (FloatParam("gain", 2.0, soft_max=4.0),)

        def evaluate(self, ctx: EvalContext):
            return ctx.input("source") * ctx.params.gain

and a distribution registers its node types through the ``filmstudio.nodes`` entry-point group
(see :mod:`filmstudio.core.registry`); :mod:`filmstudio.testing` runs them through the real engine
in tests. FilmStudio's built-in nodes import only from this module, exactly as a plugin does.

What is here:

- the declaration: :class:`Node`, :class:`Input`, :class:`Output`, :class:`PortType`,
  :class:`Device`, every ``*Param`` helper with its editor hints (:class:`PathMode`,
  :class:`NameList`), and what ``evaluate`` sees (:class:`EvalContext`, :class:`Values`);
- previews of slow nodes: a cheap :meth:`Node.standin` (and :meth:`Node.offers_standin`,
  :attr:`Node.standin_device`) that the viewer shows, marked preview, while the real frame
  computes (never cached as it, never exported), and :meth:`EvalContext.report_progress` for
  the tiles or steps done meanwhile;
- model nodes that batch: ``evaluate_batch`` may return a :class:`FinishLater` so that the host
  work after the model runs off the model worker, overlapping the next batch
  (:func:`batch_results` turns either kind of return into the list of results);
- what flows on a Track port: :class:`TrackSet` of named :class:`Track` s with per-frame
  :class:`TrackSample` s (see :mod:`filmstudio.core.track` for the contract); a position
  parameter follows a track live when declared with ``follows_track`` (:class:`FollowTrack`,
  :class:`Units`; see :mod:`filmstudio.core.track_link`);
- viewer overlays: the shapes a node draws (:class:`Handle`, :class:`Outline`, :class:`Polyline`)
  and what dragging a handle changes (:class:`OverlayEdit`); a handle's per-frame curve on the
  timeline (:class:`FrameCurve`);
- the errors a node may raise (each message tells the artist what to do);
- helpers the built-in nodes use: footage through the shared media pool, colour conversions of
  the active OCIO config, premultiplied-image maths, the model store, safe loaders, resident models
  and CPU fallback, conversion to and from a model's display-referred RGB, batched evaluation;
- ONNX models through onnxruntime (:func:`load_onnx`), the style networks (:func:`stylize_multi`,
  :func:`stylize_arbitrary`, :data:`STYLE_NAMES`) and spandrel's inpainting, restoration and face
  models (:func:`inpaint_images`, :func:`restore_images`, :func:`restore_faces`);
- generators: the :class:`Latent` a Latent port carries, seeds, slerp/lerp/circle paths,
  DCGAN/StyleGAN2 models (:func:`load_gan`, :func:`render_latents`) and contact sheets;
- sound: the :class:`Audio` an Audio port carries (see :mod:`filmstudio.audio.clip` for the
  contract: project time in exact Fractions, one sample grid at :data:`PROJECT_RATE`), in-memory
  :class:`SampleClip` s, :class:`Silence`, :func:`resample` to the project rate;
- screenplays: the :class:`Script` a Script port carries, Fountain in and out
  (:func:`parse_fountain`, :func:`write_fountain`), shot lists from models; language models
  write Script takes (:func:`generate_script_take`) that render without them (:func:`script_of_take`).
- translation: :class:`TranslationSettings`, takes translating only changed cues
  (:func:`make_translation_take`), rendering them with no model (:func:`apply_translation`) and hand
  edits (:func:`edit_translation`); see :mod:`filmstudio.llm.translate`.
- tracking: :class:`PatternTracker` and :class:`BoxTracker` (OpenCV, :mod:`filmstudio.tracking`),
  their :class:`TrackerSettings` and choices, and :func:`tracking_grey` (a frame made trackable).
- subtitles: the :class:`Subtitles` a Subtitles port carries (:class:`Cue` s on project frames;
  :mod:`filmstudio.subtitles.timebase` has the frame-exact rounding rule), subtitle files
  (:func:`read_subtitles`, and :func:`read_subtitle_stream` for a movie's track), the lint's
  parameters (:data:`LINT_PARAMETERS`), :func:`cues_from_script`, and :func:`subtitle_font`.
- speech: the cast (:func:`parse_cast`, :class:`Voicing`), the lines to say (:func:`speech_lines`),
  takes that synthesise only new lines (:func:`make_speech_take`) and rendering a take with no
  model (:func:`render_speech`, :data:`SPEECH_FITS`); see :mod:`filmstudio.speech`.

The declaration names load with this module and never import torch; the helpers load (with torch,
PyAV or OpenColorIO behind them) on first use, so a node module stays cheap to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from filmstudio.core.context import CancelToken, EvalContext, Values
from filmstudio.core.errors import (
    Cancelled,
    ColourError,
    FilmStudioError,
    LUTError,
    MediaError,
    ParameterError,
    UnknownColourSpaceError,
)
from filmstudio.core.graph import digest_json
from filmstudio.core.lazy import lazy_exports
from filmstudio.core.memo import IdentityMemo
from filmstudio.core.node import Device, FinishLater, Input, Node, Output, batch_results
from filmstudio.core.overlay import FrameCurve, Handle, Outline, OverlayEdit, Polyline, rectangle
from filmstudio.core.params import (
    BoolParam,
    ChoiceParam,
    ColorParam,
    ColourSpaceParam,
    DisplayParam,
    FloatParam,
    FollowTrack,
    IntParam,
    NameList,
    Param,
    ParamKind,
    PathMode,
    PathParam,
    TextParam,
    Units,
    VectorParam,
    ViewParam,
)
from filmstudio.core.takes import TakeScripting, created_now
from filmstudio.core.track import (
    Track,
    TrackError,
    TrackingPass,
    TrackNotFoundError,
    TrackSample,
    TrackSet,
    reseed_frames,
)
from filmstudio.core.types import PortType
from filmstudio.core.warnings import FilmStudioWarning

if TYPE_CHECKING:
    pass

# Helpers loaded on first use: name -> module.
_LAZY = {
    # colour management (OpenColorIO) and image maths
    "AUTO": "filmstudio.colour.spaces",
    "COLOUR_SPACES": "filmstudio.colour.spaces",
    "CUSTOM": "filmstudio.colour.spaces",
    "WORKING": "filmstudio.colour.spaces",
    "chosen_space": "filmstudio.colour.spaces",
    "resolve_space": "filmstudio.colour.spaces",
    "config_source": "filmstudio.colour.config",
    "VIEWER": "filmstudio.colour.config",
    "to_working": "filmstudio.colour.conversions",
    "from_working": "filmstudio.colour.conversions",
    "display_transform": "filmstudio.colour.conversions",
    "Grade": "filmstudio.colour.grade",
    "grade_from_controls": "filmstudio.colour.grade",
    "to_lab": "filmstudio.colour.lab",
    "from_lab": "filmstudio.colour.lab",
    "INTERPOLATIONS": "filmstudio.colour.lut_file",
    "LUT_FILE_FILTER": "filmstudio.colour.lut_file",
    "lut_pipeline": "filmstudio.colour.lut_file",
    # per-pixel nodes describe their colour work (Node.per_pixel, Node.colour_function)
    "ColourFunction": "filmstudio.colour.fusion",
    "Affine": "filmstudio.colour.fusion",
    "Curve": "filmstudio.colour.fusion",
    "General": "filmstudio.colour.fusion",
    "to_working_function": "filmstudio.colour.fusion",
    "from_working_function": "filmstudio.colour.fusion",
    "display_function": "filmstudio.colour.fusion",
    "grade_function": "filmstudio.colour.fusion",
    "torch_module": "filmstudio.colour.imaging",
    "solid": "filmstudio.colour.imaging",
    "blend": "filmstudio.colour.imaging",
    "rgb_scale": "filmstudio.colour.imaging",
    "unpremultiplied": "filmstudio.colour.imaging",
    "premultiplied": "filmstudio.colour.imaging",
    "premultiplied_with_alpha": "filmstudio.colour.imaging",
    "with_alpha": "filmstudio.colour.imaging",
    # footage and exports
    "shared_pool": "filmstudio.media.pool",
    "read_working": "filmstudio.media.working",
    "file_identity": "filmstudio.media.pool",
    "footage_identity": "filmstudio.media.pool",
    "clip_frame_number": "filmstudio.media.timing",
    "EncodeSettings": "filmstudio.media.settings",
    # models
    "ModelStore": "filmstudio.models.store",
    "ModelError": "filmstudio.models.errors",
    "ModelFileError": "filmstudio.models.errors",
    "ModelNotFoundError": "filmstudio.models.errors",
    "load_spandrel": "filmstudio.models.loaders",
    "load_torchvision": "filmstudio.models.loaders",
    "load_transformers": "filmstudio.models.loaders",
    "place": "filmstudio.models.device",
    "resident_models": "filmstudio.models.device",
    "serial_when_small": "filmstudio.models.device",
    "upscale_images": "filmstudio.models.runtime",
    "with_cpu_fallback": "filmstudio.models.runtime",
    "to_model_rgb": "filmstudio.models.display",
    "from_model_rgb": "filmstudio.models.display",
    "colour_to_display": "filmstudio.models.display",
    "evaluate_in_groups": "filmstudio.models.batches",
    # ONNX models (onnxruntime) and the style, inpainting, restoration and face networks
    "STYLE_NAMES": "filmstudio.models.manifest",
    "load_onnx": "filmstudio.models.onnx",
    "onnx_providers": "filmstudio.models.onnx",
    "NUM_STYLES": "filmstudio.models.style",
    "stylize_multi": "filmstudio.models.style",
    "stylize_arbitrary": "filmstudio.models.style",
    "style_vector": "filmstudio.models.style",
    "FACE_SIZE": "filmstudio.models.restore",
    "inpaint_images": "filmstudio.models.restore",
    "restore_images": "filmstudio.models.restore",
    "restore_faces": "filmstudio.models.restore",
    # generators (GAN): what a Latent port carries, seeds, paths between latents, models, sheets
    "Latent": "filmstudio.models.gan_latent",
    "LatentKind": "filmstudio.models.gan_latent",
    "check_seed": "filmstudio.models.gan_latent",
    "draw_seed": "filmstudio.models.gan_latent",
    "seed_latent": "filmstudio.models.gan_latent",
    "lerp": "filmstudio.models.gan_latent",
    "slerp": "filmstudio.models.gan_latent",
    "slerp_path": "filmstudio.models.gan_latent",
    "circle": "filmstudio.models.gan_latent",
    "gan_info": "filmstudio.models.gan_load",
    "load_gan": "filmstudio.models.gan_load",
    "LatentMismatchError": "filmstudio.models.gan_generate",
    "MIX_LAYERS": "filmstudio.models.gan_generate",
    "NOISE_MODES": "filmstudio.models.gan_generate",
    "check_latent": "filmstudio.models.gan_generate",
    "mixed": "filmstudio.models.gan_generate",
    "render_latents": "filmstudio.models.gan_generate",
    "generator_output": "filmstudio.models.gan_generate",
    "pictures_of": "filmstudio.models.gan_generate",
    "to_w": "filmstudio.models.gan_generate",
    "contact_sheet": "filmstudio.models.gan_sheet",
    "seed_pictures": "filmstudio.models.gan_sheet",
    "write_png": "filmstudio.models.gan_sheet",
    # tracking (OpenCV): the choices load light, the trackers with OpenCV on first use
    "MOTION_MODELS": "filmstudio.tracking.settings",
    "MATCH_MODES": "filmstudio.tracking.settings",
    "LOW_CONFIDENCE_ACTIONS": "filmstudio.tracking.settings",
    "TRACK_CHANNELS": "filmstudio.tracking.settings",
    "TRACK_METHODS": "filmstudio.tracking.settings",
    "TrackerSettings": "filmstudio.tracking.settings",
    "PatternTracker": "filmstudio.tracking.pattern",
    "BoxTracker": "filmstudio.tracking.box",
    "tracking_grey": "filmstudio.tracking.grey",
    "contrast_channel": "filmstudio.tracking.grey",
    # subtitles: the Subtitles port's value (cues on frames), files, lint, cues from a Script
    "Cue": "filmstudio.subtitles",
    "Subtitles": "filmstudio.subtitles",
    "SubtitleError": "filmstudio.subtitles",
    "subtitle_font": "filmstudio.subtitles",
    "SUBTITLE_FILE_FILTER": "filmstudio.subtitles",
    "read_subtitles": "filmstudio.subtitles",
    "cues_from_script": "filmstudio.subtitles",
    "LINT_PARAMETERS": "filmstudio.subtitles",
    "read_subtitle_stream": "filmstudio.media.subtitles",
    # screenplays: the Script port's value, Fountain, shot lists
    "DEFAULT_READING_WPM": "filmstudio.script",
    "Script": "filmstudio.script",
    "Screenplay": "filmstudio.script",
    "Shot": "filmstudio.script",
    "ScriptError": "filmstudio.script",
    "ShotListError": "filmstudio.script",
    "parse_fountain": "filmstudio.script.fountain",
    "write_fountain": "filmstudio.script.fountain",
    "SHOT_LIST_SCHEMA": "filmstudio.script.shot_list",
    "parse_shot_list": "filmstudio.script.shot_list",
    "shot_list_schema": "filmstudio.script.shot_list",
    # language models (LLM Script): presets and back ends, generating a Script take, rendering one
    "LLM_PRESETS": "filmstudio.llm.prompts",
    "LLM_BACKENDS": "filmstudio.llm.script_take",
    "generate_script_take": "filmstudio.llm.script_take",
    "script_of_take": "filmstudio.llm.script_take",
    "edited_take": "filmstudio.llm.script_take",
    "LLMError": "filmstudio.llm.errors",
    "NoTakeError": "filmstudio.llm.errors",
    "generate_take_streaming": "filmstudio.llm.generation",
    "list_takes": "filmstudio.llm.takes",
    "switch_take": "filmstudio.llm.takes",
    "rename_take": "filmstudio.llm.takes",
    "delete_take": "filmstudio.llm.takes",
    "edit_take": "filmstudio.llm.takes",
    "diff_takes": "filmstudio.llm.takes",
    # translation (Translate): subtitles or scripts by translation models or language models, as takes
    "TRANSLATE_BACKENDS": "filmstudio.llm.translate",
    "TRANSLATE_SCRIPT_TEXTS": "filmstudio.llm.translate",
    "TranslationSettings": "filmstudio.llm.translate",
    "TranslationError": "filmstudio.llm.translate_prompt",
    "apply_translation": "filmstudio.llm.translate",
    "make_translation_take": "filmstudio.llm.translate_takes",
    "edit_translation": "filmstudio.llm.translate_takes",
    "translation_of": "filmstudio.llm.translate_takes",
    # sound: the Audio port's value (filmstudio.audio.clip is the contract) and its sample grid
    "PROJECT_RATE": "filmstudio.audio.clip",
    "Audio": "filmstudio.audio.clip",
    "AudioError": "filmstudio.audio.clip",
    "SampleClip": "filmstudio.audio.clip",
    "Silence": "filmstudio.audio.clip",
    "frame_sample": "filmstudio.audio.clip",
    "frames_samples": "filmstudio.audio.clip",
    "sample_at": "filmstudio.audio.clip",
    "sample_time": "filmstudio.audio.clip",
    "resample": "filmstudio.audio.resample",
    "read_audio": "filmstudio.media.audio_source",
    "MixInput": "filmstudio.audio.mix",
    "MixedAudio": "filmstudio.audio.mix",
    "Ducking": "filmstudio.audio.mix",
    "OffsetAudio": "filmstudio.audio.mix",
    "OFF_DB": "filmstudio.audio.mix",
    "frames_to_samples": "filmstudio.audio.mix",
    # speech: voices (Piper through onnxruntime + espeak-ng, MMS-TTS/VITS), takes, rendering
    "SPEECH_FITS": "filmstudio.speech",
    "SpeechError": "filmstudio.speech.errors",
    "Voicing": "filmstudio.speech.takes",
    "parse_cast": "filmstudio.speech.voices",
    "speech_lines": "filmstudio.speech.takes",
    "make_speech_take": "filmstudio.speech.takes",
    "render_speech": "filmstudio.speech.render",
}

__all__ = [
    "BoolParam",
    "CancelToken",
    "Cancelled",
    "ChoiceParam",
    "ColorParam",
    "ColourError",
    "ColourSpaceParam",
    "Device",
    "DisplayParam",
    "EvalContext",
    "FilmStudioError",
    "FilmStudioWarning",
    "FinishLater",
    "FloatParam",
    "FollowTrack",
    "FrameCurve",
    "Handle",
    "IdentityMemo",
    "Input",
    "IntParam",
    "LUTError",
    "MediaError",
    "NameList",
    "Node",
    "Outline",
    "Output",
    "OverlayEdit",
    "Param",
    "ParamKind",
    "ParameterError",
    "PathMode",
    "PathParam",
    "Polyline",
    "PortType",
    "TakeScripting",
    "TextParam",
    "Track",
    "TrackError",
    "TrackingPass",
    "TrackNotFoundError",
    "TrackSample",
    "TrackSet",
    "Units",
    "UnknownColourSpaceError",
    "Values",
    "VectorParam",
    "ViewParam",
    "batch_results",
    "created_now",
    "digest_json",
    "rectangle",
    "reseed_frames",
    *sorted(_LAZY),
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
