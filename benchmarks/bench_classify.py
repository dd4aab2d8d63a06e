"""Per-window latency of audioclf against the bare LiteRT C API, the
ai_edge_litert Interpreter, tflite-support 0.4.4 and MediaPipe 1.2.2.

All paths classify the same window with the same thread count in one run.
Rounds of calls are interleaved round-robin (rotating the order) so drift on
a noisy machine hits every path alike; ratios are taken per round, then the
median over rounds. See benchmarks/README.md.

    python benchmarks/bench_classify.py [--threads 1] [--repeats 200] [--no-peers] [--task]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from peers import PeerProcess

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"  # <repo>/../shared
DEFAULT_MODEL = SHARED / "models" / "yamnet_audio_classifier_with_metadata.tflite"
DEFAULT_AUDIO = SHARED / "audio" / "speech.wav"
TARGET_RATIO = 1.03  # audioclf per window vs the bare C API run
SHOWN = 3  # top classes printed by the sanity check

AUDIOCLF_NP = "audioclf classify(np)"
AUDIOCLF_TENSOR = "audioclf load+classify(TensorAudio)"
BARE = "bare C API memcpy+run"
# A second, identical bare engine: its ratio to the first is the noise floor
# of the comparison (memory placement, the machine), not an overhead.
BARE_AGAIN = "bare C API, second engine"
INTERPRETER = "Interpreter set+invoke+get"
TFLITE_SUPPORT = "tflite-support load+classify"
MEDIAPIPE = "MediaPipe classify(AudioData)"
AUDIOCLF_MP = "audioclf.mp classify(AudioData)"
AUDIOCLF_TASK = "audioclf.task load+classify"  # --task
TASK_RATIO = 1.03  # audioclf.task's wrappers vs audioclf's own TensorAudio path


class Timed(Protocol):
    """A path the rounds can drive: in this process or in a peer worker."""

    def warmup(self, count: int) -> None: ...

    def measure(self, count: int) -> tuple[list[float], float, float]: ...


@dataclass
class InProcess:
    call: Callable[[], Any]

    def warmup(self, count: int) -> None:
        for _ in range(count):
            self.call()

    def measure(self, count: int) -> tuple[list[float], float, float]:
        call, perf_counter = self.call, time.perf_counter
        times = [0.0] * count
        cpu0, wall0 = time.process_time(), perf_counter()
        for i in range(count):
            t0 = perf_counter()
            call()
            times[i] = perf_counter() - t0
        return times, time.process_time() - cpu0, perf_counter() - wall0


@dataclass
class Engines:
    """One path on several engines of its own: each timed round splits its
    calls among them, so where one engine's memory happened to land (worth a
    few percent on this machine) does not decide a ratio."""

    calls: list[Callable[[], Any]]

    def warmup(self, count: int) -> None:
        for call in self.calls:
            InProcess(call).warmup(count)

    def measure(self, count: int) -> tuple[list[float], float, float]:
        times: list[float] = []
        cpu = wall = 0.0
        share, extra = divmod(count, len(self.calls))
        for i, call in enumerate(self.calls):
            t, c, w = InProcess(call).measure(share + (1 if i < extra else 0))
            times += t
            cpu += c
            wall += w
        return times, cpu, wall


@dataclass
class PathStats:
    name: str
    threads: str  # the thread count asked for, or why it could not be
    rounds: list[list[float]] = field(default_factory=list)  # seconds per call
    cpu_s: float = 0.0
    wall_s: float = 0.0

    @property
    def all_ms(self) -> np.ndarray:
        return np.concatenate([np.asarray(r) for r in self.rounds]) * 1e3

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.all_ms, q))

    def round_medians(self) -> list[float]:
        return [statistics.median(r) * 1e3 for r in self.rounds]

    def summary(self) -> dict[str, Any]:
        return {
            "threads": self.threads,
            "calls": int(self.all_ms.size),
            "median_ms": self.percentile(50),
            "p10_ms": self.percentile(10),
            "p90_ms": self.percentile(90),
            "cpu_per_wall": self.cpu_s / self.wall_s if self.wall_s else None,
            "round_medians_ms": self.round_medians(),
        }


def paired_ratio(a: PathStats, b: PathStats) -> dict[str, float]:
    """a/b per round (the two ran back to back), then summarised over rounds."""
    ratios = [x / y for x, y in zip(a.round_medians(), b.round_medians())]
    return {
        "median": statistics.median(ratios),
        "min": min(ratios),
        "max": max(ratios),
        # Fast calls are the ones other processes left alone: a quiet-machine view.
        "p10": a.percentile(10) / b.percentile(10),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="threads for every path")
    parser.add_argument("--repeats", type=int, default=200, help="timed calls per path per round")
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds")
    parser.add_argument("--warmup", type=int, default=50, help="untimed calls per path first")
    parser.add_argument(
        "--switch-warmup",
        type=int,
        default=10,
        help="untimed calls before each round, so a path starts with warm caches",
    )
    parser.add_argument(
        "--engines",
        type=int,
        default=3,
        help="engines each of the audioclf and bare paths is spread over (default 3)",
    )
    parser.add_argument("--max-results", type=int, default=3, help="for every classifier")
    parser.add_argument(
        "--consume",
        action="store_true",
        help="classifier paths also read every returned category's index and score",
    )
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--audio", type=Path, default=DEFAULT_AUDIO)
    parser.add_argument("--no-peers", action="store_true", help="skip tflite-support, MediaPipe")
    parser.add_argument(
        "--task",
        action="store_true",
        help="also time audioclf.task (the tflite-support API: dataclass results)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also save results here")
    args = parser.parse_args(argv)
    if args.threads < 1 or args.repeats < 1 or args.rounds < 1:
        parser.error("--threads, --repeats and --rounds must be >= 1")
    for what, path in (("model", args.model), ("audio", args.audio)):
        if not path.is_file():
            parser.error(
                f"{what} not found: {path}\n(expected the project's shared files at "
                f"{SHARED}; pass --{what} PATH. This benchmark never downloads anything.)"
            )
    return args


def load_window(path: Path, frames: int, channels: int, sample_rate: int) -> np.ndarray:
    """The first window of ``path`` as C-contiguous float32: (frames,) when
    mono, else (frames, channels); zero-padded if the file is shorter."""
    import soundfile

    data, rate = soundfile.read(str(path), frames=frames, dtype="float32", always_2d=True)
    if rate != sample_rate:
        print(f"warning: {path.name} is {rate} Hz, the model expects {sample_rate} Hz")
    if data.shape[1] != channels:
        if channels != 1:
            raise SystemExit(f"{path.name} has {data.shape[1]} channels, the model {channels}")
        data = data.mean(axis=1, keepdims=True)
    window = np.zeros((frames, channels), dtype=np.float32)
    window[: len(data)] = data
    return np.ascontiguousarray(window[:, 0] if channels == 1 else window)


def top_k(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    flat = scores.ravel()
    order = np.argsort(-flat, kind="stable")[:k]
    return [(int(i), float(flat[i])) for i in order]


def fmt_top(top: list[tuple[Any, ...]]) -> str:
    return ", ".join(f"{t[0]}:{t[-1]:.4f}" for t in top[:SHOWN])


def read_categories(result: Any) -> list[tuple[int, float]]:
    """What a caller does with a result (--consume): read every category."""
    return [(c.index, c.score) for head in result.classifications for c in head.categories]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import audioclf
    from ai_edge_litert.interpreter import Interpreter
    from audioclf._runtime import find_litert_library
    from bare_litert import BareLiteRt

    threads = args.threads
    if args.engines < 1:
        raise SystemExit("--engines: must be >= 1")
    classifiers = [
        audioclf.AudioClassifier.create_from_options(
            audioclf.AudioClassifierOptions(
                base_options=audioclf.BaseOptions(file_name=str(args.model), num_threads=threads),
                classification_options=audioclf.ClassificationOptions(max_results=args.max_results),
            )
        )
        for _ in range(args.engines)
    ]
    classifier = classifiers[0]
    fmt = classifier.required_audio_format
    window = load_window(args.audio, classifier.window_frames, fmt.channels, fmt.sample_rate)
    tensors = [c.create_input_tensor_audio() for c in classifiers]
    tensor = tensors[0]

    def audioclf_np_on(c: Any) -> Callable[[], Any]:
        if args.consume:
            return lambda: read_categories(c.classify(window))
        # partial: no Python frame of ours between the timer and audioclf.
        return partial(c.classify, window)

    # audioclf's MediaPipe-compatible API on the same window (its LiteRT
    # default: one thread), against which classify(np) must stay within 3%.
    from audioclf.mediapipe import BaseOptions as MpBaseOptions
    from audioclf.mediapipe import audio as mp_audio
    from audioclf.mediapipe.components.containers import AudioData

    mp_classifier = mp_audio.AudioClassifier.create_from_options(
        mp_audio.AudioClassifierOptions(
            base_options=MpBaseOptions(model_asset_path=str(args.model)),
            max_results=args.max_results,
        )
    )
    mp_window = AudioData.create_from_array(window, fmt.sample_rate)

    def audioclf_mp() -> Any:
        (result,) = mp_classifier.classify(mp_window)
        return read_categories(result) if args.consume else result

    def audioclf_tensor_on(c: Any, t: Any) -> Callable[[], Any]:
        def call() -> Any:
            # A TensorAudio caller loads each window, then classifies.
            t.load_from_array(window)
            result = c.classify(t)
            return read_categories(result) if args.consume else result

        return call

    library = find_litert_library()
    bares = [BareLiteRt(library, args.model, threads) for _ in range(2 * args.engines)]
    bare = bares[0]
    # One window per engine: a runner keeps only its window's address.
    bare_windows = [np.ascontiguousarray(window.reshape(bare.inputs[0].shape)) for _ in bares]
    runners = [b.make_runner(w) for b, w in zip(bares, bare_windows)]

    interpreter = Interpreter(model_path=str(args.model), num_threads=threads)
    interpreter.allocate_tensors()
    in_index = interpreter.get_input_details()[0]["index"]
    out_index = interpreter.get_output_details()[0]["index"]
    interp_window = np.ascontiguousarray(
        window.reshape(interpreter.get_input_details()[0]["shape"])
    )

    def interpreter_call() -> np.ndarray:
        interpreter.set_tensor(in_index, interp_window)
        interpreter.invoke()
        return interpreter.get_tensor(out_index)

    paths: dict[str, Timed] = {
        AUDIOCLF_NP: Engines([audioclf_np_on(c) for c in classifiers]),
        AUDIOCLF_TENSOR: Engines([audioclf_tensor_on(c, t) for c, t in zip(classifiers, tensors)]),
        AUDIOCLF_MP: InProcess(audioclf_mp),
        BARE: Engines(runners[: args.engines]),
        BARE_AGAIN: Engines(runners[args.engines :]),
        INTERPRETER: InProcess(interpreter_call),
    }
    if args.task:
        from audioclf.task import audio as task_audio
        from audioclf.task import core as task_core
        from audioclf.task import processor as task_processor

        task_classifier = task_audio.AudioClassifier.create_from_options(
            task_audio.AudioClassifierOptions(
                task_core.BaseOptions(file_name=str(args.model), num_threads=threads),
                task_processor.ClassificationOptions(max_results=args.max_results),
            )
        )
        task_tensor = task_classifier.create_input_tensor_audio()

        def audioclf_task() -> Any:
            task_tensor.load_from_array(window)
            result = task_classifier.classify(task_tensor)
            return read_categories(result) if args.consume else result

        paths[AUDIOCLF_TASK] = InProcess(audioclf_task)
    thread_notes = {name: str(threads) for name in paths}
    thread_notes[AUDIOCLF_MP] = "1"  # MediaPipe's options have no thread count

    # Sanity: every path must agree on the top class before any timing.
    first = classifier.classify(window).classifications[0].categories
    tensor.load_from_array(window)
    tops: dict[str, list[tuple[Any, ...]]] = {
        AUDIOCLF_NP: [(c.index, c.category_name, c.score) for c in first],
        AUDIOCLF_TENSOR: [
            (c.index, c.category_name, c.score)
            for c in classifier.classify(tensor).classifications[0].categories
        ],
        INTERPRETER: top_k(interpreter_call(), SHOWN),
        AUDIOCLF_MP: [
            (c.index, c.category_name, c.score)
            for c in mp_classifier.classify(mp_window)[0].classifications[0].categories
        ],
    }
    if args.task:
        tops[AUDIOCLF_TASK] = [
            (c.index, c.category_name, c.score)
            for c in audioclf_task().classifications[0].categories
        ]
    bare_tops = []
    for b, w in zip(bares, bare_windows):
        b.run(w)
        bare_tops.append(top_k(b.outputs[0], SHOWN))
    tops[BARE], tops[BARE_AGAIN] = bare_tops[0], bare_tops[args.engines]
    classifier_tops = [
        [(c.index, c.score) for c in k.classify(window).classifications[0].categories]
        for k in classifiers
    ]
    if any(t != bare_tops[0] for t in bare_tops) or any(
        t != classifier_tops[0] for t in classifier_tops
    ):
        raise SystemExit("the engines of one path disagree on the window's scores")

    peers: list[PeerProcess] = []
    versions = {
        "audioclf": audioclf.__version__,
        "ai-edge-litert": version("ai-edge-litert"),
        "numpy": np.__version__,
    }
    workdir = tempfile.TemporaryDirectory(prefix="bench_classify_")
    try:
        if not args.no_peers:
            from peers import PeerProcess, ensure_peer_pythons

            window_npy = Path(workdir.name) / "window.npy"
            np.save(window_npy, window)  # the peers classify the very same samples
            for peer, python in ensure_peer_pythons().items():
                process = PeerProcess(
                    peer,
                    python,
                    args.model,
                    window_npy,
                    fmt.sample_rate,
                    threads,
                    args.max_results,
                    args.consume,
                )
                peers.append(process)
                name = TFLITE_SUPPORT if peer == "tflite-support" else MEDIAPIPE
                paths[name] = process
                tops[name] = process.top[:SHOWN]
                versions[peer] = process.version
                # MediaPipe's Python API has no thread option (XNNPACK default).
                thread_notes[name] = str(threads) if peer == "tflite-support" else "default"

        expected = tops[AUDIOCLF_NP][0][0]
        print(f"top class per path (index:score), expecting index {expected} everywhere:")
        for name, top in tops.items():
            flag = "" if top and top[0][0] == expected else "   <-- WARNING: differs"
            print(f"  {name:<36} {fmt_top(top)}{flag}")
        if args.audio.resolve() == DEFAULT_AUDIO and expected != 0:
            print("  WARNING: audioclf's top class is not 0 (Speech) on speech.wav")

        load_before = os.getloadavg()[0]
        stats = run_rounds(paths, thread_notes, args)
    finally:
        for process in peers:
            process.close()
        workdir.cleanup()
        for b in bares:
            b.close()

    report = build_report(stats, args, load_before, versions, tops)
    print_report(report, args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"saved {args.json}")
    return 0


def run_rounds(
    paths: dict[str, Timed], thread_notes: dict[str, str], args: argparse.Namespace
) -> dict[str, PathStats]:
    names = list(paths)
    stats = {name: PathStats(name, thread_notes[name]) for name in names}
    for name in names:
        paths[name].warmup(args.warmup)
    started = time.perf_counter()
    for r in range(args.rounds):
        # Rotate the order so no path always follows the same neighbour.
        for name in names[r % len(names) :] + names[: r % len(names)]:
            paths[name].warmup(args.switch_warmup)
            times, cpu, wall = paths[name].measure(args.repeats)
            stats[name].rounds.append(times)
            stats[name].cpu_s += cpu
            stats[name].wall_s += wall
        if sys.stderr.isatty():
            print(f"\rround {r + 1}/{args.rounds}", end="", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started
    print(f"\r{args.rounds} rounds in {elapsed:.0f} s", file=sys.stderr)
    return stats


def build_report(
    stats: dict[str, PathStats],
    args: argparse.Namespace,
    load_before: float,
    versions: dict[str, str],
    tops: dict[str, list[tuple[Any, ...]]],
) -> dict[str, Any]:
    pairs = [
        (BARE_AGAIN, BARE),
        (AUDIOCLF_NP, BARE),
        (AUDIOCLF_TENSOR, BARE),
        (AUDIOCLF_NP, INTERPRETER),
        (AUDIOCLF_MP, AUDIOCLF_NP),
        (TFLITE_SUPPORT, AUDIOCLF_TENSOR),
        (TFLITE_SUPPORT, AUDIOCLF_NP),
        (MEDIAPIPE, AUDIOCLF_NP),
        (AUDIOCLF_TASK, AUDIOCLF_TENSOR),
    ]
    ratios = {
        f"{a} / {b}": paired_ratio(stats[a], stats[b])
        for a, b in pairs
        if a in stats and b in stats
    }
    targets: dict[str, Any] = {}
    for path in (AUDIOCLF_NP, AUDIOCLF_TENSOR):
        r = ratios[f"{path} / {BARE}"]["median"]
        targets[f"{path} <= {TARGET_RATIO}x bare"] = {"ratio": r, "holds": r <= TARGET_RATIO}
        for peer in (TFLITE_SUPPORT, MEDIAPIPE):
            if peer in stats:
                speedup = paired_ratio(stats[peer], stats[path])["median"]
                targets[f"{path} faster than {peer}"] = {"ratio": speedup, "holds": speedup > 1}
    if args.threads == 1:  # the wrapper runs one thread; compare like with like
        r = ratios[f"{AUDIOCLF_MP} / {AUDIOCLF_NP}"]["median"]
        targets[f"{AUDIOCLF_MP} <= {TARGET_RATIO}x classify(np)"] = {
            "ratio": r,
            "holds": r <= TARGET_RATIO,
        }
    if AUDIOCLF_TASK in stats:
        r = ratios[f"{AUDIOCLF_TASK} / {AUDIOCLF_TENSOR}"]["median"]
        targets[f"{AUDIOCLF_TASK} <= {TASK_RATIO}x {AUDIOCLF_TENSOR}"] = {
            "ratio": r,
            "holds": r <= TASK_RATIO,
        }
    return {
        "config": {
            "threads": args.threads,
            "rounds": args.rounds,
            "repeats": args.repeats,
            "engines": args.engines,
            "warmup": args.warmup,
            "switch_warmup": args.switch_warmup,
            "max_results": args.max_results,
            "consume": args.consume,
            "model": str(args.model),
            "audio": str(args.audio),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
            "versions": versions,
        },
        "top": {name: [list(t) for t in top] for name, top in tops.items()},
        "paths": {name: s.summary() for name, s in stats.items()},
        "ratios": ratios,
        "targets": targets,
    }


def print_report(report: dict[str, Any], args: argparse.Namespace) -> None:
    cfg = report["config"]
    print(
        f"\nthreads={cfg['threads']}  rounds={cfg['rounds']} x {cfg['repeats']} calls/path  "
        f"engines/path={cfg['engines']} (audioclf, bare)  "
        f"max_results={cfg['max_results']}  consume={cfg['consume']}  "
        f"model={Path(cfg['model']).name}  "
        f"audio={Path(cfg['audio']).name}"
    )
    load = cfg["load_average_1min"]
    print(
        f"cpus={cfg['cpus']}  load average (1 min) before/after: "
        f"{load['before']:.2f}/{load['after']:.2f}  (other work skews timings)"
    )
    print(
        f"{'path (ms per window)':<36} {'median':>7} {'p10':>7} {'p90':>7} {'cpu/wall':>8}  threads"
    )
    for name, s in report["paths"].items():
        cpu = f"{s['cpu_per_wall']:.2f}" if s["cpu_per_wall"] is not None else "-"
        print(
            f"{name:<36} {s['median_ms']:7.3f} {s['p10_ms']:7.3f} {s['p90_ms']:7.3f} "
            f"{cpu:>8}  {s['threads']}"
        )
    print("ratios: median of per-round ratios [min..max over rounds], and ratio of p10s")
    for name, r in report["ratios"].items():
        print(
            f"  {name:<66} {r['median']:6.3f} [{r['min']:.3f}..{r['max']:.3f}]  p10 {r['p10']:.3f}"
        )
    print("targets:")
    for name, t in report["targets"].items():
        print(f"  {name}: {'PASS' if t['holds'] else 'FAIL'} ({t['ratio']:.3f})")
    # The last line is the verdict, for humans and for `tail -1`.
    all_hold = all(t["holds"] for t in report["targets"].values())
    scope = (
        "<= 1.03x bare C API only, peers skipped"
        if args.no_peers
        else ("<= 1.03x bare C API and faster than tflite-support and MediaPipe")
    )
    verdict = "HOLD" if all_hold else "DO NOT HOLD"
    print(f"TARGETS {verdict} at {cfg['threads']} thread(s) ({scope})")


if __name__ == "__main__":
    sys.exit(main())
