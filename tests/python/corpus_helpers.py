"""Small corpora for the corpus tests: a BirdNET-like model and generated WAV files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from model_builder import Head, build_model
from test_cli import write_wav

LABELS = [
    "Turdus merula_Eurasian Blackbird",
    "Parus major_Great Tit",
    "Junco hyemalis_Dark-eyed Junco",
    "Engine_Engine",
]
WINDOW = 1600  # 0.1 s at 16 kHz


def birdlike_model(path: Path) -> str:
    """4 sigmoid classes with BirdNET-style labels; scores follow the window's mean level."""
    n = WINDOW
    weights = np.stack(
        [np.full(n, 6 / n), np.full(n, -6 / n), np.full(n, 3 / n), np.full(n, 0.5 / n)]
    ).astype(np.float32)
    head = Head(
        num_classes=4,
        name="species",
        activation="sigmoid",
        labels=LABELS,
        weights=weights,
        bias=np.zeros(4, dtype=np.float32),
    )
    path.write_bytes(build_model(n, [head]))
    return str(path)


def corpus(folder: Path, count: int, seconds: float = 0.5) -> list[str]:
    """``count`` WAVs in two subfolders, each a different sequence of levels."""
    files = []
    for i in range(count):
        sub = folder / ("north" if i % 2 else "south")
        sub.mkdir(parents=True, exist_ok=True)
        steps = int(seconds * 10)
        levels = np.sin(np.arange(steps) * (0.7 + 0.31 * i)) * 0.9
        files.append(str(write_wav(sub / f"rec{i:03d}.wav", np.repeat(levels, WINDOW))))
    return files


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audioclf.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def tree(folder: Path, skip_prefix: str = "audioclf-manifest") -> dict[str, bytes]:
    """Every file below ``folder`` (relative path -> bytes), but the manifests."""
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            if not name.startswith(skip_prefix):
                path = Path(root) / name
                found[str(path.relative_to(folder))] = path.read_bytes()
    return found
