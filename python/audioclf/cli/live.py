"""``audioclf listen`` and ``audioclf devices``: live classification from a microphone.

``add_live_commands(subparsers)`` registers both; each sets ``run`` to a
function taking the parsed arguments and returning the exit status.

Latency, as the ``listen`` summary reports it: for each window, the time
from the capture callback's write of the window's last sample into the
capture buffer to the moment this process holds the result (the main loop
popped it). The capture callback notes (frames captured so far, monotonic
time) after every block it writes; a window ending at frame E was complete
at the first note with at least E frames. That covers the pump, windowing,
queueing, inference and result delivery. It does not cover what happens
before PortAudio hands a block over (the sound card's and the driver's
buffering), which PortAudio only estimates: the summary prints that estimate
separately instead of adding a guess.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from typing import Any, TextIO

import numpy as np

from audioclf._core import AudioClassifierOptions, BaseOptions, ClassificationOptions, WindowResult
from audioclf.audio_classifier import AudioClassifier
from audioclf.audio_record import AudioRecord, _sounddevice, list_devices
from audioclf.cli import arguments
from audioclf.cli.output import window_dict
from audioclf.models import resolve_model

DEFAULT_TOP_K = 3
# How often the main loop wakes up to check --duration (and to let Ctrl-C in).
_POLL_SECONDS = 0.1
# Capture notes kept for latency: at >= 1 ms per PortAudio block, seconds of
# history, far more than a result ever lags its audio.
_CLOCK_NOTES = 4096

_LISTEN_EPILOG = """\
output: --format text prints each window's top classes on one line (overwritten
in place when stdout is a terminal); --format jsonl prints one object per window:
  {"start","end","timestamp_ms","latency_ms","heads":[{"head_index","head_name",
    "categories":[{"index","label","display_name","score"}]}]}
Listening ends with Ctrl-C or after --duration seconds. A summary then goes to
stderr: windows classified, windows skipped (inference fell behind, so the stream
jumped to the newest audio), frames dropped (capture overruns), and latency p50/p99:
from the capture callback's write of a window's last sample to the result in this
process (PortAudio's estimate of the device's own input latency is shown apart).

exit status: 0 stopped by Ctrl-C or --duration; 1 no audio device, no PortAudio
(install libportaudio2), or the model failed; 2 usage error."""


def _device(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def add_live_commands(subparsers: Any) -> None:
    """Adds ``listen`` and ``devices`` to an ``add_subparsers()`` object."""
    listen = subparsers.add_parser(
        "listen",
        help="classify live audio from an input device",
        description="Classify live audio from a microphone (or any input device) as it arrives.",
        epilog=_LISTEN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listen.add_argument("--model", required=True, help="a .tflite audio classifier, or a name")
    listen.add_argument(
        "--device",
        type=_device,
        default=None,
        help="input device: index or part of its name (see 'audioclf devices'); default: "
        "the system's default input",
    )
    listen.add_argument(
        "--hop",
        type=arguments.seconds,
        default=None,
        metavar="S",
        help="seconds between window starts (default: one window, no overlap)",
    )
    listen.add_argument(
        "--top-k",
        type=arguments.top_k,
        default=DEFAULT_TOP_K,
        metavar="K",
        help=f"categories shown per window and head (default {DEFAULT_TOP_K}; -1: all)",
    )
    listen.add_argument(
        "--threshold", type=arguments.score, metavar="T", help="minimum score shown (0 to 1)"
    )
    listen.add_argument(
        "--format", choices=("text", "jsonl"), default="text", help="output (default text)"
    )
    listen.add_argument(
        "--dtype",
        choices=("float32", "int16", "int32"),
        default="float32",
        help="sample format asked of the device (default float32)",
    )
    listen.add_argument(
        "--duration", type=arguments.seconds, default=None, metavar="S", help="stop after S seconds"
    )
    listen.set_defaults(run=run_listen)

    devices = subparsers.add_parser(
        "devices",
        help="list audio input devices",
        description="List the input devices PortAudio sees ('*' marks the default).",
    )
    devices.set_defaults(run=run_devices)


def _error(message: object, stderr: TextIO) -> int:
    print(f"audioclf: error: {message}", file=stderr)
    return 1


def run_devices(args: argparse.Namespace, *, stdout: TextIO | None = None) -> int:
    """Prints index, name, input channels and default rate of every input device."""
    out = stdout or sys.stdout
    try:
        found = list_devices()
        default = _default_input()
    except (RuntimeError, ValueError, OSError) as error:
        return _error(error, sys.stderr)
    if not found:
        print("no input devices", file=out)
        return 0
    width = max(len(d["name"]) for d in found)
    print(f"  {'index':>5}  {'name':<{width}}  {'channels':>8}  {'rate':>8}", file=out)
    for d in found:
        mark = "*" if d["index"] == default else " "
        print(
            f"{mark} {d['index']:>5}  {d['name']:<{width}}  {d['channels']:>8}  "
            f"{d['sample_rate']:>8.0f}",
            file=out,
        )
    return 0


def _default_input() -> int | None:
    try:
        # The default input device's description; raises when there is none.
        index = _sounddevice().query_devices(kind="input").get("index")
    except Exception:  # sounddevice's PortAudioError: no default input
        return None
    return index if isinstance(index, int) else None


class _CaptureClock:
    """(frames captured, time) after each capture block, kept in a fixed-size ring.

    Written by the capture callback only (numpy slots, no allocation that
    outlives the call); read by the main loop.
    """

    def __init__(self, size: int = _CLOCK_NOTES) -> None:
        self._frames = np.zeros(size, dtype=np.int64)
        self._times = np.zeros(size, dtype=np.float64)
        self._count = 0

    def note(self, frames: int, when: float) -> None:
        slot = self._count % len(self._frames)
        self._frames[slot] = frames
        self._times[slot] = when
        self._count += 1  # published last: readers only look below it

    def time_of(self, frame: int) -> float | None:
        """When the capture buffer first held ``frame`` frames; None if not noted (yet)."""
        count, size = self._count, len(self._frames)
        # Skip the oldest slots: the callback may be overwriting them right now.
        first = max(0, count - size + 8)
        if count <= first:
            return None
        order = np.arange(first, count) % size
        frames = self._frames[order]
        at = int(np.searchsorted(frames, frame, side="left"))
        if at == len(frames) or (at == 0 and first > 0):
            return None  # not captured yet, or older than the notes kept
        return float(self._times[order[at]])


class _TimedRecord(AudioRecord):
    """An AudioRecord whose callback also notes when each block reached the buffer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clock = _CaptureClock()

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        super()._callback(indata, frames, time_info, status)
        self.clock.note(self._capture.frames_captured, time.monotonic())

    @property
    def input_latency(self) -> float | None:
        """PortAudio's estimate of the device's input latency, in seconds."""
        stream = self._stream
        return float(stream.latency) if stream is not None else None


class _TextLine:
    """One line per window; on a terminal, each overwrites the previous one."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._width = 0

    def show(self, text: str) -> None:
        if self._tty:
            # A line longer than the terminal would wrap, and \r would then
            # overwrite only its last row.
            text = text[: max(10, shutil.get_terminal_size().columns - 1)]
            pad = max(0, self._width - len(text))
            self._stream.write("\r" + text + " " * pad)
            self._width = len(text)
        else:
            self._stream.write(text + "\n")
        self._stream.flush()

    def close(self) -> None:
        if self._tty and self._width:
            self._stream.write("\n")
            self._stream.flush()


def _text(window: WindowResult, top_k: int) -> str:
    heads = []
    for head in window.result.classifications:
        shown = head.categories if top_k < 0 else head.categories[:top_k]
        names = "  ".join(
            f"{c.display_name or c.category_name or c.index} {c.score:.2f}" for c in shown
        )
        heads.append(names or "-")
    return f"{window.start_seconds:8.2f}s  " + " | ".join(heads)


def _summary(
    windows: int, skipped: int, record: _TimedRecord, latencies: list[float], input_latency: Any
) -> str:
    parts = [
        f"{windows} windows",
        f"{skipped} skipped",
        f"{record.overruns} frames dropped (capture overruns)",
        f"{record.input_overflows} device overflows",
    ]
    if latencies:
        p50, p99 = np.percentile(np.array(latencies) * 1000, [50, 99])
        parts.append(f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    else:
        parts.append("latency: no window measured")
    if input_latency is not None:
        ms = input_latency * 1000
        parts.append(f"device input latency {ms:.1f} ms (PortAudio's estimate, not included)")
    return "audioclf listen: " + ", ".join(parts)


def run_listen(
    args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Classifies the input device until Ctrl-C or --duration, then summarizes on stderr."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        _sounddevice()  # a missing PortAudio is reported before the model loads
        spec = resolve_model(args.model)
        options = AudioClassifierOptions(
            base_options=BaseOptions(file_name=spec.path),
            classification_options=ClassificationOptions(
                max_results=args.top_k, score_threshold=args.threshold
            ),
            sample_rate=spec.sample_rate,
            label_file=spec.label_file,
            activation=spec.activation,
        )
        classifier = AudioClassifier.create_from_options(options)
    except (RuntimeError, ValueError, OSError) as error:
        return _error(error, err)
    with classifier:
        fmt = classifier.required_audio_format
        window = classifier.window_frames
        # Recording in the model's own format: stream frames are capture frames.
        record = _TimedRecord(
            fmt.channels, fmt.sample_rate, window, device=args.device, dtype=args.dtype
        )
        try:
            stream = classifier.stream(record, hop=args.hop, backpressure="latest")
        except (RuntimeError, ValueError, OSError) as error:
            return _error(error, err)
        input_latency = record.input_latency
        text = _TextLine(out) if args.format == "text" else None
        latencies: list[float] = []
        count = 0
        deadline = None if args.duration is None else time.monotonic() + args.duration
        try:
            while deadline is None or time.monotonic() < deadline:
                wait = _POLL_SECONDS
                if deadline is not None:
                    wait = max(0.0, min(wait, deadline - time.monotonic()))
                result = stream.pop(timeout=wait)
                if result is None:
                    continue
                arrived = time.monotonic()
                count += 1
                written = record.clock.time_of(result.start_frame + window)
                latency = None if written is None else arrived - written
                if latency is not None:
                    latencies.append(latency)
                if text is not None:
                    text.show(_text(result, args.top_k))
                else:
                    line = window_dict("", result, args.top_k)
                    del line["file"]
                    line["timestamp_ms"] = result.timestamp_ms
                    line["latency_ms"] = None if latency is None else round(latency * 1000, 3)
                    out.write(json.dumps(line) + "\n")
                    out.flush()
        except KeyboardInterrupt:
            pass  # Ctrl-C is how listening normally ends
        finally:
            skipped = stream.windows_skipped
            stream.stop()
            if text is not None:
                text.close()
        print(_summary(count, skipped, record, latencies, input_latency), file=err)
    return 0
