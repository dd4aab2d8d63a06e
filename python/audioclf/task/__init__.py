"""tflite-support's module layout: ``from audioclf.task import audio, core, processor``."""

from audioclf.task import audio, core, processor

__all__ = ["audio", "core", "processor"]
