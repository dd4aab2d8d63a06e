"""``mediapipe.tasks.python.audio``: the audio tasks and their running mode."""

from __future__ import annotations

from audioclf.mediapipe.audio import audio_classifier, audio_embedder, core
from audioclf.mediapipe.audio.audio_classifier import (
    AudioClassifier,
    AudioClassifierOptions,
    AudioClassifierResult,
)
from audioclf.mediapipe.audio.audio_embedder import (
    AudioEmbedder,
    AudioEmbedderOptions,
    AudioEmbedderResult,
)
from audioclf.mediapipe.audio.core.audio_task_running_mode import AudioTaskRunningMode

RunningMode = AudioTaskRunningMode

__all__ = [
    "AudioClassifier",
    "AudioClassifierOptions",
    "AudioClassifierResult",
    "AudioEmbedder",
    "AudioEmbedderOptions",
    "AudioEmbedderResult",
    "RunningMode",
    "audio_classifier",
    "audio_embedder",
    "core",
]
