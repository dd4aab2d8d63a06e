"""Hostile files and arguments (issue 8, items 3-9; truncated WAVs from issue 10):
each is a clear exception naming the file, field or argument, within bounded
time and memory, and never a NaN score."""

from __future__ import annotations

import os
import resource
import struct
import subprocess
import sys
import threading
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from audioclf import (
    AudioClassifier,
    AudioClassifierOptions,
    AudioFormat,
    BaseOptions,
    ClassificationOptions,
    TensorAudio,
    TruncatedAudioWarning,
)
from audioclf._core import limits
from model_builder import Head, build_model

N = 800
RATE = 16000
LABELS = ["a", "b", "c", "d"]
GOOD = build_model(N, [Head(4, name="h", labels=LABELS)])
NO_LABELS = build_model(N, [Head(4, name="h")])


def create(content: bytes, **options: object) -> AudioClassifier:
    classification = options.pop("classification", {})
    return AudioClassifier.create_from_options(
        AudioClassifierOptions(
            base_options=BaseOptions(file_content=content),
            classification_options=ClassificationOptions(**classification),  # type: ignore[arg-type]
            **options,  # type: ignore[arg-type]
        )
    )


def wav_bytes(
    *,
    channels: int = 1,
    rate: int = RATE,
    bits: int = 16,
    frames: int = N,
    declared_frames: int | None = None,
) -> bytes:
    """A PCM WAV whose data chunk may claim more frames than it holds."""
    align = channels * bits // 8
    data = b"\0" * (frames * align)
    size = (declared_frames if declared_frames is not None else frames) * align
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * align, align, bits)
    return (
        b"RIFF"
        + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", size)
        + data
    )


def finishes(call: Callable[[], object], seconds: float = 30) -> BaseException | None:
    """Runs `call` in a thread and returns what it raised; fails if it hangs."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            outcome.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    return outcome[0]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audioclf.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- 3. zip bombs and oversized label files ---------------------------------------


def test_zip_entry_with_a_bomb_ratio_is_refused_before_inflating() -> None:
    # 4 MiB of newlines deflate ~1000:1; the declared size is never trusted.
    bomb = build_model(
        N, [Head(4, name="h", labels=[""] * (4 << 20))], zip_compression=zipfile.ZIP_DEFLATED
    )
    assert len(bomb) < 64 << 10
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(
        ValueError, match=r"zip entry 'h_labels.txt'.*ratio above the limit of 100:1"
    ):
        create(bomb)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 32 << 10


def test_label_file_with_far_more_lines_than_classes_is_refused_while_counting() -> None:
    content = build_model(N, [Head(4, name="h", labels=["x"] * 5000)])
    with pytest.raises(
        ValueError, match=r"h_labels.txt: label file has 5000 lines, more than the 4 labels"
    ):
        create(content)


# --- 4. very wide WAV files ------------------------------------------------------------


def test_wav_with_65535_channels_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "wide.wav"
    path.write_bytes(wav_bytes(channels=65535, bits=8, frames=1))
    classifier = create(GOOD)
    message = rf"WAV file '{path}': fmt chunk has 65535 channels, more than the limit of 256"
    with pytest.raises(ValueError, match=message):
        classifier.classify_file(path)
    with pytest.raises(ValueError, match=message):
        list(classifier.iter_file(path))
    with pytest.raises(ValueError, match=message):
        TensorAudio.create_from_wav_file(str(path), N)


def test_tensor_audio_from_a_short_wav_is_sized_by_its_frames(tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    path.write_bytes(wav_bytes(frames=10))
    tensor = TensorAudio.create_from_wav_file(str(path), 10**12)
    assert tensor.buffer_size == 10
    assert tensor.buffer.shape == (10, 1)


def test_wide_wav_is_read_in_blocks_bounded_in_bytes(tmp_path: Path) -> None:
    path = tmp_path / "wide.wav"
    path.write_bytes(wav_bytes(channels=256, frames=2 * N))
    windows = create(GOOD).classify_file(path, block_frames=10**9)
    assert [w.start_frame for w in windows] == [0, N]


# --- 5. FIFOs, devices, directories, oversized files ---------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.wav"
    os.mkfifo(path)
    return path


def test_fifo_as_model_does_not_block(fifo: Path) -> None:
    error = finishes(lambda: AudioClassifier.create_from_file(fifo))
    assert isinstance(error, ValueError)
    assert str(error) == f"model file '{fifo}' is a FIFO (named pipe), not a regular file"


def test_fifo_as_label_file_does_not_block(fifo: Path) -> None:
    error = finishes(lambda: create(NO_LABELS, label_file=str(fifo)))
    assert isinstance(error, ValueError)
    assert f"label file '{fifo}' is a FIFO (named pipe)" in str(error)


@pytest.mark.parametrize("name", ["pipe.wav", "pipe.flac"])
def test_fifo_as_audio_does_not_block(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    os.mkfifo(path)
    classifier = create(GOOD)
    for call in (
        lambda: classifier.classify_file(path),
        lambda: TensorAudio.create_from_wav_file(str(path), N),
    ):
        error = finishes(call)
        assert isinstance(error, ValueError)
        assert f"'{path}' is a FIFO (named pipe), not a regular file" in str(error)


def test_dev_zero_as_model_or_labels_is_refused() -> None:
    with pytest.raises(ValueError, match="model file '/dev/zero' is a character device"):
        AudioClassifier.create_from_file("/dev/zero")
    with pytest.raises(ValueError, match="label file '/dev/zero' is a character device"):
        create(NO_LABELS, label_file="/dev/zero")


def test_directory_as_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=f"model file '{tmp_path}' is a directory"):
        AudioClassifier.create_from_file(tmp_path)


def test_label_file_past_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "labels.txt"
    with open(path, "wb") as f:
        f.truncate(limits.MAX_LABEL_FILE_BYTES + 1)
    with pytest.raises(
        ValueError, match=rf"label file '{path}' has \d+ bytes, more than the limit"
    ):
        create(NO_LABELS, label_file=str(path))


def test_cli_reports_a_fifo_in_a_directory_and_goes_on(tmp_path: Path) -> None:
    model = tmp_path / "m.tflite"
    model.write_bytes(GOOD)
    good = tmp_path / "a.wav"
    good.write_bytes(wav_bytes())
    os.mkfifo(tmp_path / "b.wav")
    proc = run_cli("classify", "--model", str(model), str(tmp_path), "--format", "csv")
    assert proc.returncode == 1
    assert f"{tmp_path / 'b.wav'}" in proc.stderr and "FIFO" in proc.stderr
    assert str(good) in proc.stdout
    assert "Traceback" not in proc.stderr


# --- 6. sample rates that amplify work -------------------------------------------------


def test_wav_declaring_1_hz_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "slow.wav"
    path.write_bytes(wav_bytes(rate=1, frames=4000))
    with pytest.raises(ValueError, match=rf"'{path}': fmt chunk has sample rate 1 Hz, expected"):
        create(GOOD).classify_file(path)


@pytest.mark.parametrize("rate", [1, 999, 768001])
def test_clip_rate_out_of_range(rate: int) -> None:
    with pytest.raises(ValueError, match=f"sample_rate: must be in 1000..768000, got {rate}"):
        create(GOOD).classify_clip(np.zeros(N, np.float32), rate)


# --- 7. allocations sized by arguments --------------------------------------------------


def test_feeding_a_huge_block_converts_it_in_pieces() -> None:
    classifier = create(GOOD)
    block = np.broadcast_to(np.zeros(1, np.float32), (10**8,))  # 400 MB if copied
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with classifier.stream(backpressure="latest") as stream:
        stream.feed(block)
        stream.finish()
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 200 << 10
    assert stream.windows_classified + stream.windows_skipped == 10**8 // N


def test_workers_past_the_cap() -> None:
    cap = limits.MAX_WORKERS_PER_CORE * (os.cpu_count() or 1)
    with pytest.raises(ValueError, match=rf"workers: must be in 0..{cap}, got 1000000"):
        create(GOOD).classify_clip(np.zeros(N, np.float32), workers=10**6)


def test_tensor_audio_size_is_bounded() -> None:
    with pytest.raises(ValueError, match="buffer_size: must be in 1..67108864, got 1000000000"):
        TensorAudio(AudioFormat(1, RATE), 10**9)


# --- 8. NaN and infinity never reach a result ------------------------------------------


def test_huge_finite_samples_give_a_runtime_error_naming_the_head() -> None:
    samples = np.full(N, 3.4e38, np.float32)
    samples[::2] = -3.4e38
    with pytest.raises(RuntimeError, match=r"output tensor 0 \('h'\): class \d+ has score"):
        create(GOOD).classify(samples)


def test_huge_samples_with_a_denylist_are_an_error_too() -> None:
    samples = np.full(N, 3.4e38, np.float32)
    classifier = create(GOOD, classification={"category_name_denylist": ["a"]})
    with pytest.raises(RuntimeError, match="non-finite"):
        classifier.classify(samples)


@pytest.mark.parametrize(
    "line,message",
    [
        ("nan,1,0", "scale is nan, expected a finite value >= 0"),
        ("-1,1,0", "scale is -1, expected a finite value >= 0"),
        ("1,inf,0", "slope, offset and min_score must be finite"),
        ("1,1,0,nan", "slope, offset and min_score must be finite"),
    ],
)
def test_calibration_parameters_are_checked_at_load(line: str, message: str) -> None:
    head = Head(4, name="h", labels=LABELS, calibration=("LOG", 0.0, [line] + ["1,1,0"] * 3))
    with pytest.raises(
        ValueError, match=rf"h_calibration.txt: score calibration line 1: {message}"
    ):
        create(build_model(N, [head]))


@pytest.mark.parametrize("default", [float("nan"), float("inf"), -0.5, 2.0])
def test_calibration_default_score_must_be_a_score(default: float) -> None:
    head = Head(4, name="h", labels=LABELS, calibration=("LOG", default, ["1,1,0"] * 4))
    with pytest.raises(
        ValueError, match="ScoreCalibrationOptions.default_score is .*in \\[0, 1\\]"
    ):
        create(build_model(N, [head]))


def test_nan_score_threshold_option() -> None:
    with pytest.raises(ValueError, match="score_threshold: must be finite, got nan"):
        create(GOOD, classification={"score_threshold": float("nan")})


def test_nan_score_threshold_in_metadata() -> None:
    content = build_model(N, [Head(4, name="h", labels=LABELS, score_threshold=float("nan"))])
    with pytest.raises(ValueError, match="'h': ScoreThresholdingOptions.global_score_threshold"):
        create(content)


# --- 9. clean errors for bad text and bad arguments ------------------------------------


def test_latin1_label_file_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.txt"
    path.write_bytes(b"a\nb\ncaf\xe9\nd\n")
    with pytest.raises(
        ValueError, match=rf"label file '{path}': line 3 is not valid UTF-8 .*'caf\\xE9'"
    ):
        create(NO_LABELS, label_file=str(path))


def test_metadata_strings_that_are_not_utf8_are_escaped() -> None:
    content = build_model(N, [Head(4, name="hQQQ", labels=LABELS)], model_name="cafQQQ")
    assert content.count(b"cafQQQ") == 1
    content = content.replace(b"cafQQQ", b"caf\xe9QQ").replace(b"hQQQ", b"h\xffQQ")
    description = create(content).description
    assert description.name == "caf\\xe9QQ"
    assert description.heads[0].name == "h\\xFFQQ"


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda c, x: c.classify(x, sample_rate=0), "sample_rate: must be in 1000..768000, got 0"),
        (lambda c, x: c.classify_clip(x, sample_rate=-1), "sample_rate: must be in .*got -1"),
        (lambda c, x: c.classify_clip(x, hop=float("inf")), "hop: must be finite, got inf"),
        (lambda c, x: c.classify_clip(x, hop=float("nan")), "hop: must be finite, got nan"),
        (lambda c, x: c.classify_clip(x, hop=1e300), "hop: must be > 0 and at most"),
        (lambda c, x: c.classify_clip(x, overlap=float("inf")), "overlap: must be finite"),
        (lambda c, x: c.classify_clip(x, channel=2**40), "channel: must be in 0..255, got 2**40"),
        (lambda c, x: c.stream(sample_rate=-1), "sample_rate: must be in .*got -1"),
    ],
    ids=[
        "rate-0",
        "rate-negative",
        "hop-inf",
        "hop-nan",
        "hop-huge",
        "overlap-inf",
        "channel",
        "stream-rate",
    ],
)
def test_bad_arguments_are_value_errors(call: Callable[..., object], message: str) -> None:
    classifier = create(GOOD)
    with pytest.raises(ValueError, match=message.replace("2**40", str(2**40))):
        call(classifier, np.zeros(N, np.float32))


def test_out_of_range_option_integers() -> None:
    with pytest.raises(ValueError, match=f"max_results: must be in -1..2147483647, got {2**31}"):
        ClassificationOptions(max_results=2**31)
    options = ClassificationOptions()
    with pytest.raises(ValueError, match="max_results"):
        options.max_results = -(2**63)
    with pytest.raises(ValueError, match="num_threads: must be in -1..1024, got 4096"):
        BaseOptions(num_threads=4096)
    with pytest.raises(ValueError, match="sample_rate: must be in 0..768000, got -1"):
        AudioClassifierOptions(sample_rate=-1)
    with pytest.raises(ValueError, match="channels: must be in 0..256, got 65536"):
        AudioClassifierOptions(channels=65536)
    with pytest.raises(TypeError, match="max_results: expected an integer, got float"):
        ClassificationOptions(max_results=1.5)
    with pytest.raises(ValueError, match="sample_rate: must be in 0..768000, got -1"):
        AudioFormat(1, -1)
    with pytest.raises(ValueError, match="channels: must be in 0..256, got 1099511627776"):
        AudioFormat(2**40, RATE)


def test_nul_bytes_are_refused() -> None:
    with pytest.raises(ValueError, match="model file path contains a NUL byte"):
        AudioClassifier.create_from_file("model.tflite\0.txt")
    with pytest.raises(ValueError, match="display_names_locale: contains a NUL byte"):
        create(GOOD, classification={"display_names_locale": "en\0fr"})
    with pytest.raises(ValueError, match="path: the path contains a NUL byte"):
        create(GOOD).classify_file("a\0.wav")


def test_callback_exception_is_raised_to_the_caller() -> None:
    classifier = create(GOOD)

    def callback(_: object) -> None:
        raise KeyError("boom")

    stream = classifier.stream(callback=callback, backpressure="queue")
    stream.feed(np.zeros(4 * N, np.float32))
    with pytest.raises(
        RuntimeError, match="the stream's callback raised KeyError\\('boom'\\)"
    ) as e:
        stream.finish()
    assert isinstance(e.value.__cause__, KeyError)
    stream.stop()  # raised once only


# --- 10. truncated WAV files -------------------------------------------------------------


def test_truncated_wav_is_read_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "cut.wav"
    path.write_bytes(wav_bytes(frames=N + 5, declared_frames=100 * N))
    classifier = create(GOOD)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        windows = classifier.classify_file(path)
    assert [w.category for w in caught] == [TruncatedAudioWarning]
    assert str(caught[0].message) == (
        f"WAV file '{path}' is truncated: its data chunk declares {100 * N} frames, "
        f"{N + 5} were read"
    )
    assert issubclass(TruncatedAudioWarning, UserWarning)
    assert [w.start_frame for w in windows] == [0, N]
    with pytest.warns(TruncatedAudioWarning, match="cut.wav"):
        tensor = TensorAudio.create_from_wav_file(str(path), N)
    assert tensor.buffer_size == N


def test_truncated_wav_with_a_partial_last_frame_reads_whole_frames(tmp_path: Path) -> None:
    path = tmp_path / "cut.wav"
    path.write_bytes(wav_bytes(channels=2, frames=10, declared_frames=50) + b"\1")
    with pytest.warns(TruncatedAudioWarning, match="declares 50 frames, 10 were read"):
        tensor = TensorAudio.create_from_wav_file(str(path), 100)
    assert tensor.buffer_size == 10


def test_truncated_wav_strict_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.wav"
    path.write_bytes(wav_bytes(frames=N, declared_frames=2 * N))
    message = rf"WAV file '{path}': data chunk size {4 * N} exceeds file"
    with pytest.raises(ValueError, match=message):
        create(GOOD).classify_file(path, strict=True)
    with pytest.raises(ValueError, match=message):
        list(create(GOOD).iter_file(path, strict=True))
    with pytest.raises(ValueError, match=message):
        TensorAudio.create_from_wav_file(str(path), N, strict=True)


def test_cli_reads_a_truncated_wav_unless_strict(tmp_path: Path) -> None:
    model = tmp_path / "m.tflite"
    model.write_bytes(GOOD)
    path = tmp_path / "cut.wav"
    path.write_bytes(wav_bytes(frames=N, declared_frames=2 * N))
    proc = run_cli("classify", "--model", str(model), str(path), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert str(path) in proc.stdout
    assert "TruncatedAudioWarning" in proc.stderr and f"{N} were read" in proc.stderr
    strict = run_cli("classify", "--model", str(model), str(path), "--strict")
    assert strict.returncode == 1
    assert f"audioclf: error: {path}: " in strict.stderr and "exceeds file" in strict.stderr


def test_audio_record_sizes_are_bounded() -> None:
    from audioclf import AudioRecord

    with pytest.raises(ValueError, match="buffer_size: must be in 1..33554432, got 1000000000000"):
        AudioRecord(2, RATE, 10**12)
    with pytest.raises(ValueError, match="sampling_rate: must be in 1000..768000, got 10"):
        AudioRecord(1, 10, N)


def test_audio_a_model_cannot_take_is_an_error_naming_the_file(tmp_path: Path) -> None:
    # 3 channels for a 2-channel model: refused by the stream, deep inside;
    # the error still says which file, on both the WAV and the soundfile path.
    stereo = create(build_model(2 * N, [Head(3, name="h")], channels=2))
    path = tmp_path / "three.wav"
    path.write_bytes(wav_bytes(channels=3))
    expected = rf"^{path}: audio has 3 channels and the model 2"
    with pytest.raises(ValueError, match=expected):
        stereo.classify_file(path)
    flac = tmp_path / "three.flac"
    sf = pytest.importorskip("soundfile")
    sf.write(flac, np.zeros((N, 3), np.float32), RATE)
    with pytest.raises(ValueError, match=rf"^{flac}: audio has 3 channels and the model 2"):
        stereo.classify_file(flac)
