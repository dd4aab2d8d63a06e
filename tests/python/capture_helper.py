"""Microphone capture from a virtual ALSA device, for test_live.py.

Imported by the tests for the set-up (raw PCM, an asoundrc), and run by them
as a subprocess for the capture itself: PortAudio reads the ALSA
configuration once, when sounddevice is imported, so the process must start
with HOME pointing at the directory holding the test's ``.asoundrc``.

The device is ALSA's ``file`` PCM with a ``null`` slave and the clip as its
``infile`` (see /work/shared/docs/capture-testing.md). Measured here (alsa-lib
1.2.8, PortAudio 19.6): it delivers the file bit for bit but with no clock at
all, millions of frames per second, and after the end of the file it keeps
repeating its last period of stale samples. So the subprocess records into a
capture buffer whose ring holds the whole clip (no frame of it can be
dropped however far the pump lags), uses backpressure='queue' (no window is
skipped), and the tests only look at windows that end inside the clip.

Subcommands (one JSON object per line on stdout):

  classify  record through classifier.stream(record): one line per window,
            then {"summary": ...}
  cycle     start and stop a live stream on the device many times; prints
            {"cycles": ...} with thread, fd and callback counts
  listen    runs ``audioclf listen`` (cli_live) with the remaining arguments
  devices   runs ``audioclf devices``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

PCM_NAME = "audioclf_capture_test"


def write_alsa_config(home: Path, raw_file: Path, name: str = PCM_NAME) -> Path:
    """Writes ``home/.asoundrc`` defining capture device ``name`` that plays ``raw_file``."""
    config = f"""\
pcm.{name} {{
    type file
    slave.pcm "null"
    file "/dev/null"
    infile "{raw_file}"
    format "raw"
    hint {{
        show on
        description "audioclf test capture ({raw_file.name})"
    }}
}}
"""
    path = home / ".asoundrc"
    path.write_text(config)
    return path


def write_raw_pcm(samples: np.ndarray, path: Path) -> None:
    """Headerless little-endian int16 PCM: what the device delivers for dtype='int16'."""
    if samples.dtype != np.int16:
        raise ValueError(f"samples: expected int16, got {samples.dtype}")
    samples.astype("<i2").tofile(path)


def capture_env(home: Path) -> dict[str, str]:
    """The environment a capture subprocess runs in: HOME (for ALSA), quiet LiteRT."""
    env = dict(os.environ)
    env["HOME"] = str(home)
    env.pop("XDG_CONFIG_HOME", None)  # alsa-lib also reads $XDG_CONFIG_HOME/alsa/asoundrc
    return env


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _window_json(window: Any) -> dict[str, Any]:
    return {
        "index": window.index,
        "start_frame": window.start_frame,
        "start_seconds": window.start_seconds,
        "end_seconds": window.end_seconds,
        "timestamp_ms": window.timestamp_ms,
        "heads": [
            [[c.index, c.score] for c in head.categories] for head in window.result.classifications
        ],
    }


def _classifier(model: str) -> Any:
    from audioclf import AudioClassifier

    return AudioClassifier.create_from_file(model)


def classify(args: argparse.Namespace) -> int:
    import audioclf

    classifier = _classifier(args.model)
    record = audioclf.AudioRecord(
        channels=1,
        sampling_rate=16000,
        # The ring is max(buffer_size, 2 s): sized to the whole clip, since
        # the device runs far faster than real time (see the module doc).
        buffer_size=args.buffer_frames,
        device=args.device,
        dtype="int16",
    )
    started = time.monotonic()
    stream = classifier.stream(record, hop=args.hop, backpressure="queue")
    count = 0
    try:
        deadline = started + args.timeout
        while count < args.windows and time.monotonic() < deadline:
            window = stream.pop(timeout=0.1)
            if window is None:
                continue
            _emit(_window_json(window))
            count += 1
    finally:
        stream.stop()
    elapsed = time.monotonic() - started
    _emit(
        {
            "summary": {
                "windows": count,
                "frames_captured": record.frames_captured,
                "overrun_frames": record.overruns,
                "input_overflows": record.input_overflows,
                "elapsed_s": elapsed,
                "recording_after_stop": record.recording,
            }
        }
    )
    return 0


def _os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def cycle(args: argparse.Namespace) -> int:
    """Starts and stops live streams on the device; reports what is left behind."""
    import audioclf

    classifier = _classifier(args.model)

    def new_record() -> audioclf.AudioRecord:
        return audioclf.AudioRecord(1, 16000, 16000, device=args.device, dtype="int16")

    def one_cycle(record: audioclf.AudioRecord, log: dict[str, Any]) -> None:
        calls = {"capture": 0, "results": 0}
        capture_callback = record._callback

        def counting_capture(*a: Any) -> None:
            calls["capture"] += 1
            capture_callback(*a)

        def on_result(_: Any) -> None:
            calls["results"] += 1

        # An instance attribute shadows the method, so sounddevice gets the counter.
        record._callback = counting_capture  # type: ignore[method-assign]
        stream = classifier.stream(record, hop=args.hop, callback=on_result)
        deadline = time.monotonic() + 5.0
        # Wait for audio through the whole chain: capture, pump, worker, callback.
        while calls["results"] == 0 and time.monotonic() < deadline:
            time.sleep(0.001)
        t0 = time.monotonic()
        stream.stop()
        log["stop_s"].append(time.monotonic() - t0)
        after = dict(calls)
        time.sleep(args.settle)
        log["late_capture_calls"] += calls["capture"] - after["capture"]
        log["late_results"] += calls["results"] - after["results"]
        log["no_results"] += after["results"] == 0
        log["still_recording"] += record.recording
        del record._callback

    log: dict[str, Any] = {
        "stop_s": [],
        "late_capture_calls": 0,
        "late_results": 0,
        "no_results": 0,
        "still_recording": 0,
    }
    initial = {"py_threads": threading.active_count(), "os_threads": _os_threads(), "fds": _fds()}
    # One cycle first: PortAudio and ALSA may load plugins and configuration
    # on first use and keep them; what must not grow is what each cycle adds.
    one_cycle(new_record(), log)
    baseline = {
        "py_threads": threading.active_count(),
        "os_threads": _os_threads(),
        "fds": _fds(),
    }
    shared = new_record()
    for i in range(args.cycles):
        # Alternate a reused record (restart) with a fresh one (construction
        # and destruction of its capture buffer and pump).
        one_cycle(shared if i % 2 else new_record(), log)
    del shared
    after = {"py_threads": threading.active_count(), "os_threads": _os_threads(), "fds": _fds()}
    _emit({"cycles": args.cycles, "initial": initial, "baseline": baseline, "after": after, **log})
    return 0


def live_command(argv: list[str]) -> int:
    """``audioclf listen ...`` or ``audioclf devices``, through cli_live."""
    from audioclf.cli.live import add_live_commands

    parser = argparse.ArgumentParser(prog="audioclf")
    add_live_commands(parser.add_subparsers(dest="command", required=True))
    parsed = parser.parse_args(argv)
    return int(parsed.run(parsed))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("classify", "cycle"):
        sub = commands.add_parser(name)
        sub.add_argument("--model", required=True)
        sub.add_argument("--device", default=PCM_NAME)
        sub.add_argument("--hop", type=float, default=None, help="seconds (default: a window)")
    classify_parser = commands.choices["classify"]
    classify_parser.add_argument("--windows", type=int, required=True)
    classify_parser.add_argument("--timeout", type=float, default=30.0)
    classify_parser.add_argument("--buffer-frames", type=int, required=True)
    cycle_parser = commands.choices["cycle"]
    cycle_parser.add_argument("--cycles", type=int, default=100)
    cycle_parser.add_argument("--settle", type=float, default=0.01, help="seconds after stop")
    commands.add_parser("listen", help="audioclf listen with the arguments that follow")
    commands.add_parser("devices", help="audioclf devices")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["listen"], ["devices"]):  # audioclf's own command line
        return live_command(argv)
    args = parser.parse_args(argv)
    return {"classify": classify, "cycle": cycle}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
