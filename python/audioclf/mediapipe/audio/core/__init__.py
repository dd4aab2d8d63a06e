"""``mediapipe.tasks.python.audio.core``: running modes, AudioRecord, the task base."""
