"""``mediapipe.tasks.python.components``: the result and data containers."""

from __future__ import annotations

from audioclf.mediapipe.components import containers

__all__ = ["containers"]
