"""Writes the small deterministic test fixtures in tests/data/ used by the C++ tests.

Usage: python tests/data/make_fixtures.py [--check]
With --check nothing is written; the exit status says whether the files on
disk equal what this script would write.
"""

from __future__ import annotations

import io
import sys
import wave
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(DATA_DIR.parent / "python"))

from model_builder import Head, build_model, deterministic_uniform  # noqa: E402

LOUDNESS_EN = ["quiet", "moderate", "loud"]
LOUDNESS_FR = ["calme", "modéré", "fort"]
SOUND_TYPE_EN = ["silence", "tone", "noise", "voice"]
SOUND_TYPE_FR = ["silence", "tonalité", "bruit", "voix"]
NATO = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
ANIMALS_EN = ["dog", "cat", "bird", "car", "rain"]
ANIMALS_ES = ["perro", "gato", "pájaro", "coche", "lluvia"]

# Heads per fixture, so that tests (and the lead) can recompute expected scores
# with model_builder.reference_scores(FIXTURES[name][1], samples).
FIXTURES: dict[str, tuple[int, list[Head], dict]] = {
    "tiny_two_heads.tflite": (
        1600,
        [
            Head(
                3,
                name="loudness",
                activation="sigmoid",
                labels=LOUDNESS_EN,
                labels_locale="en",
                display_names={"fr": LOUDNESS_FR},
                calibration=("INVERSE_LOGISTIC", 0.2, ["1.0,2.0,0.5", "", "0.9,1.5,-0.2,0.3"]),
            ),
            Head(
                4,
                name="sound_type",
                activation="softmax",
                labels=SOUND_TYPE_EN,
                labels_locale="en",
                display_names={"fr": SOUND_TYPE_FR},
                score_threshold=0.1,
            ),
        ],
        {"model_name": "tiny_two_heads"},
    ),
    "tiny_uint8.tflite": (
        800,
        [
            Head(
                6,
                name="probability",
                activation="softmax",
                labels=NATO,
                quantize=("uint8", 1.0 / 256, 0),
            )
        ],
        {"model_name": "tiny_uint8"},
    ),
    "tiny_softmax.tflite": (
        400,
        [
            Head(
                5,
                name="probability",
                activation="softmax",
                labels=ANIMALS_EN,
                labels_locale="en",
                display_names={"es": ANIMALS_ES},
            )
        ],
        {"model_name": "tiny_softmax"},
    ),
    "tiny_no_metadata.tflite": (
        400,
        [Head(3, activation="softmax")],
        {"with_metadata": False},
    ),
}

TONE_RATE = 16000


def tone_wav() -> bytes:
    """16 kHz mono s16: 0.25 s of 440 Hz, amplitude 0.5, then 0.25 s of noise (seed 0, peak 0.5)."""
    n = TONE_RATE // 4
    tone = 0.5 * np.sin(2 * np.pi * 440.0 * np.arange(n) / TONE_RATE)
    noise = 0.5 * deterministic_uniform((0,), n)
    pcm = np.round(np.concatenate([tone, noise]) * 32767).astype("<i2")
    bio = io.BytesIO()
    with wave.open(bio, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(TONE_RATE)
        w.writeframes(pcm.tobytes())
    return bio.getvalue()


def fixture_bytes() -> dict[str, bytes]:
    """File name -> exact bytes of every fixture."""
    out = {name: build_model(n, heads, **kwargs) for name, (n, heads, kwargs) in FIXTURES.items()}
    out["tiny_tone.wav"] = tone_wav()
    return out


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, data in fixture_bytes().items():
        path = DATA_DIR / name
        if check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.write_bytes(data)
            print(f"wrote {path} ({len(data)} bytes)")
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
