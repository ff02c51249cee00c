"""Make the animatic demo resources/demo/animatic.fsproj with `filmstudio new animatic`'s builder,
the free models and a fixed logline and seed, and the README's pictures of it:

    .venv/bin/python resources/demo/make_animatic_demo.py [--frames]

The builder's models (SmolLM2-135M-Instruct, DCGAN faces, the Piper voice, the 26-style network,
DAT-light x4: `filmstudio models install --all-free` has them all) are installed when missing; the
script writes nothing if that fails. Every generated piece is a take inside the project file —
the model's scene and the builder's tidied one, the shot plan and its timing, a face per
character, the voices as FLAC — so the demo renders the same on any machine with the models, and
no weights or media are committed. ``--frames`` also renders it and saves three frames for the
README (resources/screenshots/animatic-*.png, downscaled and palette-quantised: small).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parent / "screenshots"
LOGLINE = "A baker and her apprentice find a ring hidden in the morning dough."
SEED = 1
MODELS = ("smollm2-135m-instruct", "dcgan-faces", "piper-en-us-joe", "style-multi26", "dat-light-x4")


def ensure_models() -> bool:
    from filmstudio.models.errors import ModelError
    from filmstudio.models.install import install_models
    from filmstudio.models.manifest import models_named
    from filmstudio.models.store import ModelStore, user_models_dir

    missing = []
    for name in MODELS:
        for model in models_named(name):
            try:
                ModelStore().find(model.name)
            except ModelError:
                missing.append(model)
    try:
        install_models(missing, user_models_dir())
    except ModelError as error:
        print(f"cannot make the animatic demo without its models: {error}", file=sys.stderr)
        return False
    return True


def _stage(done: int, total: int, what: str) -> None:
    if done < total:
        print(f"[{done + 1}/{total}] {what}", file=sys.stderr)


def build(target: Path) -> object:
    from filmstudio.templates.animatic import build_animatic

    with tempfile.TemporaryDirectory(prefix="animatic-demo-") as scratch:
        made = build_animatic(
            LOGLINE,
            Path(scratch) / target.name,
            seed=SEED,
            progress=_stage,
        )
        shutil.move(str(made.path), target)  # the builder never overwrites: replace the old demo here
    return made


def frames(project_path: Path, shots: object) -> None:
    """Render the demo and keep three frames: a title card, a wide shot, a close-up with a line."""
    import av

    import filmstudio as fs
    from filmstudio.render.export import render

    with tempfile.TemporaryDirectory(prefix="animatic-frames-") as scratch:
        movie = render(fs.load(project_path), output=Path(scratch) / "animatic.mp4").path
        card = next(s for s in shots if s.card)
        wide = (
            next(s for s in shots if not s.card and len(s.characters) > 1)
            if any(len(s.characters) > 1 for s in shots)
            else next(s for s in shots if not s.card)
        )
        close = [s for s in shots if not s.card and s is not wide][-1]
        wanted = {card.first + 12: "1", (wide.first + wide.end) // 2: "2", close.first + 18: "3"}
        with av.open(str(movie)) as container:
            for number, picture in enumerate(container.decode(video=0), start=1):
                if number in wanted:
                    image = picture.to_image().resize((480, 270)).quantize(colors=192)
                    target = SCREENSHOTS / f"animatic-{wanted[number]}.png"
                    image.save(target, optimize=True)
                    print(f"wrote {target} (frame {number})")


def main() -> int:
    if not ensure_models():
        return 1
    target = HERE / "animatic.fsproj"
    made = build(target)
    print(f"wrote {target}: {', '.join(made.characters)}; {len(made.shots)} shots, {made.seconds:.1f} s")
    for note in made.notes:
        print(f"  {note}")
    if "--frames" in sys.argv[1:]:
        frames(target, made.shots)
    return 0


if __name__ == "__main__":
    sys.exit(main())
