"""Checks an untrusted model in a child process before a service uses it.

The core validates every model's graph before LiteRT sees it, but LiteRT's
kernels can still fail in ways no validation rules out (a computed shape
that is enormous, a kernel bug). :func:`check_model` loads the model and
classifies one window of silence and one of noise in a separate process with
a memory cap and a deadline, so whatever happens there cannot take the
caller down. ``audioclf check MODEL`` prints the same report.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_BYTES = 2 << 30

# Runs in the child: one JSON line on stdout, whatever happens that Python sees.
_CHILD = r"""
import json, math, sys, time
import numpy as np
import audioclf
from audioclf import AudioClassifierOptions, BaseOptions, ClassificationOptions

path, sample_rate = sys.argv[1], int(sys.argv[2])
report = {"status": "error"}
try:
    options = AudioClassifierOptions(
        base_options=BaseOptions(file_name=path),
        classification_options=ClassificationOptions(max_results=3),
    )
    if sample_rate > 0:
        options.sample_rate = sample_rate
    start = time.perf_counter()
    with audioclf.AudioClassifier.create_from_options(options) as classifier:
        report["load_ms"] = (time.perf_counter() - start) * 1e3
        fmt = classifier.required_audio_format
        report["sample_rate"] = fmt.sample_rate
        report["channels"] = fmt.channels
        report["window_frames"] = classifier.window_frames
        shape = (classifier.window_frames, fmt.channels)
        noise = np.random.default_rng(0).uniform(-0.5, 0.5, shape).astype(np.float32)
        heads = []
        for samples in (np.zeros(shape, np.float32), noise):
            start = time.perf_counter()
            result = classifier.classify(samples[:, 0] if fmt.channels == 1 else samples)
            report["classify_ms"] = (time.perf_counter() - start) * 1e3
            heads = [
                {
                    "head_index": h.head_index,
                    "head_name": h.head_name,
                    "top": [[c.index, c.category_name, c.score] for c in h.categories],
                }
                for h in result.classifications
            ]
            for h in heads:
                for _, _, score in h["top"]:
                    if not math.isfinite(score):
                        raise RuntimeError(f"{path}: the model produced a non-finite score")
        report["heads"] = heads
        report["status"] = "ok"
except (ValueError, RuntimeError) as error:
    report["error_type"] = type(error).__name__
    report["message"] = str(error)
import resource
report["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(report), flush=True)
"""


@dataclass
class CheckReport:
    """What happened when the model was loaded and run in a child process.

    ``status`` is ``ok``, ``error`` (a ValueError or RuntimeError with
    ``message``), ``crashed`` (the child died: ``signal`` and LiteRT's last
    lines in ``message``), ``timeout`` or ``memory`` (over the cap).
    """

    path: str
    status: str
    message: str = ""
    error_type: str = ""
    signal: str = ""
    sample_rate: int = 0
    channels: int = 0
    window_frames: int = 0
    load_ms: float = 0.0
    classify_ms: float = 0.0
    peak_rss_bytes: int = 0
    heads: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _limit_memory(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def check_model(
    path: str | os.PathLike[str],
    *,
    sample_rate: int = 0,
    timeout: float = DEFAULT_TIMEOUT_S,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
) -> CheckReport:
    """Loads ``path`` and classifies two windows in a child process.

    ``sample_rate`` is for models without metadata. The child gets at most
    ``memory_bytes`` of address space and ``timeout`` seconds; the caller is
    never affected by what the model does.
    """
    name = os.fspath(path)
    if not (isinstance(timeout, (int, float)) and 0 < timeout <= 3600):
        raise ValueError(f"timeout must be in (0, 3600] seconds, got {timeout!r}")
    if not (isinstance(memory_bytes, int) and (256 << 20) <= memory_bytes <= (64 << 30)):
        raise ValueError(f"memory_bytes must be in [256 MiB, 64 GiB], got {memory_bytes!r}")
    if not Path(name).is_file():
        what = "does not exist" if not os.path.lexists(name) else "is not a regular file"
        return CheckReport(name, "error", f"{name}: {what}", "ValueError")
    env = dict(os.environ)
    env.setdefault("PYTHONFAULTHANDLER", "1")
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, name, str(int(sample_rate))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        preexec_fn=lambda: _limit_memory(memory_bytes),
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return CheckReport(
            name, "timeout", f"{name}: no result within {timeout:g} s (load and two windows)"
        )
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss * 1024
    lines = out.decode("utf-8", "replace").strip().splitlines()
    stderr_tail = "\n".join(err.decode("utf-8", "replace").strip().splitlines()[-5:])
    if proc.returncode == 0 and lines:
        data = json.loads(lines[-1])
        report = CheckReport(name, data.pop("status"), peak_rss_bytes=peak)
        for key, value in data.items():
            setattr(report, key, value)
        return report
    if proc.returncode < 0:
        sig = signal.Signals(-proc.returncode).name
        return CheckReport(
            name,
            "crashed",
            f"{name}: the model crashed the runtime ({sig})\n{stderr_tail}",
            signal=sig,
            peak_rss_bytes=peak,
        )
    if "MemoryError" in stderr_tail or "std::bad_alloc" in stderr_tail:
        return CheckReport(
            name,
            "memory",
            f"{name}: needs more than {memory_bytes >> 20} MiB",
            peak_rss_bytes=peak,
        )
    return CheckReport(
        name,
        "crashed",
        f"{name}: the check process exited with status {proc.returncode}\n{stderr_tail}",
        peak_rss_bytes=peak,
    )
