"""Names of ``tflite_support.task.processor``."""

from audioclf import Category, ClassificationOptions, ClassificationResult, Classifications

__all__ = ["Category", "ClassificationOptions", "ClassificationResult", "Classifications"]
