"""Names of ``tflite_support.task.audio``."""

from audioclf import AudioClassifier, AudioClassifierOptions, AudioFormat, TensorAudio

__all__ = ["AudioClassifier", "AudioClassifierOptions", "AudioFormat", "TensorAudio"]
