"""Names of ``tflite_support.task.audio``."""

from audioclf import (
    AudioClassifier,
    AudioClassifierOptions,
    AudioFormat,
    AudioRecord,
    TensorAudio,
)

__all__ = [
    "AudioClassifier",
    "AudioClassifierOptions",
    "AudioFormat",
    "AudioRecord",
    "TensorAudio",
]
