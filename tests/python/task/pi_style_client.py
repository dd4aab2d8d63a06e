"""A live client in the style of the Raspberry Pi audio-classification example
(written for tflite-support), on audioclf.task: the classifier's own record
and tensor, an inference every half window, the top categories each time.

Run by test_task_live.py in a subprocess whose HOME holds an .asoundrc that
makes the default capture device a virtual one (see capture_helper.py).
Prints one JSON object per inference.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from audioclf.task import audio, core, processor


def run(model: str, max_results: int, overlap: float, seconds: float) -> None:
    options = audio.AudioClassifierOptions(
        base_options=core.BaseOptions(file_name=model, use_coral=False, num_threads=4),
        classification_options=processor.ClassificationOptions(
            max_results=max_results, score_threshold=0.0
        ),
    )
    classifier = audio.AudioClassifier.create_from_options(options)
    record = classifier.create_audio_record()
    tensor = classifier.create_input_tensor_audio()

    window_seconds = len(tensor.buffer) / tensor.format.sample_rate
    interval = window_seconds * (1 - overlap)
    started = last = time.time()
    record.start_recording()
    try:
        while time.time() - started < seconds:
            now = time.time()
            if now - last < interval:
                time.sleep(interval * 0.1)
                continue
            last = now
            tensor.load_from_audio_record(record)
            result = classifier.classify(tensor)
            top = result.classifications[0].categories
            line = {"t": now - started, "top": [[c.category_name, c.score] for c in top]}
            sys.stdout.write(json.dumps(line) + "\n")
            sys.stdout.flush()
    finally:
        record.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--max-results", type=int, default=3)
    parser.add_argument("--overlap", type=float, default=0.5)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    run(args.model, args.max_results, args.overlap, args.seconds)


if __name__ == "__main__":
    main()
