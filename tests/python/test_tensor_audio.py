"""audioclf.TensorAudio.load_from_audio_record checks the record it reads."""

from __future__ import annotations

import numpy as np
import pytest
from audioclf import AudioFormat, AudioRecord, TensorAudio


def test_load_from_audio_record_checks_format_and_size() -> None:
    tensor = TensorAudio(AudioFormat(1, 16000), 500)
    with pytest.raises(ValueError, match="audio_record: records at 20000 Hz, expected 16000 Hz"):
        tensor.load_from_audio_record(AudioRecord(1, 20000, 500))
    with pytest.raises(ValueError, match="audio_record: has 2 channel.s., expected 1"):
        tensor.load_from_audio_record(AudioRecord(2, 16000, 500))
    with pytest.raises(ValueError, match="holds 400 frames, fewer than this TensorAudio's 500"):
        tensor.load_from_audio_record(AudioRecord(1, 16000, 400))


def test_load_from_audio_record_copies_the_newest_frames() -> None:
    record = AudioRecord(1, 16000, 800)
    record._capture.start()  # the pump, without a device
    try:
        block = np.linspace(-0.5, 0.5, 800, dtype=np.float32).reshape(-1, 1)
        record._callback(block, 800, None, type("Status", (), {"input_overflow": False})())
        tensor = TensorAudio(AudioFormat(1, 16000), 500)
        tensor.load_from_audio_record(record)
        np.testing.assert_array_equal(tensor.buffer, block[-500:])
    finally:
        record._capture.stop()
