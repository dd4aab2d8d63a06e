"""audioclf: fast audio classification on LiteRT (TensorFlow Lite).

A C++ core (model and metadata parsing, audio buffering, inference through
the LiteRT C API, post-processing) with a Python API that is a drop-in for
``tflite_support.task.audio``.
"""

from __future__ import annotations

from audioclf._core import (
    AudioClassifierOptions,
    AudioEmbedderOptions,
    AudioFormat,
    BaseOptions,
    Category,
    ClassificationOptions,
    ClassificationResult,
    Classifications,
    EmbeddingOptions,
    EmbeddingResult,
    FeatureVector,
    TruncatedAudioWarning,
    WindowResult,
)
from audioclf._runtime import litert_logging, set_litert_logging
from audioclf.audio_classifier import AudioClassifier
from audioclf.audio_embedder import AudioEmbedder, WindowEmbedding
from audioclf.audio_record import AudioRecord
from audioclf.live import LiveStream
from audioclf.tensor_audio import TensorAudio

__all__ = [
    "AudioClassifier",
    "AudioEmbedder",
    "AudioRecord",
    "LiveStream",
    "AudioClassifierOptions",
    "AudioEmbedderOptions",
    "AudioFormat",
    "BaseOptions",
    "Category",
    "ClassificationOptions",
    "ClassificationResult",
    "Classifications",
    "EmbeddingOptions",
    "EmbeddingResult",
    "FeatureVector",
    "TensorAudio",
    "TruncatedAudioWarning",
    "WindowEmbedding",
    "WindowResult",
    "litert_logging",
    "set_litert_logging",
]
__version__ = "0.1.0"
