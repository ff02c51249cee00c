"""Edit > Project Settings (S, as in Nuke): format, frame rate, frame range, working colour space,
and the artist's own cache budgets.

The project's values are applied as one undoable edit (:meth:`Project.update_settings`); the cache
budgets are the artist's, not the project's: they go to the session's engine at once and to the
user settings file (:mod:`filmstudio.ui.user_settings`). GUI thread.
"""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from filmstudio.core.project import ProjectSettings
from filmstudio.core.timebase import (
    MAX_FRAME,
    MAX_IMAGE_SIZE,
    PIXEL_ASPECT_RANGE,
    Format,
    FrameRange,
    format_fps,
    parse_fps,
    timecode,
)
from filmstudio.ui.session import EditorSession
from filmstudio.ui.user_settings import GIB, UserSettings, load_user_settings, save_user_settings

CUSTOM = "Custom"
_LABEL_WIDTH = 112
# (name, width, height, pixel aspect): Nuke's and Resolve's usual formats
FORMAT_PRESETS: tuple[tuple[str, int, int, float], ...] = (
    ("HD 1080", 1920, 1080, 1.0),
    ("HD 720", 1280, 720, 1.0),
    ("UHD 4K", 3840, 2160, 1.0),
    ("DCI 2K", 2048, 1080, 1.0),
    ("DCI 4K", 4096, 2160, 1.0),
    ("Vertical HD", 1080, 1920, 1.0),
    ("Square 1K", 1024, 1024, 1.0),
    ("nHD", 640, 360, 1.0),
    ("PAL", 720, 576, 1.09),
    ("NTSC", 720, 486, 0.91),
    ("Anamorphic 2K (2:1)", 1828, 1556, 2.0),
)
# The broadcast rates exactly: 23.976 is 24000/1001, never the decimal
FPS_PRESETS: tuple[tuple[str, Fraction], ...] = (
    ("23.976", Fraction(24000, 1001)),
    ("24", Fraction(24)),
    ("25", Fraction(25)),
    ("29.97", Fraction(30000, 1001)),
    ("30", Fraction(30)),
    ("50", Fraction(50)),
    ("59.94", Fraction(60000, 1001)),
    ("60", Fraction(60)),
)
WORKING_SPACE_TIP = (
    "Every project works in the OCIO config's scene_linear role ({space}); the engine does not "
    "read a per-project choice yet. To work in another space, set $OCIO to a config whose "
    "scene_linear role is that space."
)


def fps_label(fps: Fraction) -> str:
    """``23.976 (24000/1001)`` for a preset, else the exact rate."""
    for label, preset in FPS_PRESETS:
        if preset == fps:
            return label if preset.denominator == 1 else f"{label}  ({format_fps(preset)})"
    return format_fps(fps)


class ProjectSettingsDialog(QDialog):
    """The session's project settings as a form; OK applies them as one undo step (nothing when
    nothing changed). :meth:`settings` is what the form says, or a ValueError saying what is wrong."""

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Project Settings")
        self.setObjectName("ProjectSettingsDialog")
        self.session = session
        current = session.project.settings
        self.user = load_user_settings()

        self.format_combo = QComboBox()
        for name, width, height, aspect in FORMAT_PRESETS:
            shown = f"{name}  —  {width}x{height}" + (f"  ({aspect:g}:1 pixels)" if aspect != 1.0 else "")
            self.format_combo.addItem(shown, (width, height, aspect))
        self.format_combo.addItem(CUSTOM, None)
        self.width_box, self.height_box = (
            _int_box(1, MAX_IMAGE_SIZE, " px"),
            _int_box(1, MAX_IMAGE_SIZE, " px"),
        )
        self.aspect_box = QDoubleSpinBox()
        self.aspect_box.setRange(*PIXEL_ASPECT_RANGE)
        self.aspect_box.setDecimals(4)
        self.aspect_box.setSingleStep(0.01)
        self.aspect_box.setToolTip("pixel aspect ratio: 1 for square pixels, 2 for a 2x anamorphic squeeze")
        size = QHBoxLayout()
        size.setSpacing(8)
        size.addWidget(self.width_box)
        size.addWidget(QLabel("x"))
        size.addWidget(self.height_box)
        size.addWidget(QLabel("pixel aspect"))
        size.addWidget(self.aspect_box)
        size.addStretch(1)

        self.fps_combo = QComboBox()
        for _label, fps in FPS_PRESETS:
            self.fps_combo.addItem(fps_label(fps), fps)
        self.fps_combo.addItem(CUSTOM, None)
        self.fps_custom = QLineEdit()
        self.fps_custom.setPlaceholderText("e.g. 48, 12.5 or 120000/1001")
        fps_row = QHBoxLayout()
        fps_row.addWidget(self.fps_combo)
        fps_row.addWidget(self.fps_custom, 1)
        self.first_box, self.last_box = _int_box(-MAX_FRAME, MAX_FRAME), _int_box(-MAX_FRAME, MAX_FRAME)
        range_row = QHBoxLayout()
        range_row.setSpacing(8)
        range_row.addWidget(self.first_box)
        range_row.addWidget(QLabel("to"))
        range_row.addWidget(self.last_box)
        range_row.addStretch(1)
        self.duration = QLabel()
        self.duration.setObjectName("ProjectDuration")

        self.working_space = QComboBox()
        self.working_space.setEnabled(False)
        self.working_space.addItem(_working_space_name())
        self.working_space.setToolTip(WORKING_SPACE_TIP.format(space=self.working_space.itemText(0)))

        self.ram_box = _gib_box(0.25, 1024.0)
        self.vram_box = _gib_box(0.0, 256.0)
        self.ram_box.setToolTip("frames kept in memory for scrubbing and playback, for every project")
        self.vram_box.setToolTip("frames kept on the GPU before they move to RAM, for every project")
        space_note = QLabel("the OCIO config's scene_linear role (hover for why)")
        space_note.setStyleSheet("color: #8a8a8a")
        space_note.setToolTip(self.working_space.toolTip())
        stats = session.engine.cache_stats()
        self.ram_box.setValue(stats.ram_budget / GIB)
        self.vram_box.setValue(stats.vram_budget / GIB)

        self.problem = QLabel()
        self.problem.setStyleSheet("color: #ff6b5b")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)

        image = _group("Format", [("Preset", self.format_combo), ("Size", size)])
        time = _group("Time", [("Frame rate", fps_row), ("Frame range", range_row), ("", self.duration)])
        colour = _group("Colour", [("Working space", self.working_space), ("", space_note)])
        cache = _group(
            "Frame cache  (your setting, for every project)",
            [("In RAM", self.ram_box), ("In VRAM", self.vram_box)],
        )
        layout = QVBoxLayout(self)
        for widget in (image, time, colour, cache, self.problem, buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(580)

        self._show(current)
        self.format_combo.activated.connect(self._preset_chosen)
        for box in (self.width_box, self.height_box):
            box.valueChanged.connect(self._size_edited)
        self.aspect_box.valueChanged.connect(self._size_edited)
        self.fps_combo.currentIndexChanged.connect(self._fps_chosen)
        self.fps_custom.textChanged.connect(self._update_duration)
        self.first_box.valueChanged.connect(self._update_duration)
        self.last_box.valueChanged.connect(self._update_duration)

    # --- the form --------------------------------------------------------------------------------

    def _show(self, settings: ProjectSettings) -> None:
        image = settings.format
        self.width_box.setValue(image.width)
        self.height_box.setValue(image.height)
        self.aspect_box.setValue(image.pixel_aspect)
        self._match_preset()
        # by value: findData compares the Fractions Qt holds by identity
        presets = [fps for _label, fps in FPS_PRESETS]
        index = presets.index(settings.fps) if settings.fps in presets else -1
        self.fps_combo.setCurrentIndex(index if index >= 0 else self.fps_combo.count() - 1)
        self.fps_custom.setText(format_fps(settings.fps) if index < 0 else "")
        self.fps_custom.setVisible(index < 0)
        frames = settings.frame_range
        self.first_box.setValue(frames.first)
        self.last_box.setValue(frames.last)
        self._frames_step = frames.step
        self._update_duration()

    def _preset_chosen(self, index: int) -> None:
        preset = self.format_combo.itemData(index)
        if preset is not None:
            width, height, aspect = preset
            for box, value in ((self.width_box, width), (self.height_box, height), (self.aspect_box, aspect)):
                box.blockSignals(True)
                box.setValue(value)
                box.blockSignals(False)

    def _size_edited(self) -> None:
        self._match_preset()

    def _match_preset(self) -> None:
        size = (self.width_box.value(), self.height_box.value(), round(self.aspect_box.value(), 4))
        index = next(
            (i for i, (_n, w, h, a) in enumerate(FORMAT_PRESETS) if (w, h, a) == size),
            self.format_combo.count() - 1,
        )
        self.format_combo.setCurrentIndex(index)

    def _fps_chosen(self, index: int) -> None:
        custom = self.fps_combo.itemData(index) is None
        self.fps_custom.setVisible(custom)
        if custom and not self.fps_custom.text():
            self.fps_custom.setText(format_fps(self.session.project.settings.fps))
        self._update_duration()

    def _update_duration(self) -> None:
        try:
            settings = self.settings()
        except ValueError as error:
            self.duration.setText("")
            self.problem.setText(str(error))
            return
        self.problem.setText("")
        frames = len(settings.frame_range)
        end = timecode(frames, settings.fps)
        self.duration.setText(f"{frames} frames  ·  {end} at {fps_label(settings.fps)} fps")

    def settings(self) -> ProjectSettings:
        """The project settings the form describes (ValueError saying what is wrong)."""
        fps = self.fps_combo.currentData()
        if fps is None:
            fps = parse_fps(self.fps_custom.text().strip())
        image = Format(self.width_box.value(), self.height_box.value(), round(self.aspect_box.value(), 4))
        current = self.session.project.settings
        if image == Format(current.format.width, current.format.height, current.format.pixel_aspect):
            image = current.format  # keep its name
        frames = FrameRange(self.first_box.value(), self.last_box.value(), self._frames_step)
        return ProjectSettings(
            fps=fps,
            frame_range=frames,
            format=image,
            working_space=current.working_space,
            current_frame=current.current_frame,
        )

    def user_settings(self) -> UserSettings:
        """The artist's cache budgets as the form says."""
        return UserSettings(
            ram_cache_bytes=round(self.ram_box.value() * GIB),
            vram_cache_bytes=round(self.vram_box.value() * GIB),
            ask_match_project=self.user.ask_match_project,
        )

    # --- applying --------------------------------------------------------------------------------

    def apply(self) -> bool:
        """Apply the form: the project's settings as one undo step, the budgets to the engine and
        the user settings file. False (and the problem shown) when a value is refused."""
        try:
            settings = self.settings()
        except ValueError as error:
            self.problem.setText(str(error))
            return False
        current = self.session.project.settings
        changes = {
            name: getattr(settings, name)
            for name in ("fps", "frame_range", "format")
            if getattr(settings, name) != getattr(current, name)
        }
        if changes:
            self.session.project.update_settings(**changes)
        user = self.user_settings()
        if user != self.user:
            apply_cache_budgets(self.session, user)
            self.user = user
        return True

    def _accept(self) -> None:
        if self.apply():
            self.accept()


def apply_cache_budgets(session: EditorSession, user: UserSettings) -> None:
    """Give the session's engine (and every engine it makes later) the budgets in ``user`` and
    keep them for the next start; a config folder that cannot be written is reported."""
    options = user.engine_options()
    session.engine_options.update(options)
    session.engine.cache.set_budgets(ram=options["cache_bytes"], vram=options["vram_cache_bytes"])
    try:
        save_user_settings(user)
    except OSError as error:
        session.report(f"the cache budgets apply now but could not be kept for next time: {error}", "warning")


def _working_space_name() -> str:
    try:
        from filmstudio.colour import working_space_name

        return f"{working_space_name()}  (scene_linear)"
    except Exception as error:  # a broken $OCIO config: say so here, the viewer explains it too
        return f"unavailable: {error}"


def _int_box(low: int, high: int, suffix: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSuffix(suffix)
    box.setMinimumWidth(96)
    return box


def _gib_box(low: float, high: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(2)
    box.setSingleStep(0.25)
    box.setSuffix(" GB")
    box.setFixedWidth(120)
    return box


def _group(title: str, rows: list[tuple[str, QWidget | QHBoxLayout]]) -> QGroupBox:
    box = QGroupBox(title)
    form = QFormLayout(box)
    for text, field in rows:
        label = QLabel(text)
        label.setMinimumWidth(_LABEL_WIDTH)  # the same column in every group
        form.addRow(label, field)
    return box
