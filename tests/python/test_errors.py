"""Every bad input is a clear Python exception naming what is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from audioclf import (
    AudioClassifier,
    AudioClassifierOptions,
    BaseOptions,
    ClassificationOptions,
    TensorAudio,
)
from model_builder import (
    Head,
    build_model,
    corrupt_metadata_offset,
    truncate_zip_entry,
)

N = 800
HEAD = Head(4, name="h", labels=["a", "b", "c", "d"])
GOOD = build_model(N, [HEAD])


def create(content: bytes, **classification: object) -> AudioClassifier:
    return AudioClassifier.create_from_options(
        AudioClassifierOptions(
            base_options=BaseOptions(file_content=content),
            classification_options=ClassificationOptions(**classification),
        )
    )


@pytest.mark.parametrize("cut", [0, 3, 7, 8, 16, 64, 200, len(GOOD) // 2, len(GOOD) - 10])
def test_truncated_model(cut: int) -> None:
    with pytest.raises(ValueError, match="model"):
        create(GOOD[:cut] if cut else b"\0")


def test_random_bytes() -> None:
    rng = np.random.default_rng(7)
    for size in (4, 100, 5000):
        with pytest.raises(ValueError):
            create(rng.integers(0, 256, size, dtype=np.uint8).tobytes())


def test_random_bytes_after_a_valid_identifier() -> None:
    rng = np.random.default_rng(8)
    for _ in range(20):
        blob = bytearray(rng.integers(0, 256, 512, dtype=np.uint8).tobytes())
        blob[4:8] = b"TFL3"
        with pytest.raises(ValueError):
            create(bytes(blob))


def test_model_file_missing(tmp_path: Path) -> None:
    missing = tmp_path / "nope.tflite"
    with pytest.raises(ValueError, match=str(missing)):
        AudioClassifier.create_from_file(missing)


def test_metadata_offset_past_the_end() -> None:
    with pytest.raises(ValueError, match="metadata"):
        create(corrupt_metadata_offset(GOOD))


def test_zip_entry_past_the_end() -> None:
    with pytest.raises(ValueError, match="h_labels.txt|zip"):
        create(truncate_zip_entry(GOOD))


def test_label_file_with_fewer_lines_than_classes() -> None:
    content = build_model(N, [Head(5, name="h", labels=["a", "b", "c"])])
    with pytest.raises(ValueError, match="5 classes but its label file has 3"):
        create(content)


def test_allowlist_and_denylist_together() -> None:
    with pytest.raises(ValueError, match="mutually exclusive"):
        create(GOOD, category_name_allowlist=["a"], category_name_denylist=["b"])


def test_max_results_zero() -> None:
    with pytest.raises(ValueError, match="max_results"):
        create(GOOD, max_results=0)


def test_allowlist_with_no_known_name() -> None:
    with pytest.raises(ValueError, match="category_name_allowlist"):
        create(GOOD, category_name_allowlist=["zebra"])


def test_wrong_window_length() -> None:
    classifier = create(GOOD)
    with pytest.raises(ValueError, match=f"799 frames; the model's window is {N}"):
        classifier.classify(np.zeros(N - 1, dtype=np.float32))


def test_empty_array() -> None:
    with pytest.raises(ValueError, match="empty"):
        create(GOOD).classify(np.zeros(0, dtype=np.float32))


@pytest.mark.parametrize("dtype", [np.complex64, np.float16, np.bool_, np.int64])
def test_wrong_dtype(dtype: type) -> None:
    with pytest.raises(ValueError, match="unsupported dtype"):
        create(GOOD).classify(np.zeros(N, dtype=dtype))


def test_object_array_is_rejected() -> None:
    with pytest.raises((ValueError, TypeError)):
        create(GOOD).classify(np.array([object()] * N))


def test_wrong_channel_count() -> None:
    stereo = build_model(2 * 200, [HEAD], channels=2)
    with pytest.raises(ValueError, match="audio has 3 channels and the model 2"):
        create(stereo).classify(np.zeros((200, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="channel: 5 selected but the audio has 2"):
        create(GOOD).classify_clip(np.zeros((N, 2), dtype=np.float32), channel=5)


def test_window_length_at_another_rate() -> None:
    # 800 frames at 16 kHz are 2400 at 48 kHz; 2000 frames are not a window.
    with pytest.raises(ValueError, match="window is 800 frames \\(2400 at 48000 Hz\\)"):
        create(GOOD).classify(np.zeros(2000, dtype=np.float32), sample_rate=48000)
    with pytest.raises(ValueError, match="resampling is disabled"):
        create(GOOD).classify_clip(np.zeros(2400, np.float32), 48000, resample=False)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples(bad: float) -> None:
    samples = np.zeros(N, dtype=np.float32)
    samples[123] = bad
    with pytest.raises(ValueError, match="sample 123 is NaN or infinite"):
        create(GOOD).classify(samples)
    tensor = TensorAudio(create(GOOD).required_audio_format, N)
    with pytest.raises(ValueError, match="sample 123"):
        tensor.load_from_array(samples)


def test_missing_runtime_library(tmp_path: Path) -> None:
    missing = tmp_path / "libLiteRt.so"
    options = AudioClassifierOptions(
        base_options=BaseOptions(file_content=GOOD, litert_library=str(missing))
    )
    with pytest.raises(RuntimeError, match=f"cannot load LiteRT library '{missing}'"):
        AudioClassifier.create_from_options(options)


def test_runtime_library_without_the_c_api(tmp_path: Path) -> None:
    # libz is a real shared library that lacks every LiteRT symbol.
    import ctypes.util

    libz = ctypes.util.find_library("z")
    if libz is None:
        pytest.skip("no libz found to stand in for a wrong library")
    options = AudioClassifierOptions(
        base_options=BaseOptions(file_content=GOOD, litert_library=libz)
    )
    with pytest.raises(RuntimeError, match="has no symbol 'LiteRtCreateEnvironment'"):
        AudioClassifier.create_from_options(options)


def test_env_var_names_the_library(tmp_path: Path) -> None:
    # A subprocess, so that no runtime is loaded yet and the variable is read.
    model = tmp_path / "m.tflite"
    model.write_bytes(GOOD)
    code = (
        "import sys\n"
        "from audioclf import AudioClassifier\n"
        "try:\n"
        "    AudioClassifier.create_from_file(sys.argv[1])\n"
        "except RuntimeError as e:\n"
        "    print(e)\n"
        "    sys.exit(3)\n"
    )
    env = dict(os.environ, AUDIOCLF_LITERT_LIBRARY=str(tmp_path / "absent.so"))
    proc = subprocess.run(
        [sys.executable, "-c", code, str(model)], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 3, proc.stderr
    assert f"cannot load LiteRT library '{tmp_path / 'absent.so'}'" in proc.stdout


def _wav(
    fmt_channels: int = 1, block_align: int = 2, data_size: int = 8, body: bytes = b""
) -> bytes:
    import struct

    fmt = struct.pack("<HHIIHH", 1, fmt_channels, 16000, 32000, block_align, 16)
    data = body or b"\0" * 8
    return (
        b"RIFF"
        + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", data_size)
        + data
    )


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "0 bytes|empty|too short|truncated"),
        (b"RIFF\x10\0\0\0WAV", "truncated|too short"),
        (b"OggS" + b"\0" * 60, "not a RIFF|RIFF"),
        (_wav(fmt_channels=0), "channels"),
        (_wav(block_align=3), "block_align"),
    ],
    ids=["empty", "truncated-header", "not-riff", "channels-0", "block-align"],
)
def test_malformed_wav_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    classifier = create(GOOD)
    with pytest.raises(ValueError, match=message) as error:
        TensorAudio.create_from_wav_file(str(path), N)
    assert str(path) in str(error.value)
    with pytest.raises(ValueError, match=message):
        classifier.classify_file(path)
