"""audioclf.task.tensor_audio: tflite-support's TensorAudio semantics and errors."""

from __future__ import annotations

import numpy as np
import pytest
from audioclf import _core
from audioclf.task.audio import AudioFormat, TensorAudio

FRAMES = 1000


@pytest.fixture
def tensor() -> TensorAudio:
    return TensorAudio(AudioFormat(1, 16000), FRAMES)


def _ramp(n: int, channels: int = 1) -> np.ndarray:
    return np.arange(n * channels, dtype=np.float32).reshape(n, channels) / (n * channels)


def test_buffer_is_the_array_itself(tensor: TensorAudio) -> None:
    assert tensor.buffer is tensor.buffer
    assert tensor.buffer.shape == (FRAMES, 1) and tensor.buffer.dtype == np.float32
    tensor.buffer[3] = 0.5
    assert tensor.buffer[3, 0] == 0.5
    tensor.clear()
    assert not tensor.buffer.any()


def test_loading_keeps_the_latest_frames(tensor: TensorAudio) -> None:
    src = _ramp(2 * FRAMES)
    tensor.load_from_array(src)
    np.testing.assert_array_equal(tensor.buffer, src[FRAMES:])
    tensor.load_from_array(src, 100, FRAMES)
    np.testing.assert_array_equal(tensor.buffer, src[100 : 100 + FRAMES])
    tensor.clear()
    small = _ramp(300)
    tensor.load_from_array(small)
    np.testing.assert_array_equal(tensor.buffer[-300:], small)
    assert not tensor.buffer[:-300].any()
    tensor.load_from_array(small, 250, 50)
    np.testing.assert_array_equal(tensor.buffer[-50:], small[250:])
    np.testing.assert_array_equal(tensor.buffer[-350:-50], small)
    # float64 and 1-D mono arrays are accepted and stored as float32.
    tensor.load_from_array(np.full(FRAMES, 0.25))
    assert tensor.buffer.dtype == np.float32 and (tensor.buffer == 0.25).all()


@pytest.mark.parametrize(("offset", "size"), [(500, FRAMES), (0, FRAMES + 1)])
def test_out_of_range_slice_is_rejected_with_the_peer_text(
    tensor: TensorAudio, offset: int, size: int
) -> None:
    with pytest.raises(
        ValueError,
        match=rf"Index out of range. offset {offset} \+ size {size} should be <= src's length: "
        rf"{FRAMES}",
    ):
        tensor.load_from_array(_ramp(FRAMES), offset, size)


def test_wrong_channel_count_is_rejected(tensor: TensorAudio) -> None:
    with pytest.raises(ValueError, match=r"invalid number of channels. Expect 1\..*\(1000, 2\)"):
        tensor.load_from_array(_ramp(FRAMES, 2))


def test_bad_construction_arguments() -> None:
    with pytest.raises(ValueError, match="buffer_size: must be an int > 0"):
        TensorAudio(AudioFormat(1, 16000), 0)
    with pytest.raises(TypeError, match="audio_format: expected AudioFormat"):
        TensorAudio((1, 16000), 10)  # type: ignore[arg-type]


def test_create_from_wav_file_reads_the_first_frames(data_dir) -> None:
    path = data_dir / "tiny_tone.wav"
    reader = _core.WavReader(str(path))
    info = reader.info
    expected = reader.read(0, 400).reshape(-1, info.channels)
    tensor = TensorAudio.create_from_wav_file(str(path), 400)
    assert (tensor.format.channels, tensor.format.sample_rate) == (info.channels, info.sample_rate)
    assert tensor.buffer_size == 400
    np.testing.assert_array_equal(tensor.buffer, expected)
    # Longer than the file: the file first, then zeros.
    long = TensorAudio.create_from_wav_file(path, info.frame_count + 10)
    assert not long.buffer[-10:].any()
    np.testing.assert_array_equal(long.buffer[:400], expected)


def test_create_from_wav_file_errors_are_runtime_errors(tmp_path) -> None:
    with pytest.raises(RuntimeError, match="Data too short when trying to read string"):
        TensorAudio.create_from_wav_file("", 100)
    with pytest.raises(RuntimeError, match="missing.wav"):
        TensorAudio.create_from_wav_file(tmp_path / "missing.wav", 100)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(RuntimeError, match="bad.wav"):
        TensorAudio.create_from_wav_file(bad, 100)
