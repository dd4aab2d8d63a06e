"""Memory of 1 vs N workers, with and without the shared XNNPACK weight cache.

Each configuration runs in a fresh process: create the classifier, then
``classify_clip`` on seconds of noise with ``workers`` workers. Reported:

* peak RSS (``ru_maxrss``): what the kernel counts, a shared page once per
  mapping of it, so each worker's own mapping of the shared cache counts in
  full;
* peak PSS, sampled every few milliseconds from ``/proc/self/smaps_rollup``
  while the clip runs: a shared page divided among its mappings, so the
  memory actually in use.

    python benchmarks/bench_workers_memory.py --model birdnet --workers 1 2
    python benchmarks/bench_workers_memory.py --model path/to/m.tflite --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

_CHILD = r"""
import json, resource, sys, threading, time
import numpy as np
import audioclf
from audioclf import models

model, workers = sys.argv[1], int(sys.argv[2])
seconds, cache = float(sys.argv[3]), sys.argv[4] == "1"
spec = models.resolve_model(model)
options = audioclf.AudioClassifierOptions(
    base_options=audioclf.BaseOptions(file_name=spec.path, weight_cache=cache))
if spec.sample_rate:
    options.sample_rate = spec.sample_rate
if spec.label_file:
    options.label_file = spec.label_file
if spec.activation != "none":
    options.activation = spec.activation

def pss_kb():
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0

peak = [0]
done = threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], pss_kb())
        time.sleep(0.005)
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
t0 = time.perf_counter()
classifier = audioclf.AudioClassifier.create_from_options(options)
t_create = time.perf_counter() - t0
rate = classifier._classifier().required_audio_format.sample_rate
audio = (np.random.default_rng(0).standard_normal(int(seconds * rate)) * 0.1).astype(np.float32)
t0 = time.perf_counter()
windows = classifier.classify_clip(audio, rate, workers=workers)
t_clip = time.perf_counter() - t0
peak[0] = max(peak[0], pss_kb())
done.set()
sampler.join()
print(json.dumps({
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "peak_pss_mb": peak[0] / 1024,
    "create_s": t_create, "clip_s": t_clip, "windows": len(windows),
}))
"""


def _run(model: str, workers: int, seconds: float, cache: bool) -> dict:
    env = dict(os.environ)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, model, str(workers), str(seconds), "1" if cache else "0"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-4000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="birdnet", help="a registry name or a .tflite path")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f}")
    print("cache workers  peak RSS  peak PSS  create   clip")
    for cache in (False, True):
        rows = {}
        for workers in args.workers:
            r = rows[workers] = _run(args.model, workers, args.seconds, cache)
            print(
                f"{'on ' if cache else 'off'}   {workers:7d} {r['peak_rss_mb']:7.0f} MB"
                f" {r['peak_pss_mb']:6.0f} MB {r['create_s']:6.2f} s {r['clip_s']:6.2f} s"
            )
        first = rows[args.workers[0]]
        for workers in args.workers[1:]:
            r = rows[workers]
            print(
                f"      {workers} vs {args.workers[0]} workers: RSS "
                f"{r['peak_rss_mb'] / first['peak_rss_mb']:.2f}x, PSS "
                f"{r['peak_pss_mb'] / first['peak_pss_mb']:.2f}x"
            )


if __name__ == "__main__":
    main()
