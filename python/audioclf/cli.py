"""The ``audioclf`` command line: ``classify`` and ``info``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

from audioclf import _core
from audioclf._core import AudioClassifierOptions, BaseOptions, ClassificationOptions
from audioclf.audio_classifier import AudioClassifier


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audioclf", description="Classify audio with a TFLite model on LiteRT."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    classify = commands.add_parser(
        "classify", help="classify each consecutive model window of a WAV file"
    )
    classify.add_argument("audio", help="a WAV file")
    classify.add_argument("--model", required=True, help="a .tflite audio classifier")
    classify.add_argument(
        "--top-k", type=int, default=3, help="categories shown per head (default 3)"
    )
    classify.add_argument("--threshold", type=float, default=None, help="minimum score")
    classify.add_argument("--locale", default="en", help="locale of display names (default en)")
    classify.add_argument("--threads", type=int, default=-1, help="inference threads")
    classify.add_argument(
        "--sample-rate", type=int, default=0, help="sample rate of a model without metadata"
    )
    classify.add_argument("--labels", default=None, help="label file for a model without labels")

    info = commands.add_parser("info", help="describe a model")
    info.add_argument("model", help="a .tflite audio classifier")
    info.add_argument("--sample-rate", type=int, default=0, help="for a model without metadata")
    return parser


def _create(args: argparse.Namespace, **classification: object) -> AudioClassifier:
    options = AudioClassifierOptions(
        base_options=BaseOptions(file_name=args.model, num_threads=getattr(args, "threads", -1)),
        classification_options=ClassificationOptions(**classification),
        sample_rate=args.sample_rate,
        label_file=getattr(args, "labels", None),
    )
    return AudioClassifier.create_from_options(options)


def _format_categories(categories: Sequence[_core.Category]) -> str:
    shown = []
    for category in categories:
        name = category.display_name or category.category_name or f"#{category.index}"
        shown.append(f"{name} {category.score:.3f}")
    return ", ".join(shown) if shown else "-"


def _classify(args: argparse.Namespace) -> int:
    if args.top_k == 0 or args.top_k < -1:
        raise ValueError(f"--top-k: must be > 0 or -1 (all), got {args.top_k}")
    classifier = _create(
        args,
        max_results=args.top_k,
        score_threshold=args.threshold,
        display_names_locale=args.locale,
    )
    with classifier:
        fmt = classifier.required_audio_format
        reader = _core.WavReader(args.audio)
        info = reader.info
        if info.sample_rate != fmt.sample_rate:
            raise ValueError(
                f"{args.audio}: sample rate is {info.sample_rate} Hz, the model expects "
                f"{fmt.sample_rate} Hz"
            )
        if info.channels != fmt.channels:
            raise ValueError(
                f"{args.audio}: has {info.channels} channel(s), the model expects {fmt.channels}"
            )
        window = classifier.window_frames
        padded = np.zeros((window, fmt.channels), dtype=np.float32)
        out = sys.stdout
        for start in range(0, max(int(info.frame_count), 1), window):
            frames = reader.read(start, window)
            if len(frames) < window:  # the last window is zero-padded
                padded[:] = 0
                padded[: len(frames)] = frames
                frames = padded
            result = classifier.classify(frames)
            time = start / fmt.sample_rate
            heads = result.classifications
            if len(heads) == 1:
                out.write(f"{time:9.3f}s  {_format_categories(heads[0].categories)}\n")
            else:
                out.write(f"{time:9.3f}s\n")
                for head in heads:
                    name = head.head_name or f"head {head.head_index}"
                    out.write(f"    {name}: {_format_categories(head.categories)}\n")
    return 0


def _info(args: argparse.Namespace) -> int:
    classifier = _create(args)
    with classifier:
        d = classifier.description
        fmt = d.audio_format
        print(f"model:        {d.source}")
        if d.name or d.version:
            print(f"name:         {d.name} {d.version}".rstrip())
        print(f"metadata:     {'yes' if d.has_metadata else 'no'}")
        print(
            f"input:        {d.input_samples} samples = {classifier.window_frames} frames x "
            f"{fmt.channels} channel(s) at {fmt.sample_rate} Hz "
            f"({classifier.window_frames / fmt.sample_rate:.3f} s)"
        )
        print(f"locales:      {', '.join(d.locales) if d.locales else '-'}")
        for i, (head, tensor) in enumerate(zip(d.heads, d.outputs)):
            quant = f", quantized {tensor.quantization}" if tensor.quantization else ""
            print(
                f"head {i}:       {head.name or '-'}: {tensor.type}{list(tensor.shape)}{quant}, "
                f"{len(head.labels)} labels, calibration {'yes' if head.has_calibration else 'no'}"
                f", threshold {head.score_threshold:g}"
            )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``audioclf`` console script; returns the exit code."""
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "classify":
            return _classify(args)
        return _info(args)
    except (ValueError, RuntimeError, OSError) as error:
        print(f"audioclf: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
