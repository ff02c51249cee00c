"""Warnings FilmStudio issues (a render goes on, but the user should know)."""


class FilmStudioWarning(UserWarning):
    """Base of FilmStudio's own warnings; tests turn them into errors."""
