"""The two ways an audio task runs, as MediaPipe's ``AudioTaskRunningMode``."""

from __future__ import annotations

import enum


class AudioTaskRunningMode(enum.Enum):
    """AUDIO_CLIPS: ``classify(clip)`` returns every window's result.
    AUDIO_STREAM: ``classify_async(block, timestamp_ms)`` feeds one continuous
    stream and results go to the ``result_callback``."""

    AUDIO_CLIPS = "AUDIO_CLIPS"
    AUDIO_STREAM = "AUDIO_STREAM"
