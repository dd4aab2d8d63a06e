"""Live audio: capture from a (virtual) device, streaming classification, the CLI.

The capture tests record from ALSA's ``file`` PCM through PortAudio in a
subprocess (capture_helper.py explains why and what the device does). They
run whenever PortAudio loads; without it they skip, except under CI=true,
where a missing PortAudio fails (CI installs libportaudio2).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import io
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
import wave
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import capture_helper
import numpy as np
import pytest
from audioclf import (
    AudioClassifier,
    AudioClassifierOptions,
    AudioRecord,
    BaseOptions,
    ClassificationOptions,
)
from audioclf import audio_record as audio_record_module
from audioclf.cli.live import add_live_commands
from conftest import DATA, golden, shared_path

HELPER = Path(capture_helper.__file__)
TINY_MODEL = DATA / "tiny_two_heads.tflite"  # 1600-frame window at 16 kHz, two heads
TINY_CLIP = DATA / "tiny_tone.wav"  # 0.5 s: a tone, then noise
RATE = 16000
BLOCK = 160  # 10 ms at 16 kHz


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _read_wav_int16(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate()) == (1, 2, RATE)
        return np.frombuffer(f.readframes(f.getnframes()), dtype="<i2").astype(np.int16)


def _classifier(model: Path, max_results: int = -1) -> AudioClassifier:
    return AudioClassifier.create_from_options(
        AudioClassifierOptions(
            base_options=BaseOptions(file_name=str(model), num_threads=1),
            classification_options=ClassificationOptions(max_results=max_results),
        )
    )


def _heads(window: Any) -> list[list[tuple[int, float]]]:
    return [[(c.index, c.score) for c in h.categories] for h in window.result.classifications]


def _os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


# ---------------------------------------------------------------- capture


@pytest.fixture(scope="module")
def portaudio() -> None:
    """Skips (fails under CI=true) when sounddevice or PortAudio cannot be loaded."""
    check = subprocess.run(
        [sys.executable, "-c", "import sounddevice; sounddevice.query_devices()"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check.returncode == 0:
        return
    reason = (check.stderr.strip().splitlines() or ["unknown error"])[-1]
    message = (
        f"PortAudio via sounddevice cannot be loaded ({reason}); "
        "needs pip install sounddevice and apt-get install libportaudio2"
    )
    if _ci():
        pytest.fail(message)
    pytest.skip(message)


def _device_home(tmp_path: Path, samples: np.ndarray) -> Path:
    """A HOME whose .asoundrc defines the capture device playing ``samples``."""
    raw = tmp_path / "clip.raw"
    capture_helper.write_raw_pcm(samples, raw)
    capture_helper.write_alsa_config(tmp_path, raw)
    return tmp_path


def _run_helper(home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    process = subprocess.run(
        [sys.executable, str(HELPER), *args],
        env=capture_helper.capture_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    return process


def _capture_windows(home: Path, model: Path, hop: float, windows: int, clip_frames: int) -> Any:
    process = _run_helper(
        home,
        "classify",
        "--model",
        str(model),
        "--hop",
        str(hop),
        "--windows",
        str(windows),
        # Room in the ring for the whole clip (see capture_helper).
        "--buffer-frames",
        str(max(2 * clip_frames, 4 * RATE)),
        "--timeout",
        "60",
    )
    lines = [json.loads(line) for line in process.stdout.splitlines()]
    summary = lines.pop()["summary"]
    return lines, summary


def _check_capture(
    home: Path, model: Path, samples: np.ndarray, hop_frames: int
) -> tuple[list[dict[str, Any]], list[Any]]:
    """Records ``samples`` from the device; the windows inside it must equal offline ones."""
    with _classifier(model) as classifier:
        window = classifier.window_frames
        inside = (len(samples) - window) // hop_frames + 1  # windows ending within the clip
        offline = classifier.classify_clip(
            samples, RATE, hop=hop_frames / RATE, pad_last=False, workers=1
        )
    assert len(offline) == inside
    captured, summary = _capture_windows(home, model, hop_frames / RATE, inside, len(samples))
    assert summary["windows"] == inside, summary
    assert summary["frames_captured"] >= len(samples)
    assert not summary["recording_after_stop"]
    for k, (live, ref) in enumerate(zip(captured, offline)):
        # Timestamps step by exactly the hop, from the first captured frame.
        assert live["index"] == k
        assert live["start_frame"] == k * hop_frames
        assert live["timestamp_ms"] == round(k * hop_frames / RATE * 1000)
        assert live["start_seconds"] == pytest.approx(k * hop_frames / RATE, abs=1e-12)
        # The device delivers the clip bit for bit, so scores are identical.
        heads = [[(int(i), float(s)) for i, s in head] for head in live["heads"]]
        assert heads == _heads(ref), f"window {k}"
    return captured, offline


def test_capture_from_virtual_device_matches_offline(portaudio: None, tmp_path: Path) -> None:
    samples = _read_wav_int16(TINY_CLIP)
    home = _device_home(tmp_path, samples)
    _check_capture(home, TINY_MODEL, samples, hop_frames=800)


def test_capture_speech_is_speech(portaudio: None, tmp_path: Path) -> None:
    model = shared_path("models", "yamnet_audio_classifier_with_metadata.tflite")
    samples = _read_wav_int16(shared_path("audio", "speech.wav"))
    home = _device_home(tmp_path, samples)
    captured, _ = _check_capture(home, model, samples, hop_frames=8000)
    assert len(captured) == 7
    for live in captured:
        top_index, top_score = live["heads"][0][0]
        assert top_index == 0, live  # Speech
        assert top_score > 0.5
    first = golden("mediapipe.json")[0]["windows"][0]["result"][0]["categories"]
    assert [i for i, _ in captured[0]["heads"][0][:3]] == [c["index"] for c in first]


def test_capture_start_stop_100_times(portaudio: None, tmp_path: Path) -> None:
    home = _device_home(tmp_path, _read_wav_int16(TINY_CLIP))
    process = _run_helper(home, "cycle", "--model", str(TINY_MODEL), "--cycles", "100")
    report = json.loads(process.stdout.splitlines()[-1])
    assert report["after"] == report["baseline"], report  # threads (Python and OS), fds
    assert report["late_capture_calls"] == 0  # PortAudio callbacks after stop()
    assert report["late_results"] == 0  # result callbacks after stop()
    assert report["no_results"] == 0  # every cycle classified audio from the device
    assert report["still_recording"] == 0  # stop() also stopped the capture it started
    assert max(report["stop_s"]) < 0.5


def test_listen_on_virtual_device(portaudio: None, tmp_path: Path) -> None:
    home = _device_home(tmp_path, _read_wav_int16(TINY_CLIP))
    process = _run_helper(
        home,
        "listen",
        "--model",
        str(TINY_MODEL),
        "--device",
        capture_helper.PCM_NAME,
        "--dtype",
        "int16",  # the device hands over the file's bytes as they are
        "--format",
        "jsonl",
        "--duration",
        "1",
    )
    lines = [json.loads(line) for line in process.stdout.splitlines()]
    assert lines
    # The device outruns real time, so backpressure='latest' skips windows:
    # starts rise, on the window grid, but not necessarily from 0.
    starts = [line["timestamp_ms"] for line in lines]
    assert starts == sorted(set(starts)) and all(ms % 100 == 0 for ms in starts)
    assert "audioclf listen:" in process.stderr and "latency p50" in process.stderr


def test_devices_lists_virtual_device(portaudio: None, tmp_path: Path) -> None:
    home = _device_home(tmp_path, _read_wav_int16(TINY_CLIP))
    rows = _run_helper(home, "devices").stdout.splitlines()
    assert "index" in rows[0] and "name" in rows[0]
    assert any(capture_helper.PCM_NAME in row for row in rows[1:]), rows


# ---------------------------------------------------------------- streaming exactness


def _feed_in_blocks(
    classifier: AudioClassifier, samples: np.ndarray, hop: float | None, pad_last: bool = True
) -> list:
    stream = classifier.stream(hop=hop, pad_last=pad_last)  # fed: 'queue' by default
    try:
        for i in range(0, len(samples), BLOCK):
            stream.feed(samples[i : i + BLOCK])
        stream.finish()
        return list(stream)
    finally:
        stream.stop()


def test_stream_in_10ms_blocks_matches_mediapipe() -> None:
    model = shared_path("models", "yamnet_audio_classifier_with_metadata.tflite")
    samples = _read_wav_int16(shared_path("audio", "speech.wav")).astype(np.float32) / 32768
    expected = golden("mediapipe.json")[0]
    assert expected["case"] == "yamnet_clip"
    with _classifier(model, max_results=3) as classifier:
        results = _feed_in_blocks(classifier, samples, hop=None)
        unpadded = _feed_in_blocks(classifier, samples, hop=None, pad_last=False)
    # finish() classifies the zero-padded last window, as MediaPipe's stream
    # mode does at close; pad_last=False leaves it out.
    assert len(results) == len(expected["windows"]) == len(samples) // 15600 + 1 == 5
    assert [_heads(w) for w in unpadded] == [_heads(w) for w in results[:-1]]
    assert results[-1].end_seconds == len(samples) / RATE
    for live, ref in zip(results, expected["windows"], strict=True):
        assert live.timestamp_ms == ref["timestamp_ms"]
        categories = live.result.classifications[0].categories
        assert [c.index for c in categories] == [c["index"] for c in ref["result"][0]["categories"]]
        for c, r in zip(categories, ref["result"][0]["categories"]):
            assert c.score == pytest.approx(r["score"], abs=1e-6)


@pytest.mark.parametrize("which", ["tiny", "yamnet"])
def test_stream_half_hop_matches_one_shot(which: str) -> None:
    if which == "yamnet":
        model = shared_path("models", "yamnet_audio_classifier_with_metadata.tflite")
        samples = _read_wav_int16(shared_path("audio", "speech.wav"))
    else:
        model, samples = TINY_MODEL, _read_wav_int16(TINY_CLIP)
    samples = samples.astype(np.float32) / 32768
    with _classifier(model) as classifier:
        window = classifier.window_frames
        hop = window // 2
        results = _feed_in_blocks(classifier, samples, hop=hop / RATE, pad_last=False)
        assert len(results) == (len(samples) - window) // hop + 1
        for k, live in enumerate(results):
            assert live.start_frame == k * hop
            one = classifier.classify(np.ascontiguousarray(samples[k * hop : k * hop + window]))
            assert _heads(live) == [
                [(c.index, c.score) for c in h.categories] for h in one.classifications
            ]


def test_stream_callback_and_async_iterator_agree() -> None:
    samples = _read_wav_int16(TINY_CLIP)
    with _classifier(TINY_MODEL) as classifier:
        reference = [_heads(w) for w in _feed_in_blocks(classifier, samples, hop=0.05)]

        got: list[Any] = []
        stream = classifier.stream(hop=0.05, backpressure="queue", callback=got.append)
        for i in range(0, len(samples), BLOCK):
            stream.feed(samples[i : i + BLOCK])
        stream.finish()
        deadline = time.monotonic() + 10
        while len(got) < len(reference) and time.monotonic() < deadline:
            time.sleep(0.005)
        stream.stop()
        assert [_heads(w) for w in got] == reference

        async def collect() -> list[Any]:
            live = classifier.stream(hop=0.05, backpressure="queue")
            for i in range(0, len(samples), BLOCK):
                live.feed(samples[i : i + BLOCK])
            live.finish()
            out = [w async for w in live]
            live.stop()
            return out

        assert [_heads(w) for w in asyncio.run(collect())] == reference


def test_fed_stream_keeps_every_window_by_default() -> None:
    # Fed far faster than real time (60 s in one go), a stream without an
    # AudioRecord queues: no window is skipped.
    samples = np.tile(_read_wav_int16(TINY_CLIP), 120)
    with _classifier(TINY_MODEL) as classifier:
        stream = classifier.stream(hop=0.05)
        stream.feed(samples)
        stream.finish()
        got = list(stream)
        stream.stop()
        hop, window = 800, classifier.window_frames
    assert stream.windows_skipped == 0
    assert len(got) == (len(samples) - window) // hop + 1  # the last ends with the audio
    assert [w.index for w in got] == list(range(len(got)))


@pytest.mark.parametrize("use_callback", [True, False])
def test_stop_delivers_every_window_already_classified(use_callback: bool) -> None:
    samples = np.tile(_read_wav_int16(TINY_CLIP), 40)
    with _classifier(TINY_MODEL) as classifier:
        for _ in range(5):
            got: list[Any] = []

            def slow(window: Any, got: list[Any] = got) -> None:
                time.sleep(0.001)  # results pile up behind the callback
                got.append(window)

            stream = classifier.stream(hop=0.01, workers=2, callback=slow if use_callback else None)

            def feed(stream: Any = stream) -> None:
                with contextlib.suppress(RuntimeError):  # stopped before it began
                    stream.feed(samples)

            feeder = threading.Thread(target=feed)
            feeder.start()
            time.sleep(0.02)
            stream.stop()
            feeder.join()
            if not use_callback:
                got = list(stream)  # what was computed, then the end
            classified = stream.windows_classified
            assert classified > 0
            assert [w.index for w in got] == list(range(classified))


# ---------------------------------------------------------------- zero copy


@pytest.mark.parametrize("dtype", ["int16", "float32"])
def test_capture_callback_allocates_nothing(dtype: str) -> None:
    calls, warmup = 10_000, 500
    # The ring (sized from buffer_size) holds every frame of the run, so no
    # block can be dropped however the pump is scheduled: the count is exact.
    record = AudioRecord(1, RATE, (calls + warmup) * BLOCK, dtype=dtype)
    ramp = np.arange(BLOCK, dtype=np.float32) / BLOCK - 0.5
    block = (ramp * 32767).astype(np.int16) if dtype == "int16" else ramp
    block = np.ascontiguousarray(block.reshape(BLOCK, 1))  # what PortAudio hands over
    expected = block[:, 0].astype(np.float32) / (32768 if dtype == "int16" else 1)
    status = SimpleNamespace(input_overflow=False)  # sounddevice's CallbackFlags
    callback = record._callback
    record._capture.start()  # what start_recording does, minus the device
    tracemalloc.start()
    try:
        for _ in range(warmup):
            callback(block, BLOCK, None, status)
        gc.collect()
        frames0 = record.frames_captured
        traced0, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for _ in range(calls):
            callback(block, BLOCK, None, status)
        traced1, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    try:
        assert traced1 - traced0 < 50_000, f"traced memory grew by {traced1 - traced0} bytes"
        assert peak - traced0 < 50_000
        assert record.frames_captured - frames0 == calls * BLOCK
        assert record.overruns == 0 and record.input_overflows == 0
        # The pump moved the data on: the newest frames are the block.
        deadline = time.monotonic() + 5
        while not np.array_equal(record.read(BLOCK)[:, 0], expected):
            assert time.monotonic() < deadline, "the captured block never reached the window"
            time.sleep(0.01)
    finally:
        record._capture.stop()


# ---------------------------------------------------------------- start/stop


def test_fed_streams_start_stop_100_times() -> None:
    samples = _read_wav_int16(TINY_CLIP)
    with _classifier(TINY_MODEL) as classifier:
        # Warm up once: the first stream may initialise lazily held runtime state.
        # Two streams alive at once, as in the loop below (a stream is released
        # only when the next one exists): the classifier then pools the two
        # engines the loop uses, each holding its weight cache descriptor.
        warm = classifier.stream()
        warm.feed(samples)
        warm.stop()
        warm2 = classifier.stream()
        warm2.feed(samples)
        warm2.stop()
        del warm, warm2
        gc.collect()
        baseline = (threading.active_count(), _os_threads(), _fds())
        stop_times, late = [], 0
        for cycle in range(100):
            calls: list[float] = []
            use_callback = cycle % 2 == 0
            slow = cycle % 4 == 0  # a callback still running when stop() is called

            def on_result(_: Any, calls: list[float] = calls, slow: bool = slow) -> None:
                if slow:
                    time.sleep(0.02)
                calls.append(time.monotonic())

            stream = classifier.stream(
                hop=0.025,
                backpressure="latest" if cycle % 3 else "queue",
                callback=on_result if use_callback else None,
            )
            for i in range(0, len(samples), BLOCK):
                stream.feed(samples[i : i + BLOCK])
            if use_callback:
                deadline = time.monotonic() + 5
                while not calls and time.monotonic() < deadline:
                    time.sleep(0.001)
                assert calls, "no result arrived"
            else:
                assert stream.pop(timeout=5) is not None
            t0 = time.monotonic()
            stream.stop()
            stopped = time.monotonic()
            stop_times.append(stopped - t0)
            time.sleep(0.005)
            late += sum(t > stopped for t in calls)
        del stream
        gc.collect()
        assert late == 0
        assert max(stop_times) < 0.5, max(stop_times)
        assert (threading.active_count(), _os_threads(), _fds()) == baseline


# ---------------------------------------------------------------- the CLI, on a fake device


class _FakeInputStream:
    """sounddevice.InputStream's shape: plays a clip to the callback at real-time pace."""

    instances: list[_FakeInputStream] = []

    def __init__(
        self, *, samplerate: int, channels: int, dtype: str, blocksize: int, **kw: Any
    ) -> None:
        self.samplerate, self.channels, self.dtype = samplerate, channels, dtype
        self.device = kw.get("device")
        self.callback = kw["callback"]
        self.latency = 0.02
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.calls_after_stop = 0
        self.stopped = False
        _FakeInputStream.instances.append(self)

    def _run(self) -> None:
        samples = _read_wav_int16(TINY_CLIP).astype(self.dtype).reshape(-1, 1)
        if self.dtype == "float32":
            samples /= 32768
        flags = SimpleNamespace(input_overflow=False)
        start, n = time.monotonic(), 0
        while not self._stop.is_set():
            offset = (n * BLOCK) % (len(samples) - BLOCK)
            self.callback(samples[offset : offset + BLOCK], BLOCK, None, flags)
            if self.stopped:
                self.calls_after_stop += 1
            n += 1
            time.sleep(max(0.0, start + n * BLOCK / self.samplerate - time.monotonic()))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.stopped = True

    def close(self) -> None:
        pass


@pytest.fixture
def fake_sounddevice(monkeypatch: pytest.MonkeyPatch) -> Any:
    devices = [
        {"name": "Speakers", "max_input_channels": 0, "default_samplerate": 48000.0},
        {"name": "USB Mic", "max_input_channels": 1, "default_samplerate": 16000.0},
        {"name": "Array Mic", "max_input_channels": 4, "default_samplerate": 48000.0},
    ]

    def query_devices(device: Any = None, kind: str | None = None) -> Any:
        # sounddevice: a list of all; with kind, the default device with its index.
        return dict(devices[1], index=1) if kind == "input" else devices

    fake = SimpleNamespace(InputStream=_FakeInputStream, query_devices=query_devices)
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    _FakeInputStream.instances = []
    return fake


def test_stream_owns_only_the_capture_it_started(fake_sounddevice: Any) -> None:
    with _classifier(TINY_MODEL) as classifier:
        record = classifier.create_audio_record(dtype="int16")
        first = classifier.stream(record)
        assert record.recording
        with pytest.raises(RuntimeError, match="already feeds a live stream"):
            classifier.stream(record)
        assert first.pop(timeout=5) is not None  # the first still runs
        first.stop()
        assert not record.recording  # it started the capture, so it stopped it

        record.start_recording()  # started by its owner: a stream leaves it running
        second = classifier.stream(record)
        assert second.pop(timeout=5) is not None
        second.stop()
        assert record.recording
        record.stop()
        assert [s.calls_after_stop for s in _FakeInputStream.instances] == [0, 0]


def _cli(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="audioclf")
    add_live_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(list(argv))


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_listen_jsonl(fake_sounddevice: Any) -> None:
    out, err = io.StringIO(), io.StringIO()
    args = _cli("listen", "--model", str(TINY_MODEL), "--format", "jsonl", "--duration", "0.6")
    assert args.run(args, stdout=out, stderr=err) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) >= 3
    assert [line["timestamp_ms"] for line in lines] == [100 * k for k in range(len(lines))]
    assert all(len(line["heads"]) == 2 for line in lines)
    assert all(len(head["categories"]) <= 3 for line in lines for head in line["heads"])
    latencies = [line["latency_ms"] for line in lines]
    assert all(latency is not None and 0 <= latency < 1000 for latency in latencies)
    summary = err.getvalue()
    assert f"{len(lines)} windows" in summary and "latency p50" in summary
    assert "device input latency 20.0 ms" in summary
    (stream,) = _FakeInputStream.instances
    assert stream.stopped and stream.calls_after_stop == 0
    assert stream.device is None and stream.samplerate == RATE


def test_listen_text_and_device_by_name(fake_sounddevice: Any) -> None:
    out, err = io.StringIO(), io.StringIO()
    args = _cli(
        "listen", "--model", str(TINY_MODEL), "--device", "usb", "--hop", "0.05",
        "--top-k", "1", "--duration", "0.45",
    )  # fmt: skip
    assert args.run(args, stdout=out, stderr=err) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) >= 4  # not a terminal: one line per window
    assert lines[0].split()[0] == "0.00s" and lines[1].split()[0] == "0.05s"
    assert all(line.count("|") == 1 for line in lines)  # two heads, one category each
    assert _FakeInputStream.instances[0].device == 1  # "usb" matched "USB Mic"


def test_listen_on_a_terminal_overwrites_and_ctrl_c_ends(fake_sounddevice: Any) -> None:
    class Interrupting(_Tty):
        interrupted = False

        def write(self, text: str) -> int:
            if text.startswith("\r") and self.getvalue().count("\r") == 3 and not self.interrupted:
                self.interrupted = True
                raise KeyboardInterrupt  # what Ctrl-C raises in the main thread
            return super().write(text)

    out, err = Interrupting(), io.StringIO()
    args = _cli("listen", "--model", str(TINY_MODEL), "--hop", "0.05")  # no --duration
    assert args.run(args, stdout=out, stderr=err) == 0
    assert out.getvalue().count("\r") == 3 and out.getvalue().count("\n") <= 1
    assert "4 windows" in err.getvalue()  # the fourth was being shown at Ctrl-C
    assert _FakeInputStream.instances[0].stopped


def test_devices_lists_inputs(fake_sounddevice: Any) -> None:
    out = io.StringIO()
    args = _cli("devices")
    assert args.run(args, stdout=out) == 0
    rows = out.getvalue().splitlines()
    assert len(rows) == 3  # heading + the two input devices
    assert rows[1].startswith("*") and "USB Mic" in rows[1] and "16000" in rows[1]
    assert "Array Mic" in rows[2] and " 4 " in rows[2] and "Speakers" not in out.getvalue()


def test_missing_portaudio_names_the_package(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_portaudio(name: str) -> Any:
        raise OSError("PortAudio library not found")  # what sounddevice raises

    monkeypatch.setattr(
        audio_record_module, "importlib", SimpleNamespace(import_module=no_portaudio)
    )
    for argv in (["devices"], ["listen", "--model", str(TINY_MODEL)]):
        args = _cli(*argv)
        assert args.run(args) == 1
        assert "libportaudio2" in capsys.readouterr().err


def test_listen_rejects_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in (["--hop", "0"], ["--duration", "-1"], ["--top-k", "0"], ["--format", "csv"]):
        with pytest.raises(SystemExit):
            _cli("listen", "--model", str(TINY_MODEL), *bad)
    capsys.readouterr()
