"""Names of ``tflite_support.task.core``."""

from audioclf import BaseOptions

__all__ = ["BaseOptions"]
