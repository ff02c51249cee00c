"""Headless export and the farm driver. No Qt."""
