"""MediaPipe Tasks' audio API on audioclf.

Code written for MediaPipe 1.2.2 switches by replacing ``mediapipe.tasks.python``
with ``audioclf.mediapipe`` in its imports::

    from audioclf.mediapipe import audio
    from audioclf.mediapipe.audio.core import audio_record
    from audioclf.mediapipe.components import containers
    from audioclf.mediapipe.core import base_options

The modules mirror MediaPipe's paths; the results are MediaPipe's (its window
grid, timestamps, zero-padded last window and resampling filter).
"""

from __future__ import annotations

from audioclf.mediapipe import audio, components, core
from audioclf.mediapipe.core.base_options import BaseOptions

__all__ = ["BaseOptions", "audio", "components", "core"]
