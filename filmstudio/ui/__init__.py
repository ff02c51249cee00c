"""The Qt editor. The only package that imports PySide6."""

from filmstudio.ui._pyside_none import keep_singletons_alive

keep_singletons_alive()  # before any widget: see the module for the PySide6 6.12.0 bug
