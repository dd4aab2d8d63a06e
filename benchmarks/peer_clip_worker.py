"""Classifies whole WAV files with one reference implementation, over stdin/stdout.

Runs inside a peer venv (benchmarks/.peers*), so it needs only the standard
library, numpy and the peer package. bench_long.py starts it once per peer,
then asks it to classify files; one JSON object per line:

    -> "run PATH"   <- {"windows": n, "read_s": .., "wall_s": .., "cpu_s": ..,
                        "top": [[[index, score], ...] per window], "peak_rss_mb": ..}
    -> "quit"

On start it prints {"ready": true, "version": "..."}, or {"error": "..."};
a failed run answers {"error": "..."} and the worker stays usable.

Each peer is driven the way its API is meant for a recording:
- MediaPipe (AUDIO_CLIPS): the whole file as one array, one classify() call
  that splits it into non-overlapping windows (the last zero-padded).
- tflite-support: a loop over the file, one window at a time:
  TensorAudio.load_from_array + classify (the last window zero-padded, so the
  windows are the same as MediaPipe's and audioclf's).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import traceback
import wave
from collections.abc import Callable
from typing import Any

import numpy as np
from peer_worker import _protocol_stream  # same directory: keeps native stdout off the protocol

# The same int16 -> float32 scale as audioclf's PCM conversion (a power of
# two, so multiplying is exact and the floats are bit-identical).
SCALE = np.float32(1.0 / 32768.0)

Tops = list[list[tuple[int, float]]]  # per window: (index, score) by descending score
ClassifyFile = Callable[[str], tuple[Tops, float]]  # -> tops per window, read seconds


def _tops(categories: Any) -> list[tuple[int, float]]:
    return [(c.index, float(c.score)) for c in categories]


def _open_wav(path: str) -> wave.Wave_read:
    wav = wave.open(path, "rb")
    if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
        raise ValueError(f"{path}: expected 16-bit mono PCM")
    return wav


def tflite_support_runner(args: argparse.Namespace) -> tuple[ClassifyFile, str]:
    from importlib.metadata import version

    from tflite_support.task import audio, core, processor

    options = audio.AudioClassifierOptions(
        base_options=core.BaseOptions(file_name=args.model, num_threads=args.threads),
        classification_options=processor.ClassificationOptions(max_results=args.max_results),
    )
    classifier = audio.AudioClassifier.create_from_options(options)
    tensor = classifier.create_input_tensor_audio()
    frames = classifier.required_input_buffer_size  # mono model: frames == samples

    def run(path: str) -> tuple[Tops, float]:
        tops: Tops = []
        window = np.zeros((frames, 1), dtype=np.float32)
        read_s = 0.0
        with _open_wav(path) as wav:
            while True:
                t0 = time.perf_counter()
                # Read one window at a time: a loop needs no more than that.
                pcm = np.frombuffer(wav.readframes(frames), dtype=np.int16)
                if pcm.size == 0:
                    break
                window[: pcm.size, 0] = pcm
                window[: pcm.size, 0] *= SCALE
                window[pcm.size :] = 0.0  # zero-pad the last window, like the others
                read_s += time.perf_counter() - t0
                tensor.load_from_array(window)
                tops.append(_tops(classifier.classify(tensor).classifications[0].categories))
        return tops, read_s

    return run, version("tflite-support")


def mediapipe_runner(args: argparse.Namespace) -> tuple[ClassifyFile, str]:
    from importlib.metadata import version

    from mediapipe.tasks.python import audio
    from mediapipe.tasks.python.components.containers.audio_data import AudioData
    from mediapipe.tasks.python.core.base_options import BaseOptions

    # No thread option in MediaPipe's Python API (XNNPACK default: 1 on Linux).
    options = audio.AudioClassifierOptions(
        base_options=BaseOptions(model_asset_path=args.model),
        max_results=args.max_results,
        running_mode=audio.RunningMode.AUDIO_CLIPS,
    )
    classifier = audio.AudioClassifier.create_from_options(options)

    def run(path: str) -> tuple[Tops, float]:
        t0 = time.perf_counter()
        # AUDIO_CLIPS takes the whole recording as one array.
        with _open_wav(path) as wav:
            rate = wav.getframerate()
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
        clip = samples.astype(np.float32) * SCALE
        del samples
        read_s = time.perf_counter() - t0
        results = classifier.classify(AudioData.create_from_array(clip, rate))
        return [_tops(r.classifications[0].categories) for r in results], read_s

    return run, version("mediapipe")


RUNNERS: dict[str, Callable[[argparse.Namespace], tuple[ClassifyFile, str]]] = {
    "tflite-support": tflite_support_runner,
    "mediapipe": mediapipe_runner,
}


def run_file(run: ClassifyFile, path: str) -> dict[str, Any]:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    tops, read_s = run(path)
    wall_s = time.perf_counter() - wall0
    return {
        "windows": len(tops),
        "read_s": read_s,
        "wall_s": wall_s,
        "cpu_s": time.process_time() - cpu0,
        "top": tops,
        # ru_maxrss is in KiB on Linux; the process's peak so far.
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("peer", choices=sorted(RUNNERS))
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-results", type=int, default=3)
    args = parser.parse_args()
    out = _protocol_stream()
    try:
        run, peer_version = RUNNERS[args.peer](args)
    except Exception:
        out.write(json.dumps({"error": traceback.format_exc()}) + "\n")
        return 1
    out.write(json.dumps({"ready": True, "version": peer_version}) + "\n")
    for line in sys.stdin:
        command, _, path = line.strip().partition(" ")
        if command == "quit":
            break
        try:
            if command != "run":
                raise ValueError(f"unknown command {line.strip()!r}")
            reply = run_file(run, path)
        except BaseException as error:  # MemoryError included: the caller falls back
            if isinstance(error, KeyboardInterrupt):
                raise
            reply = {"error": traceback.format_exc()}
        out.write(json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
