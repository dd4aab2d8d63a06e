"""tflite-support 0.4.4's Python task API on audioclf: code written for it
switches by changing its imports to ``from audioclf.task import audio, core, processor``."""

from audioclf.task import audio, core, processor

__all__ = ["audio", "core", "processor"]
