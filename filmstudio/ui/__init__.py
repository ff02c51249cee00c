"""The Qt editor. The only package that imports PySide6."""
