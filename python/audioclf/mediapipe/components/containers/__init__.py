"""``mediapipe.tasks.python.components.containers``."""

from __future__ import annotations

from audioclf.mediapipe.components.containers import (
    audio_data,
    category,
    classification_result,
    embedding_result,
)
from audioclf.mediapipe.components.containers.audio_data import AudioData, AudioDataFormat
from audioclf.mediapipe.components.containers.category import Category
from audioclf.mediapipe.components.containers.classification_result import (
    ClassificationResult,
    Classifications,
)
from audioclf.mediapipe.components.containers.embedding_result import Embedding, EmbeddingResult

__all__ = [
    "AudioData",
    "AudioDataFormat",
    "Category",
    "ClassificationResult",
    "Classifications",
    "Embedding",
    "EmbeddingResult",
    "audio_data",
    "category",
    "classification_result",
    "embedding_result",
]
