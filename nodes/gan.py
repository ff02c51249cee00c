"""GAN Generator: characters from DCGAN and StyleGAN2 weights; seeds as takes, latents animated.

What the picture of a frame is made of (see :mod:`filmstudio_nodes.gan_takes` for the state):

* a connected ``latent`` input (a Latent Walk, another generator's latent) — else
* the latent keys around the frame, interpolated: spherically in Z, or linearly in W
  (``latent_space``; DCGAN has only Z) — else
* the active take: a seed drawn once by "New character" (:meth:`GANGenerator.generate_take`,
  or ``node.new_take(seed=..., name=...)`` from a script) and stored with its Z, the model's sha256
  and the truncation. Rendering never draws randomness.

``truncation`` (ψ, animatable) pulls the latent towards the average face; ``mix_take`` takes the
``mix_layers`` (coarse / middle / fine) styles from another take (StyleGAN2); ``noise`` is the
StyleGAN2 per-pixel detail: the model's stored noise, or noise seeded per frame (``noise_seed``).

The model's picture (its own size, display-referred sRGB) is placed in the project format:
``fit`` (all of it, transparent bars), ``fill`` (covers the frame, cut) or ``centre`` (pixel for
pixel), alpha 0 outside; output premultiplied RGBA in the working space, on the compute device,
and the Latent used (pre-truncation). Runs on the model worker, ``batch_size`` frames per call in
exports, float16 on CUDA.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from filmstudio.api import (
    ChoiceParam,
    Device,
    EvalContext,
    FinishLater,
    FloatParam,
    Input,
    IntParam,
    Node,
    Output,
    ParameterError,
    PathParam,
    PortType,
    TextParam,
)
from filmstudio_nodes import gan_takes
from filmstudio_nodes.gan_render import frame_latents, place_images, working_images

MODEL_FILTER = "Generators (*.pth *.pt *.safetensors *.ckpt)"
PLACEMENTS = ("fit", "fill", "centre")


class GANGenerator(Node):
    """Pictures from a GAN generator: a take, keyed latents, or the latent input."""

    id = "GANGenerator"
    label = "GAN Generator"
    category = "AI"
    description = "Characters from DCGAN or StyleGAN2 weights: seeds as takes, latents keyed on the timeline."
    device = Device.GPU
    batch_size = 16
    generate_label = "New character"
    inputs = (Input("latent", PortType.LATENT, optional=True),)
    outputs = (Output("image", PortType.IMAGE), Output("latent_out", PortType.LATENT, label="latent"))
    params = (
        PathParam(
            "model",
            "dcgan-faces",
            file_filter=MODEL_FILTER,
            tooltip="a known model (`filmstudio models list`), a file in the model folders, or a path",
        ),
        FloatParam(
            "truncation", 1.0, minimum=0.0, soft_max=1.5, tooltip="ψ: 1 as drawn, lower: more typical faces"
        ),
        ChoiceParam(
            "placement", PLACEMENTS, tooltip="fit: whole picture; fill: cover the frame; centre: 1:1"
        ),
        ChoiceParam(
            "latent_space", ("w", "z"), tooltip="keys blend in W (linear; StyleGAN2) or Z (spherical)"
        ),
        TextParam("mix_take", "", tooltip="a take (id or name) whose styles replace mix_layers (StyleGAN2)"),
        ChoiceParam("mix_layers", ("coarse", "middle", "fine"), tooltip="coarse: pose, shape; fine: colour"),
        ChoiceParam("noise", ("const", "random"), tooltip="StyleGAN2 detail: stored, or seeded per frame"),
        IntParam("noise_seed", 0, animatable=False, minimum=0, tooltip="seeds the per-frame noise"),
        ChoiceParam("precision", ("auto", "full"), tooltip="auto: float16 on CUDA; full: float32"),
    )
    scripting = (
        "new_take",
        "rename_take",
        "delete_take",
        "use_take",
        "key_latent",
        "remove_latent_key",
        "contact_sheet",
    )

    # --- rendering ---------------------------------------------------------------------------------

    def state_for_frame(self, ctx: EvalContext) -> Any:
        # The weights file (replacing it re-renders) and the frame's recipe: frames between two
        # keys each have their own, frames outside the keys share the held one (computed once).
        from filmstudio.api import ModelStore

        recipe = gan_takes.frame_recipe(ctx.state, ctx.frame, ctx.params, ctx.is_connected("latent"))
        identity = ModelStore(ctx.project_dir).identity(ctx.params.model)
        return {"model": identity, "recipe": gan_takes.recipe_key(recipe)}

    def required_models(self, ctx: EvalContext) -> tuple[str, ...]:
        return (ctx.params.model,)

    def evaluate_batch(self, contexts: Sequence[EvalContext]) -> FinishLater:
        """The generator on the model worker; the pictures made from its output (0..1, into the
        working space, placed in the frame) are finished off it, while the next batch runs."""
        from filmstudio.api import ModelStore, generator_output, load_gan

        groups = []
        for indices in _groups(contexts, ("truncation", "noise_seed")).values():
            first = contexts[indices[0]]
            first.check_cancelled()
            location = ModelStore(first.project_dir).find(first.params.model)
            model = load_gan(location, first.device, first.params.precision)
            chosen = frame_latents([contexts[i] for i in indices], model)
            latents = [latent for latent, _seed in chosen]
            output = generator_output(
                model,
                latents,
                [contexts[i].params.truncation for i in indices],
                noise=first.params.noise,
                noise_seeds=[seed for _latent, seed in chosen],
            )
            groups.append((indices, latents, output, first.size, first.params.placement))
        return FinishLater(partial(_finished, len(contexts), groups))

    # --- takes: "New character" and scripting ------------------------------------------------------

    def generate_take(self, ctx: EvalContext) -> dict[str, Any]:
        """A new character: a freshly drawn seed, its Z for this model, the truncation."""
        from filmstudio.api import draw_seed

        return take_data(ctx, draw_seed())

    def describe_take(self, data: Mapping[str, Any]) -> str:
        truncation = data.get("truncation", 1.0)
        psi = f" · ψ {truncation:g}" if isinstance(truncation, int | float) and truncation != 1 else ""
        return f"seed {data.get('seed', '?')}{psi}"

    def check_takes(self, node_name: str, state: Mapping[str, Any]) -> None:
        """Names tell takes apart (latent keys and ``mix_take`` name them); latent keys keep their take."""
        takes = gan_takes.takes_of(state)
        for entry in takes:
            name = entry.get("name")
            if name and name != entry["id"]:
                gan_takes.check_name(node_name, state, name, keep=entry["id"])
        ids = {entry["id"] for entry in takes}
        for key in gan_takes.keys_of(state):
            if "take" in key and key["take"] not in ids:
                raise ParameterError(
                    f"{node_name}: take {key['take']} is used by the latent key at frame {key['frame']}; "
                    "remove that key first"
                )

    def seed_candidates(self, ctx: EvalContext, count: int) -> tuple[list[int], Any]:
        """``count`` new seeds and their pictures at the model's size (the contact sheet)."""
        from filmstudio.api import ModelStore, draw_seed, seed_pictures

        seeds = [draw_seed() for _ in range(count)]
        location = ModelStore(ctx.project_dir).find(ctx.params.model)
        pictures = seed_pictures(
            location,
            seeds,
            truncation=ctx.params.truncation,
            device=ctx.device,
            precision=ctx.params.precision,
        )
        return seeds, pictures

    def take_of_seed(self, ctx: EvalContext, seed: int) -> dict[str, Any]:
        from filmstudio.api import check_seed

        return take_data(ctx, _checked(check_seed, seed))

    def new_take(
        self, node: Any, seed: int | None = None, name: str | None = None, frame: int | None = None
    ) -> str:
        """Make a take of ``seed`` (default: a freshly drawn one) named ``name``, make it active,
        and return its id (one undo step)."""
        from filmstudio.api import check_seed, draw_seed

        gan_takes.check_name(node.name, node.state, name)
        ctx = _context(node, frame)
        data = take_data(ctx, draw_seed() if seed is None else _checked(check_seed, seed))
        state, take_id = gan_takes.with_take(node.state, data, name)
        node.replace_state(state)
        return take_id

    def rename_take(self, node: Any, take: str, name: str) -> None:
        node.replace_state(gan_takes.renamed(node.name, node.state, take, name))

    def delete_take(self, node: Any, take: str) -> None:
        node.replace_state(gan_takes.without_take(node.name, node.state, take))

    def use_take(self, node: Any, take: str) -> None:
        """Make take ``take`` (id or name) the one that renders."""
        found = gan_takes.take(node.name, node.state, take)
        node.replace_state({**node.state, "active_take": found["id"]})

    def key_latent(self, node: Any, frame: int, take: str | None = None, seed: int | None = None) -> None:
        """Pin the latent at ``frame`` to a take (id or name) or a seed; frames between keys blend."""
        from filmstudio.api import check_seed

        if (take is None) == (seed is None):
            raise ParameterError(f"{node.name}: key_latent takes a take or a seed (one of them)")
        if take is not None:
            source: dict[str, Any] = {"take": gan_takes.take(node.name, node.state, take)["id"]}
        else:
            source = {"seed": _checked(check_seed, seed)}
        node.replace_state(gan_takes.with_key(node.state, int(frame), source))

    def remove_latent_key(self, node: Any, frame: int) -> None:
        node.replace_state(gan_takes.without_key(node.name, node.state, int(frame)))

    def contact_sheet(
        self,
        node: Any,
        seeds: int | Sequence[int] = 16,
        path: str | None = None,
        columns: int | None = None,
        frame: int | None = None,
    ) -> tuple[Any, list[int]]:
        """A grid of candidate seeds (``seeds``: how many to draw, or which): (sRGB ``[3, H, W]``,
        the seeds, row by row). ``path`` also saves it as a PNG. Pick one with ``new_take(seed=...)``."""
        from filmstudio.api import ModelStore, check_seed, contact_sheet, draw_seed, write_png

        ctx = _context(node, frame)
        chosen = [draw_seed() for _ in range(seeds)] if isinstance(seeds, int) else list(seeds)
        chosen = [_checked(check_seed, s) for s in chosen]
        location = ModelStore(ctx.project_dir).find(ctx.params.model)
        sheet = contact_sheet(location, chosen, truncation=ctx.params.truncation, columns=columns)
        if path is not None:
            write_png(sheet, node.project.resolve_path(path) if node.project else path)
        return sheet, chosen


def _finished(count: int, groups: list[tuple[list[int], list[Any], Any, tuple[int, int], str]]) -> list[Any]:
    """The results of :meth:`GANGenerator.evaluate_batch` from its groups' generator outputs."""
    from filmstudio.api import pictures_of, serial_when_small

    results: list[Any] = [None] * count
    for indices, latents, output, (width, height), placement in groups:
        pictures = pictures_of(output)
        with serial_when_small(pictures):
            images = place_images(working_images(pictures), width, height, placement)
        for index, image, latent in zip(indices, images, latents, strict=True):
            results[index] = {"image": image, "latent_out": latent}
    return results


def _groups(contexts: Sequence[EvalContext], per_frame: tuple[str, ...]) -> dict[tuple[Any, ...], list[int]]:
    """Indices of ``contexts`` by what one batched call needs to share: every parameter but the
    ``per_frame`` ones, the output size, the project and the device."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for index, ctx in enumerate(contexts):
        shared = tuple((k, v) for k, v in ctx.params.items() if k not in per_frame)
        groups.setdefault((shared, ctx.size, ctx.project_dir, ctx.device), []).append(index)
    return groups


def take_data(ctx: EvalContext, seed: int) -> dict[str, Any]:
    """What a take of ``seed`` stores: seed, its Z for the model, the model's sha256, the ψ."""
    from filmstudio.api import ModelStore, gan_info, seed_latent

    info = gan_info(ModelStore(ctx.project_dir).find(ctx.params.model))
    latent = seed_latent(seed, info.z_dim, info.digest)
    return {**latent.to_json(), "truncation": float(ctx.params.truncation)}


def _context(node: Any, frame: int | None) -> EvalContext:
    project = node.project
    if project is None:
        raise ParameterError(f"{node.name} is not in a project")
    return project.context(node, project.settings.current_frame if frame is None else int(frame))


def _checked(check: Any, value: Any) -> Any:
    try:
        return check(value)
    except ValueError as error:
        raise ParameterError(str(error)) from None


NODES = (GANGenerator,)
