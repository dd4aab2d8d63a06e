"""Times one reference implementation on one window, driven over stdin/stdout.

Runs inside a peer venv (benchmarks/.peers*), so it needs only the standard
library, numpy and the peer package. bench_classify.py starts it once and
then interleaves its rounds with the in-process paths; one JSON object per line:

    -> "warmup N"   runs N untimed calls   <- {"ok": true}
    -> "time N"     runs N timed calls     <- {"times": [s, ...], "cpu_s": .., "wall_s": ..}
    -> "quit"

On start it classifies once and prints {"ready": true, "top": [[index, name,
score], ...], "version": "..."}, or {"error": "..."}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO

import numpy as np

Top = list[tuple[int, str, float]]
Runner = tuple[Callable[[], Any], Callable[[Any], Top], str]


def _protocol_stream() -> TextIO:
    """Keeps the real stdout for JSON and points fd 1 at stderr, so native
    libraries that print to stdout cannot corrupt the protocol."""
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return out


def tflite_support_runner(args: argparse.Namespace, window: np.ndarray) -> Runner:
    from importlib.metadata import version

    from tflite_support.task import audio, core, processor

    options = audio.AudioClassifierOptions(
        base_options=core.BaseOptions(file_name=args.model, num_threads=args.threads),
        classification_options=processor.ClassificationOptions(max_results=args.max_results),
    )
    classifier = audio.AudioClassifier.create_from_options(options)
    tensor = classifier.create_input_tensor_audio()
    frames = window.reshape(len(window), -1)  # TensorAudio wants (frames, channels)

    def run() -> Any:
        # What a caller does per window: load it, then classify.
        tensor.load_from_array(frames)
        return classifier.classify(tensor)

    def top(result: Any) -> Top:
        return [
            (c.index, c.category_name, float(c.score)) for c in result.classifications[0].categories
        ]

    return run, top, version("tflite-support")


def mediapipe_runner(args: argparse.Namespace, window: np.ndarray) -> Runner:
    from importlib.metadata import version

    from mediapipe.tasks.python import audio
    from mediapipe.tasks.python.components.containers.audio_data import AudioData
    from mediapipe.tasks.python.core.base_options import BaseOptions

    # MediaPipe's Python options have no thread count: args.threads cannot be
    # applied, and the reported cpu/wall shows what it really uses.
    options = audio.AudioClassifierOptions(
        base_options=BaseOptions(model_asset_path=args.model),
        max_results=args.max_results,
        running_mode=audio.RunningMode.AUDIO_CLIPS,
    )
    classifier = audio.AudioClassifier.create_from_options(options)
    sample_rate = args.sample_rate

    def run() -> Any:
        # Wrapping the array is part of every MediaPipe call.
        return classifier.classify(AudioData.create_from_array(window, sample_rate))

    def top(results: Any) -> Top:
        # One result per window; the input is exactly one window.
        return [
            (c.index, c.category_name, float(c.score))
            for c in results[0].classifications[0].categories
        ]

    return run, top, version("mediapipe")


# Where each peer's result keeps its heads (for --consume).
HEADS: dict[str, Callable[[Any], Any]] = {
    "tflite-support": lambda result: result.classifications,
    "mediapipe": lambda results: results[0].classifications,
}


def consuming(classify: Callable[[], Any], heads: Callable[[Any], Any]) -> Callable[[], Any]:
    """``classify`` followed by reading every category, as a caller would."""

    def run() -> Any:
        return [(c.index, c.score) for h in heads(classify()) for c in h.categories]

    return run


RUNNERS: dict[str, Callable[[argparse.Namespace, np.ndarray], Runner]] = {
    "tflite-support": tflite_support_runner,
    "mediapipe": mediapipe_runner,
}


def serve(run: Callable[[], Any], out: TextIO) -> None:
    perf_counter = time.perf_counter
    for line in sys.stdin:
        command, _, count_text = line.strip().partition(" ")
        if command == "quit":
            return
        count = int(count_text or "0")
        if command == "warmup":
            for _ in range(count):
                run()
            reply: dict[str, Any] = {"ok": True}
        elif command == "time":
            times = [0.0] * count
            cpu0, wall0 = time.process_time(), perf_counter()
            for i in range(count):
                t0 = perf_counter()
                run()
                times[i] = perf_counter() - t0
            reply = {
                "times": times,
                "cpu_s": time.process_time() - cpu0,
                "wall_s": perf_counter() - wall0,
            }
        else:
            reply = {"error": f"unknown command {line.strip()!r}"}
        out.write(json.dumps(reply) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("peer", choices=sorted(RUNNERS))
    parser.add_argument("--model", required=True)
    parser.add_argument("--window", required=True, help=".npy file holding one float32 window")
    parser.add_argument("--sample-rate", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--max-results", type=int, required=True)
    parser.add_argument(
        "--consume", action="store_true", help="also read every category of each result"
    )
    args = parser.parse_args()
    out = _protocol_stream()
    try:
        window = np.ascontiguousarray(np.load(args.window), dtype=np.float32)
        run, top, version = RUNNERS[args.peer](args, window)
        first = top(run())
        if args.consume:
            run = consuming(run, HEADS[args.peer])
    except Exception:
        out.write(json.dumps({"error": traceback.format_exc()}) + "\n")
        return 1
    out.write(json.dumps({"ready": True, "top": first, "version": version}) + "\n")
    serve(run, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
