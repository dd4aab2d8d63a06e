"""audioclf.task.audio_record: tflite-support's AudioRecord life cycle, with a
mocked sounddevice.InputStream (the live device test is test_task_live.py)."""

from __future__ import annotations

import sys
from unittest import mock

import numpy as np
import pytest
from audioclf.task.audio import AudioFormat, AudioRecord, TensorAudio

pytest.importorskip("sounddevice", reason="sounddevice (the 'live' extra) is absent")


@pytest.fixture
def stream_class():
    with mock.patch("sounddevice.InputStream") as cls:
        cls.return_value = mock.MagicMock()
        yield cls


def test_the_stream_opens_at_construction(stream_class) -> None:
    record = AudioRecord(2, 16000, 1000)
    stream_class.assert_called_once()
    kwargs = stream_class.call_args.kwargs
    assert (kwargs["channels"], kwargs["samplerate"]) == (2, 16000)
    assert not record.recording
    record.start_recording()
    stream_class.return_value.start.assert_called_once()
    assert record.recording
    record.stop()
    stream_class.return_value.stop.assert_called_once()
    stream_class.return_value.close.assert_not_called()
    record.start_recording()  # again, as the peer's stream allows
    assert stream_class.return_value.start.call_count == 2
    record.close()
    stream_class.return_value.close.assert_called_once()


def test_read_returns_the_newest_frames_the_callback_delivered(stream_class) -> None:
    record = AudioRecord(2, 16000, 1000)
    callback = stream_class.call_args.kwargs["callback"]
    blocks = [np.random.default_rng(i).random((400, 2)) for i in range(3)]
    for block in blocks:
        callback(block)  # the data alone, as the peer's tests call it
    callback(blocks[0].astype(np.float32), 400, None, mock.Mock(input_overflow=True))
    assert record.input_overflows == 1
    newest = np.concatenate([blocks[1], blocks[2], blocks[0]])
    np.testing.assert_allclose(record.read(1000), newest[-1000:], atol=1e-7)
    np.testing.assert_allclose(record.read(400), blocks[0], atol=1e-7)
    assert record.read(0).shape == (0, 2)
    with pytest.raises(ValueError, match=r"size: must be in \[0, 1000\], got 1001"):
        record.read(1001)


def test_a_mono_block_for_a_stereo_record_is_broadcast_and_a_bad_one_dropped(
    stream_class,
) -> None:
    record = AudioRecord(2, 16000, 100)
    callback = stream_class.call_args.kwargs["callback"]
    callback(np.full((100, 1), 0.5))
    np.testing.assert_array_equal(record.read(100), np.full((100, 2), 0.5, dtype=np.float32))
    callback(np.zeros((100, 3)))
    assert record.dropped_blocks == 1


def test_tensor_audio_loads_from_the_record(stream_class) -> None:
    record = AudioRecord(1, 16000, 600)
    callback = stream_class.call_args.kwargs["callback"]
    data = np.linspace(-1, 1, 600).reshape(-1, 1)
    callback(data)
    tensor = TensorAudio(AudioFormat(1, 16000), 500)
    tensor.load_from_audio_record(record)
    np.testing.assert_allclose(tensor.buffer, data[-500:], atol=1e-7)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1, 16000, 400), r"buffer size cannot be smaller than the tensor audio's sample count"),
        ((2, 16000, 600), r"channel count doesn't match. Expects 1 channel\(s\), the record has 2"),
        ((1, 20000, 600), r"sampling rate doesn't match. Expects 16000Hz, the record .* 20000Hz"),
    ],
)
def test_load_from_audio_record_checks_the_record(stream_class, args, message) -> None:
    tensor = TensorAudio(AudioFormat(1, 16000), 500)
    with pytest.raises(ValueError, match=message):
        tensor.load_from_audio_record(AudioRecord(*args))


def test_missing_sounddevice_is_reported_at_construction(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(RuntimeError, match=r"needs the 'sounddevice' package"):
        AudioRecord(1, 16000, 100)
