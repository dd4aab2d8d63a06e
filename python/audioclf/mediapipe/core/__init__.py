"""``mediapipe.tasks.python.core``: the options every task takes."""

from __future__ import annotations

from audioclf.mediapipe.core import base_options

__all__ = ["base_options"]
