"""Argument types shared by the commands: each bad value names what was expected.

argparse turns the ArgumentTypeError into "argument --name: <message>", exit 2.
"""

from __future__ import annotations

import argparse
import math
import os

# The C++ resampler profiles (audioclf._core.Resampler, ParseResamplerProfile).
RESAMPLERS = ("hq", "kaiser", "mediapipe")

MAX_THREADS = 64
MAX_SAMPLE_RATE = 768_000
MAX_WORKERS = 4 * (os.cpu_count() or 1)


def _integer(text: str, expected: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None


def top_k(text: str) -> int:
    expected = "an integer > 0, or -1 for all"
    value = _integer(text, expected)
    if value == 0 or value < -1:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
    return value


def workers(text: str) -> int:
    expected = f"an integer from 1 to {MAX_WORKERS} (4 per core), or 0 for one per core"
    value = _integer(text, expected)
    if not 0 <= value <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
    return value


def threads(text: str) -> int:
    expected = f"an integer from 1 to {MAX_THREADS}, or -1 for LiteRT's default"
    value = _integer(text, expected)
    if value != -1 and not 1 <= value <= MAX_THREADS:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
    return value


def sample_rate(text: str) -> int:
    expected = f"a sample rate in Hz from 1 to {MAX_SAMPLE_RATE}"
    value = _integer(text, expected)
    if not 1 <= value <= MAX_SAMPLE_RATE:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
    return value


def score(text: str) -> float:
    expected = "a score from 0 to 1"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if not 0 <= value <= 1:  # also refuses nan
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


PLOT_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".jpg": "jpg", ".jpeg": "jpg"}


def plot_file(text: str) -> str:
    if os.path.splitext(text)[1].lower() not in PLOT_FORMATS:
        raise argparse.ArgumentTypeError(
            f"expected a file name ending in .png, .svg, .pdf or .jpg, got {text!r}"
        )
    return text


def seconds(text: str) -> float:
    """A finite number of seconds > 0."""
    expected = "a number of seconds > 0"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value
