"""Long recordings: x real time of audioclf's classify_file against MediaPipe
1.2.2 and tflite-support 0.4.4, and audioclf's peak memory against file length.

One run tiles the shared clips into an hour of 16 kHz mono int16 WAV (and a
10-minute one), then times YAMNet over the hour: audioclf classify_file with
1 and 2 workers (one thread each), MediaPipe AUDIO_CLIPS classify(AudioData)
of the whole clip, and a tflite-support load_from_array + classify loop (the
peers in their own venv, see peers.py). Paths alternate over --rounds rounds.
Then audioclf's peak RSS on the 10- and 60-minute files, each in a fresh
process, and a check that audioclf's top-1 per window equals MediaPipe's.
See benchmarks/README.md.

    python benchmarks/bench_long.py [--minutes 60] [--rounds 3] [--skip-peers] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from peers import WorkerProcess  # benchmarks/ is on sys.path when run as a script

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"  # <repo>/../shared
DEFAULT_MODEL = SHARED / "models" / "yamnet_audio_classifier_with_metadata.tflite"
CLIPS = [SHARED / "audio" / name for name in ("speech.wav", "tone_noise.wav", "two_heads.wav")]
CLIP_WORKER = HERE / "peer_clip_worker.py"
RATE = 16000
TARGET_VS_MEDIAPIPE = 1.8  # audioclf with 2 workers / MediaPipe, x real time
RSS_TOLERANCE = 0.10  # peak RSS on the long file vs the short one
# MediaPipe holds the whole clip: int16 + float32 copies in the worker and
# its own copies inside the graph (peak RSS measured: 1.7 GB for an hour,
# ~30 bytes per frame). With 1.5x headroom; when that is more than the free
# memory, MediaPipe runs on the short file instead (x real time stays comparable).
PEER_BYTES_PER_FRAME = 48

AUDIOCLF_1 = "audioclf classify_file workers=1"
AUDIOCLF_2 = "audioclf classify_file workers=2"
MEDIAPIPE = "MediaPipe AUDIO_CLIPS classify"
TFLITE_SUPPORT = "tflite-support load+classify loop"
PEER_NAMES = {"mediapipe": MEDIAPIPE, "tflite-support": TFLITE_SUPPORT}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="length of the long file")
    parser.add_argument(
        "--short-minutes",
        type=float,
        help="the short file for the RSS comparison and the peer fallback (default: --minutes/6)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the file per path")
    parser.add_argument("--max-results", type=int, default=3, help="for every classifier")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--skip-peers", action="store_true", help="audioclf only")
    parser.add_argument(
        "--peers-short",
        action="store_true",
        help="run the peers on the short file (x real time stays comparable)",
    )
    parser.add_argument(
        "--check-windows", type=int, default=5, help="windows printed in the top-1 check"
    )
    parser.add_argument("--rss-workers", type=int, default=2, help="workers for the RSS runs")
    parser.add_argument("--tmpdir", type=Path, help="where the WAV files go (default: system)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also save results here")
    # Internal: one RSS measurement in a fresh process (see measure_rss).
    parser.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child is not None:
        return args
    if args.short_minutes is None:
        args.short_minutes = args.minutes / 6  # 10 minutes for the default hour
    if not 0 < args.short_minutes < args.minutes or args.rounds < 1:
        parser.error("need 0 < --short-minutes < --minutes and --rounds >= 1")
    missing = [p for p in [args.model, *CLIPS] if not p.is_file()]
    if missing:
        parser.error(
            "not found: " + ", ".join(str(p) for p in missing) + f"\n(expected the project's "
            f"shared files at {SHARED}, beside the repository; pass --model PATH for another "
            "model. This benchmark never downloads anything.)"
        )
    return args


# ---------------------------------------------------------------- audio files


def load_tile() -> np.ndarray:
    """The shared clips back to back, as int16: the unit the long files repeat."""
    parts = []
    for path in CLIPS:
        with wave.open(str(path), "rb") as wav:
            if (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) != (RATE, 1, 2):
                raise SystemExit(f"{path}: expected {RATE} Hz mono 16-bit PCM")
            parts.append(np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16))
    return np.concatenate(parts)


def write_tiled_wav(path: Path, tile: np.ndarray, frames: int) -> None:
    """Writes ``frames`` frames of ``tile`` repeated, a block at a time, so an
    hour (115 MB) never has to be in memory."""
    reps = max(1, (1 << 20) // len(tile))  # blocks of about a million frames
    block = np.tile(tile, reps).tobytes()
    frame_bytes = tile.itemsize
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        written = 0
        while written < frames:
            n = min(len(block) // frame_bytes, frames - written)
            wav.writeframes(block[: n * frame_bytes])
            written += n


@dataclass
class AudioFile:
    label: str  # "60 min"
    path: Path
    frames: int

    @property
    def seconds(self) -> float:
        return self.frames / RATE


# ---------------------------------------------------------------- the paths


@dataclass
class PathRuns:
    name: str
    file: AudioFile
    note: str = ""  # why it ran on another file, thread notes
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peak_rss_mb: float | None = None  # peers only: their worker process
    tops: list[list[tuple[int, float]]] = field(default_factory=list)  # first round's

    def x_real_time(self) -> list[float]:
        return [self.file.seconds / w for w in self.walls]

    def summary(self) -> dict[str, Any]:
        x = self.x_real_time()
        return {
            "file": self.file.label,
            "audio_s": self.file.seconds,
            "note": self.note,
            "wall_s": self.walls,
            "cpu_s": self.cpus,
            "x_real_time": x,
            "x_real_time_median": statistics.median(x),
            "x_real_time_best": max(x),
            # Audio seconds per CPU second: the cost, whatever else the machine runs.
            "x_per_cpu_s": self.file.seconds * len(self.cpus) / sum(self.cpus),
            "cpu_per_wall": sum(self.cpus) / sum(self.walls),
            "windows": len(self.tops),
            "peak_rss_mb": self.peak_rss_mb,
        }


class PeerClip(WorkerProcess):
    """A running peer_clip_worker.py in the peer's venv."""

    def __init__(self, peer: str, python: Path, model: Path, max_results: int) -> None:
        self.python = python
        command = [str(python), str(CLIP_WORKER), peer, "--model", str(model)]
        command += ["--threads", "1", "--max-results", str(max_results)]
        super().__init__(peer, command)
        self.version: str = self._read()["version"]

    def run(self, path: Path) -> dict[str, Any]:
        return self._ask(f"run {path}")


def make_classifier(model: Path, max_results: int) -> Any:
    import audioclf

    return audioclf.AudioClassifier.create_from_options(
        audioclf.AudioClassifierOptions(
            base_options=audioclf.BaseOptions(file_name=str(model), num_threads=1),
            classification_options=audioclf.ClassificationOptions(max_results=max_results),
        )
    )


def audioclf_tops(results: list[Any]) -> list[list[tuple[int, float]]]:
    return [
        [(c.index, float(c.score)) for c in r.result.classifications[0].categories] for r in results
    ]


def peer_file(
    peer: str, long: AudioFile, short: AudioFile, args: argparse.Namespace
) -> tuple[AudioFile, str]:
    """The file a peer runs on, and why if it is not the long one."""
    if args.peers_short:
        return short, "--peers-short"
    if peer == "mediapipe":
        need = long.frames * PEER_BYTES_PER_FRAME
        try:
            import psutil

            available = psutil.virtual_memory().available
        except ImportError:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        if need > available:
            return short, (
                f"whole clip needs ~{need / 2**30:.1f} GB, {available / 2**30:.1f} GB free: "
                f"ran on the {short.label} file"
            )
    return long, ""


# ---------------------------------------------------------------- peak memory


def _proc_status_mb(key: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Resets the kernel's peak-RSS mark (VmHWM; Linux >= 4.0), so the peak
    of classify_file is not hidden below the model loading's own spike."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def rss_child(args: argparse.Namespace) -> int:
    """In a fresh process: peak RSS of classify_file on one file, as JSON."""
    classifier = make_classifier(args.model, args.max_results)
    loaded_mb = _proc_status_mb("VmRSS")
    reset = _reset_peak_rss()
    t0 = time.perf_counter()
    results = classifier.classify_file(args.rss_child, workers=args.rss_workers)
    wall = time.perf_counter() - t0
    # `results` is still alive here: the list a caller gets is part of the cost.
    report = {
        "loaded_mb": loaded_mb,
        # ru_maxrss (KiB on Linux): the whole process, model loading included.
        "process_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "run_peak_mb": _proc_status_mb("VmHWM") if reset else None,
        "after_mb": _proc_status_mb("VmRSS"),
        "windows": len(results),
        "wall_s": wall,
    }
    report["peak_mb"] = report["run_peak_mb"] or report["process_peak_mb"]
    print(json.dumps(report))
    return 0


def measure_rss(audio: AudioFile, args: argparse.Namespace, max_results: int) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--rss-child", str(audio.path)]
    command += ["--model", str(args.model), "--max-results", str(max_results)]
    command += ["--rss-workers", str(args.rss_workers)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"RSS run on {audio.path} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def rss_section(short: AudioFile, long: AudioFile, args: argparse.Namespace) -> dict[str, Any]:
    """Peak RSS at the benchmark's max_results, and with every class kept
    (the library default, max_results=-1), where results per window are large."""
    out: dict[str, Any] = {}
    settings = [args.max_results] + ([-1] if args.max_results != -1 else [])
    for max_results in settings:
        runs = {f.label: measure_rss(f, args, max_results) for f in (short, long)}
        a, b = runs[short.label]["peak_mb"], runs[long.label]["peak_mb"]
        growth = b / a - 1
        out[f"max_results={max_results}"] = {
            "runs": runs,
            "growth": growth,
            "within": abs(growth) <= RSS_TOLERANCE,
            "mb_per_hour": (b - a) / ((long.seconds - short.seconds) / 3600)
            if long.seconds != short.seconds
            else 0.0,
        }
    return out


# ---------------------------------------------------------------- sanity


def same_top1(ours: list[tuple[int, float]], theirs: list[tuple[int, float]]) -> str:
    """'same', 'tie' (different index, but both libraries score both classes
    equally at the top: YAMNet's scores come in steps of 1/256, and the order
    of equal scores is each library's choice) or 'differs'."""
    if ours[0][0] == theirs[0][0]:
        return "same"
    best = ours[0][1]
    tied_ours = {i for i, s in ours if s == best}
    tied_theirs = {i for i, s in theirs if s == best}
    if theirs[0][1] == best and ours[0][0] in tied_theirs and theirs[0][0] in tied_ours:
        return "tie"
    return "differs"


def compare_top1(
    ours: list[list[tuple[int, float]]], theirs: list[list[tuple[int, float]]]
) -> dict[str, Any]:
    """Top-1 agreement over the windows both have (a peer may have run the short file)."""
    pairs = list(zip(ours, theirs))
    verdicts = [same_top1(a, b) for a, b in pairs]
    diffs = [abs(a[0][1] - b[0][1]) for a, b in pairs]
    return {
        "windows": len(pairs),
        "same_index": verdicts.count("same"),
        "tie": verdicts.count("tie"),
        "differs": verdicts.count("differs"),
        "max_score_diff": max(diffs) if diffs else None,
    }


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.rss_child is not None:
        return rss_child(args)
    started = time.perf_counter()
    workdir = tempfile.TemporaryDirectory(prefix="bench_long_", dir=args.tmpdir)
    peers: dict[str, PeerClip] = {}
    try:
        files = make_files(Path(workdir.name), args)
        warm, short, long = files
        classifier = make_classifier(args.model, args.max_results)
        versions = {"audioclf": version("audioclf"), "numpy": np.__version__}
        versions["ai-edge-litert"] = version("ai-edge-litert")
        # Compiles both workers' engines (reused by later calls) outside the timing.
        for workers in (1, 2):
            classifier.classify_file(warm.path, workers=workers)

        paths = {
            AUDIOCLF_1: PathRuns(AUDIOCLF_1, long, "1 thread"),
            AUDIOCLF_2: PathRuns(AUDIOCLF_2, long, "1 thread each"),
        }
        if not args.skip_peers:
            from peers import ensure_peer_pythons

            for peer, python in ensure_peer_pythons().items():
                peers[peer] = PeerClip(peer, python, args.model, args.max_results)
                peers[peer].run(warm.path)
                versions[peer] = peers[peer].version
                target, why = peer_file(peer, long, short, args)
                threads = "1 thread" if peer == "tflite-support" else "default (1)"
                paths[PEER_NAMES[peer]] = PathRuns(
                    PEER_NAMES[peer], target, "; ".join(filter(None, [threads, why]))
                )

        load_before = os.getloadavg()[0]
        run_rounds(classifier, paths, peers, files, args)
        load_after = os.getloadavg()[0]
        print("measuring peak RSS in fresh processes...", file=sys.stderr)
        rss = rss_section(short, long, args)
    finally:
        for process in peers.values():
            process.close()
        workdir.cleanup()

    report = build_report(paths, rss, args, versions, (load_before, load_after), files)
    report["config"]["total_s"] = time.perf_counter() - started
    print_report(report, args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"saved {args.json}")
    return 0


def make_files(folder: Path, args: argparse.Namespace) -> list[AudioFile]:
    tile = load_tile()
    files = [AudioFile("warm-up", folder / "warmup.wav", 3 * len(tile))]
    for minutes in (args.short_minutes, args.minutes):
        files.append(AudioFile(f"{minutes:g} min", folder / f"{minutes:g}min.wav", 0))
        files[-1].frames = round(minutes * 60 * RATE)
    t0 = time.perf_counter()
    for f in files:
        write_tiled_wav(f.path, tile, f.frames)
    print(
        f"wrote {files[1].label} and {files[2].label} of 16 kHz int16 WAV "
        f"({len(tile) / RATE:.2f} s tile of {', '.join(p.name for p in CLIPS)}) "
        f"in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    return files


def run_rounds(
    classifier: Any,
    paths: dict[str, PathRuns],
    peers: dict[str, PeerClip],
    files: list[AudioFile],
    args: argparse.Namespace,
) -> None:
    short = files[1]
    names = list(paths)
    peer_of = {name: peer for peer, name in PEER_NAMES.items()}
    for r in range(args.rounds):
        # Rotate the order so drift on a shared machine hits every path alike.
        for name in names[r % len(names) :] + names[: r % len(names)]:
            runs = paths[name]
            if name in (AUDIOCLF_1, AUDIOCLF_2):
                workers = 1 if name == AUDIOCLF_1 else 2
                cpu0, wall0 = time.process_time(), time.perf_counter()
                results = classifier.classify_file(runs.file.path, workers=workers)
                runs.walls.append(time.perf_counter() - wall0)
                runs.cpus.append(time.process_time() - cpu0)
                if not runs.tops:
                    runs.tops = audioclf_tops(results)
                del results
            else:
                reply = run_peer(peers, peer_of[name], runs, short, args)
                runs.walls.append(reply["wall_s"])
                runs.cpus.append(reply["cpu_s"])
                runs.peak_rss_mb = reply["peak_rss_mb"]
                if not runs.tops:
                    runs.tops = [[(i, s) for i, s in top] for top in reply["top"]]
            print(
                f"round {r + 1}/{args.rounds} {name}: "
                f"{runs.file.seconds / runs.walls[-1]:.0f}x real time",
                file=sys.stderr,
            )


def run_peer(
    peers: dict[str, PeerClip],
    peer: str,
    runs: PathRuns,
    short: AudioFile,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """One pass of a peer; on failure over the long file (memory), falls back
    to the short file for every round, and says so."""
    try:
        return peers[peer].run(runs.file.path)
    except RuntimeError as error:
        if runs.file is short or runs.walls:
            raise
        print(f"{peer} failed on {runs.file.label}; using {short.label}:\n{error}", file=sys.stderr)
        peers[peer].close()
        peers[peer] = PeerClip(peer, peers[peer].python, args.model, args.max_results)
        runs.note += f"; failed on {runs.file.label} (see stderr): ran on the {short.label} file"
        runs.file = short
        return peers[peer].run(short.path)


def paired_ratio(a: PathRuns, b: PathRuns) -> dict[str, float]:
    """x real time of a over b in each round (they ran close together), summarised."""
    ratios = [x / y for x, y in zip(a.x_real_time(), b.x_real_time())]
    return {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios)}


def build_report(
    paths: dict[str, PathRuns],
    rss: dict[str, Any],
    args: argparse.Namespace,
    versions: dict[str, str],
    load: tuple[float, float],
    files: list[AudioFile],
) -> dict[str, Any]:
    pairs = [(AUDIOCLF_2, AUDIOCLF_1), (AUDIOCLF_2, MEDIAPIPE), (AUDIOCLF_1, MEDIAPIPE)]
    pairs += [(AUDIOCLF_2, TFLITE_SUPPORT), (AUDIOCLF_1, TFLITE_SUPPORT)]
    ratios = {f"{a} / {b}": paired_ratio(paths[a], paths[b]) for a, b in pairs if b in paths}
    sanity = {
        f"{AUDIOCLF_1} vs {other}": compare_top1(paths[AUDIOCLF_1].tops, paths[other].tops)
        for other in (AUDIOCLF_2, MEDIAPIPE, TFLITE_SUPPORT)
        if other in paths
    }
    first = {name: [list(t[0]) for t in p.tops[: args.check_windows]] for name, p in paths.items()}
    targets: dict[str, Any] = {}
    key = f"{AUDIOCLF_2} / {MEDIAPIPE}"
    if key in ratios:
        r = ratios[key]["median"]
        targets[f"audioclf 2 workers >= {TARGET_VS_MEDIAPIPE}x MediaPipe"] = {
            "value": f"{r:.2f}x",
            "holds": r >= TARGET_VS_MEDIAPIPE,
        }
    main_rss = rss[f"max_results={args.max_results}"]
    targets[f"peak RSS {files[2].label} within {RSS_TOLERANCE:.0%} of {files[1].label}"] = {
        "value": f"{main_rss['growth']:+.1%}",
        "holds": main_rss["within"],
    }
    if MEDIAPIPE in paths:
        check = sanity[f"{AUDIOCLF_1} vs {MEDIAPIPE}"]
        k = min(args.check_windows, check["windows"])
        ours, theirs = paths[AUDIOCLF_1].tops[:k], paths[MEDIAPIPE].tops[:k]
        same_first = first[AUDIOCLF_1][:k] == first[MEDIAPIPE][:k]
        # A tie is still the same answer: identical scores, equal classes swapped.
        agree = all(same_top1(a, b) != "differs" for a, b in zip(ours, theirs))
        targets[f"top-1 of the first {k} windows equals MediaPipe's"] = {
            "value": "identical" if same_first else "equal scores" if agree else "differs",
            "holds": agree,
        }
    return {
        "config": {
            "minutes": args.minutes,
            "short_minutes": args.short_minutes,
            "rounds": args.rounds,
            "max_results": args.max_results,
            "model": str(args.model),
            "rss_workers": args.rss_workers,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "load_average_1min": {"before": load[0], "after": load[1]},
            "versions": versions,
        },
        "paths": {name: p.summary() for name, p in paths.items()},
        "ratios": ratios,
        "rss": rss,
        "first_windows_top1": first,
        "top1_agreement": sanity,
        "targets": targets,
    }


def print_report(report: dict[str, Any], args: argparse.Namespace) -> None:
    cfg = report["config"]
    load = cfg["load_average_1min"]
    print(
        f"\nYAMNet over {cfg['minutes']:g} min of tiled 16 kHz audio, {cfg['rounds']} round(s), "
        f"max_results={cfg['max_results']}; cpus={cfg['cpus']}, load average (1 min) "
        f"before/after {load['before']:.2f}/{load['after']:.2f} (other work skews timings)"
    )
    print(
        f"{'path':<36} {'audio':>7} {'x real time':>11} {'[min..max]':>13} "
        f"{'x per CPU s':>11} {'cpu/wall':>8} {'peak RSS':>9}  notes"
    )
    for name, s in report["paths"].items():
        rss = f"{s['peak_rss_mb']:.0f} MB" if s["peak_rss_mb"] is not None else "(below)"
        x = s["x_real_time"]
        print(
            f"{name:<36} {s['file']:>7} {s['x_real_time_median']:11.0f} "
            f"{f'[{min(x):.0f}..{max(x):.0f}]':>13} {s['x_per_cpu_s']:11.0f} "
            f"{s['cpu_per_wall']:8.2f} {rss:>9}  {s['note']}"
        )
    print("x real time = audio seconds per wall second (median over rounds), file read included;")
    print("x per CPU s = audio seconds per CPU second of the process (cost, load-independent)")
    print("ratios of x real time (median of per-round ratios [min..max]):")
    for name, r in report["ratios"].items():
        print(f"  {name:<72} {r['median']:5.2f}x [{r['min']:.2f}..{r['max']:.2f}]")

    print(
        f"peak RSS during classify_file(workers={cfg['rss_workers']}), each file in a fresh "
        "process (MB; loaded = after model load, after = results still held, process = "
        "ru_maxrss incl. model load):"
    )
    for setting, entry in report["rss"].items():
        runs = "  ".join(
            f"{label}: {r['peak_mb']:.0f} MB (loaded {r['loaded_mb']:.0f}, after "
            f"{r['after_mb']:.0f}, process {r['process_peak_mb']:.0f})"
            for label, r in entry["runs"].items()
        )
        verdict = "within" if entry["within"] else "NOT within"
        print(
            f"  {setting:<15} {runs}  -> {entry['growth']:+.1%}, {verdict} "
            f"{RSS_TOLERANCE:.0%} ({entry['mb_per_hour']:+.0f} MB per hour of audio)"
        )

    print(f"top-1 (index, score) of the first {args.check_windows} windows:")
    for name, top in report["first_windows_top1"].items():
        print(f"  {name:<36} " + " ".join(f"{i}:{s:.6f}" for i, s in top))
    for name, c in report["top1_agreement"].items():
        diff = "-" if c["max_score_diff"] is None else f"{c['max_score_diff']:.2e}"
        print(
            f"  {name}: same top-1 in {c['same_index']}/{c['windows']} windows, a tie in "
            f"{c['tie']}, differs in {c['differs']}; max |top-1 score diff| {diff}"
        )

    print("targets:")
    for name, t in report["targets"].items():
        print(f"  {name}: {'PASS' if t['holds'] else 'FAIL'} ({t['value']})")
    all_hold = all(t["holds"] for t in report["targets"].values())
    print(
        f"TARGETS {'HOLD' if all_hold else 'DO NOT HOLD'}"
        + (" (peers skipped)" if args.skip_peers else "")
        + f"  [total {cfg['total_s']:.0f} s]"
    )


if __name__ == "__main__":
    sys.exit(main())
