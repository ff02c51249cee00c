"""FilmStudio's shipped data, installed as the package ``filmstudio.resources``: the demo projects
and their media (``demo/``), the subtitle font (``fonts/``). The repository keeps them here, out of
the code; ``pyproject.toml`` maps this folder into the package and lists the files the wheel
carries. Code finds them with :mod:`filmstudio.core.resources` (``importlib.resources``), never
by a path relative to the repository, so an installed wheel finds the same files."""
