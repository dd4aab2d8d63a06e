"""MediaPipe's AUDIO_STREAM mode fed at real-time pace: per-window latency.

Runs inside the peers venv (benchmarks/.peers*, see peers.py), so it needs
only the standard library, numpy and mediapipe. bench_latency.py starts it
after its own runs and reads the JSON it writes to --out:

    {"version": "...", "window_frames": N, "blocks": B,
     "windows": [{"start_frame": s, "latency_s": t, "top": index}, ...],
     "oneshot_s": [seconds per AUDIO_CLIPS classify of one window, ...]}

Latency is measured exactly as bench_latency.py measures audioclf: from just
before ``classify_async`` of the block holding a window's last sample to the
result callback. MediaPipe stamps each result with its window's start
(``timestamp_ms`` = start frame / rate), which says which window it is.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import Any

import numpy as np


def _sleep_until(due: float) -> None:
    delay = due - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--audio", required=True, help=".npy of float32 mono samples")
    parser.add_argument("--sample-rate", type=int, required=True)
    parser.add_argument("--block", type=int, required=True, help="frames per classify_async")
    parser.add_argument("--window-frames", type=int, required=True)
    parser.add_argument("--max-results", type=int, default=3)
    parser.add_argument("--oneshot", type=int, default=200, help="timed one-window classifies")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    from importlib.metadata import version

    from mediapipe.tasks.python import audio
    from mediapipe.tasks.python.components.containers.audio_data import AudioData
    from mediapipe.tasks.python.core.base_options import BaseOptions

    samples = np.ascontiguousarray(np.load(args.audio), dtype=np.float32)
    rate, block = args.sample_rate, args.block
    blocks = len(samples) // block
    fed = np.full(blocks, np.nan)  # when each block went in (monotonic seconds)
    windows: list[dict[str, Any]] = []
    lock = threading.Lock()

    def on_result(result: Any, timestamp_ms: int) -> None:
        arrived = time.monotonic()
        start = round(timestamp_ms * rate / 1000)
        last_block = (start + args.window_frames - 1) // block
        top = result.classifications[0].categories[0].index if result.classifications else -1
        with lock:
            windows.append(
                {
                    "start_frame": start,
                    "latency_s": arrived - float(fed[last_block]),
                    "top": top,
                }
            )

    # No thread count in MediaPipe's Python options; its XNNPACK default is
    # one thread on Linux (see benchmarks/README.md).
    stream_options = audio.AudioClassifierOptions(
        base_options=BaseOptions(model_asset_path=args.model),
        max_results=args.max_results,
        running_mode=audio.RunningMode.AUDIO_STREAM,
        result_callback=on_result,
    )
    with audio.AudioClassifier.create_from_options(stream_options) as classifier:
        start = time.monotonic() + 0.05
        for i in range(blocks):
            _sleep_until(start + i * block / rate)
            fed[i] = time.monotonic()  # wrapping the block is part of MediaPipe's feed
            chunk = AudioData.create_from_array(samples[i * block : (i + 1) * block], rate)
            classifier.classify_async(chunk, round(i * block * 1000 / rate))
        time.sleep(0.5)  # the last window's result

    # The same model one window at a time (AUDIO_CLIPS), for scale.
    clip_options = audio.AudioClassifierOptions(
        base_options=BaseOptions(model_asset_path=args.model),
        max_results=args.max_results,
        running_mode=audio.RunningMode.AUDIO_CLIPS,
    )
    oneshot: list[float] = []
    with audio.AudioClassifier.create_from_options(clip_options) as classifier:
        window = AudioData.create_from_array(samples[: args.window_frames], rate)
        for _ in range(20):
            classifier.classify(window)
        for _ in range(args.oneshot):
            t0 = time.perf_counter()
            classifier.classify(window)
            oneshot.append(time.perf_counter() - t0)

    with open(args.out, "w") as f:
        json.dump(
            {
                "version": version("mediapipe"),
                "window_frames": args.window_frames,
                "blocks": blocks,
                "windows": sorted(windows, key=lambda w: w["start_frame"]),
                "oneshot_s": oneshot,
            },
            f,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
