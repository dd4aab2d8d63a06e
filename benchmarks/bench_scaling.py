"""Real recordings against cores: audioclf's classify_file at 1 and 2 workers on
an hour of 44.1 kHz stereo FLAC and 16 kHz WAV (YAMNet) and 48 kHz FLAC
(BirdNET), with MediaPipe 1.2.2 on the same FLAC, the inference floor, peak RSS,
and a check that the split pipeline equals one sequential pass.

Every timed run is a fresh process (whole-process wall time, model load
included; the classify_file time inside it is reported too). Runs alternate
over --rounds rounds; medians. See benchmarks/README.md.

    python benchmarks/bench_scaling.py [--minutes 60] [--rounds 3] [--skip-peers] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"
YAMNET = SHARED / "models" / "yamnet_audio_classifier_with_metadata.tflite"
STEREO_TILE = SHARED / "audio" / "speech_44k_stereo.wav"
MONO_TILES = [SHARED / "audio" / n for n in ("speech.wav", "tone_noise.wav", "two_heads.wav")]
BIRD_TILE = SHARED / "audio" / "xc563936_soundscape.mp3"

TARGET_FLAC_SCALING = 1.8
TARGET_FLAC_VS_MEDIAPIPE = 6.0
TARGET_WAV_VS_FLOOR = 0.90
TARGET_BIRDNET_SCALING = 1.9
TARGET_BIRDNET_RSS = 1.3


# ------------------------------------------------------------------ child runs


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """One timed run in this (fresh) process; prints JSON."""
    import audioclf
    from audioclf._core import AudioClassifierOptions, BaseOptions, ClassificationOptions

    options = AudioClassifierOptions(
        base_options=BaseOptions(file_name=spec["model"]),
        classification_options=ClassificationOptions(max_results=3),
        sample_rate=spec.get("sample_rate", 0),
        label_file=spec.get("label_file"),
        activation=spec.get("activation", "none"),
    )
    classifier = audioclf.AudioClassifier.create_from_options(options)
    mode, path, workers = spec["mode"], spec["path"], spec["workers"]
    reply: dict[str, Any] = {}
    if mode == "floor":
        # The same windows from memory, decoded and converted beforehand.
        import soundfile as sf

        clip = sf.read(path, dtype="float32")[0]
        t0 = time.perf_counter()
        windows = classifier.classify_clip(clip, workers=workers)
    elif mode == "check":
        resampler = spec.get("resampler", "hq")
        t0 = time.perf_counter()
        windows = classifier.classify_file(path, workers=workers, resampler=resampler)
        one_pass = list(classifier.iter_file(path, resampler=resampler))  # one StreamClassifier
        reply["identical"] = _compare(windows, one_pass)
    else:
        resampler = spec.get("resampler", "hq")
        t0 = time.perf_counter()
        windows = classifier.classify_file(path, workers=workers, resampler=resampler)
    reply["classify_s"] = time.perf_counter() - t0
    reply["windows"] = len(windows)
    reply["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reply["end_pss_mb"] = _pss_mb()
    return reply


def _pss_mb() -> float:
    """This process's proportional set size now (engines still loaded), MiB.

    RSS counts a page once per mapping: each engine maps the shared XNNPACK
    weight cache again, so RSS counts those pages once per worker; PSS counts
    each page once."""
    from bench_corpus import _pss_kb  # benchmarks/ is on sys.path

    return _pss_kb(os.getpid()) / 1024


def _compare(got: list[Any], want: list[Any]) -> dict[str, Any]:
    same_times = [(w.index, w.start_frame, w.end_seconds) for w in got] == [
        (w.index, w.start_frame, w.end_seconds) for w in want
    ]
    worst = 0.0
    same_classes = True
    for a, b in zip(got, want):
        ca, cb = a.result.classifications[0].categories, b.result.classifications[0].categories
        same_classes &= [c.index for c in ca] == [c.index for c in cb]
        worst = max([worst, *(abs(x.score - y.score) for x, y in zip(ca, cb))])
    return {
        "windows": [len(got), len(want)],
        "same_timestamps": same_times,
        "same_top_classes": same_classes,
        "max_score_diff": worst,
    }


def timed(spec: dict[str, Any], python: str = sys.executable) -> dict[str, Any]:
    """Runs `spec` in a fresh process: whole-process wall time and its reply."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [python, __file__, "--child", json.dumps(spec)], capture_output=True, text=True
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({spec['mode']}):\n{proc.stderr[-3000:]}")
    reply = json.loads(proc.stdout.strip().splitlines()[-1])
    reply["wall_s"] = wall
    return reply


MEDIAPIPE_CHILD = """
import json, resource, sys, time
import numpy as np, soundfile as sf
from mediapipe.tasks.python import audio
from mediapipe.tasks.python.components.containers.audio_data import AudioData
from mediapipe.tasks.python.core.base_options import BaseOptions
model, path = sys.argv[1], sys.argv[2]
options = audio.AudioClassifierOptions(base_options=BaseOptions(model_asset_path=model),
    max_results=3, running_mode=audio.RunningMode.AUDIO_CLIPS)
classifier = audio.AudioClassifier.create_from_options(options)
t0 = time.perf_counter()
clip, rate = sf.read(path, dtype="float32", always_2d=True)
results = classifier.classify(AudioData.create_from_array(clip, rate))
print(json.dumps({"classify_s": time.perf_counter() - t0, "windows": len(results),
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def mediapipe_python() -> str:
    from peers import ensure_peer_pythons  # benchmarks/ is on sys.path

    python = str(ensure_peer_pythons()["mediapipe"])
    has = subprocess.run([python, "-c", "import soundfile"], capture_output=True)
    if has.returncode != 0:  # the peer venv reads FLAC for this benchmark only
        subprocess.run([python, "-m", "pip", "install", "-q", "soundfile"], check=True)
    return python


def timed_mediapipe(python: str, model: Path, path: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [python, "-c", MEDIAPIPE_CHILD, str(model), str(path)], capture_output=True, text=True
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"MediaPipe failed:\n{proc.stderr[-3000:]}")
    reply = json.loads(proc.stdout.strip().splitlines()[-1])
    reply["wall_s"] = wall
    return reply


# ------------------------------------------------------------------ audio files


def write_tiled(path: Path, tile: np.ndarray, rate: int, seconds: float, fmt: str) -> None:
    """`tile` repeated to `seconds`, written a block at a time (int16 PCM)."""
    import soundfile as sf

    frames = round(seconds * rate)
    reps = max(1, (1 << 20) // len(tile))
    block = np.tile(tile, (reps, 1))
    with sf.SoundFile(path, "w", rate, tile.shape[1], "PCM_16", format=fmt) as f:
        written = 0
        while written < frames:
            n = min(len(block), frames - written)
            f.write(block[:n])
            written += n


def make_files(folder: Path, minutes: float) -> dict[str, tuple[Path, float]]:
    import soundfile as sf

    seconds = minutes * 60
    stereo = sf.read(STEREO_TILE, dtype="float32", always_2d=True)[0]
    mono = np.concatenate([sf.read(p, dtype="float32", always_2d=True)[0] for p in MONO_TILES])
    bird, bird_rate = sf.read(BIRD_TILE, dtype="float32", always_2d=True)
    if bird_rate != 48000:
        raise SystemExit(f"{BIRD_TILE}: expected 48 kHz, got {bird_rate}")
    files = {
        "flac44": (folder / "stereo_44k.flac", 44100, stereo, "FLAC"),
        "wav16": (folder / "mono_16k.wav", 16000, mono, "WAV"),
        "flac48": (folder / "birds_48k.flac", 48000, bird, "FLAC"),
    }
    t0 = time.perf_counter()
    for path, rate, tile, fmt in files.values():
        write_tiled(path, tile, rate, seconds, fmt)
    print(f"wrote {minutes:g} min files in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return {k: (v[0], seconds) for k, v in files.items()}


# ------------------------------------------------------------------ main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-peers", action="store_true", help="no MediaPipe")
    parser.add_argument("--skip-birdnet", action="store_true")
    parser.add_argument("--tmpdir", type=Path)
    parser.add_argument("--json", type=Path, metavar="OUT")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is None and (args.minutes <= 0 or args.rounds < 1):
        parser.error("need --minutes > 0 and --rounds >= 1")
    return args


def birdnet_spec() -> dict[str, Any] | None:
    from audioclf.models import ModelError, resolve_model

    try:
        spec = resolve_model("birdnet")
    except ModelError as error:
        print(f"skipping BirdNET: {error}", file=sys.stderr)
        return None
    return {
        "model": spec.path,
        "sample_rate": spec.sample_rate,
        "label_file": spec.label_file,
        "activation": spec.activation,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    if not YAMNET.is_file():
        raise SystemExit(f"needs the shared files at {SHARED} (this benchmark downloads nothing)")
    started = time.perf_counter()
    load_before = os.getloadavg()
    yamnet = {"model": str(YAMNET)}
    birdnet = None if args.skip_birdnet else birdnet_spec()
    mp_python = None if args.skip_peers else mediapipe_python()
    runs: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench_scaling_", dir=args.tmpdir) as tmp:
        files = make_files(Path(tmp), args.minutes)
        plan: dict[str, Any] = {}
        for w in (1, 2):
            plan[f"yamnet flac44 w{w}"] = lambda w=w: timed(
                {**yamnet, "mode": "file", "path": str(files["flac44"][0]), "workers": w}
            )
            plan[f"yamnet flac44 kaiser w{w}"] = lambda w=w: timed(
                {
                    **yamnet,
                    "mode": "file",
                    "path": str(files["flac44"][0]),
                    "workers": w,
                    "resampler": "kaiser",
                }
            )
            plan[f"yamnet wav16 w{w}"] = lambda w=w: timed(
                {**yamnet, "mode": "file", "path": str(files["wav16"][0]), "workers": w}
            )
            if birdnet:
                plan[f"birdnet flac48 w{w}"] = lambda w=w: timed(
                    {**birdnet, "mode": "file", "path": str(files["flac48"][0]), "workers": w}
                )
        plan["yamnet wav16 floor w2"] = lambda: timed(
            {**yamnet, "mode": "floor", "path": str(files["wav16"][0]), "workers": 2}
        )
        if mp_python:
            plan["mediapipe flac44"] = lambda: timed_mediapipe(
                mp_python, YAMNET, files["flac44"][0]
            )
        names = list(plan)
        for r in range(args.rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                reply = plan[name]()
                runs.setdefault(name, []).append(reply)
                print(
                    f"round {r + 1}/{args.rounds} {name}: wall {reply['wall_s']:.2f} s, "
                    f"classify {reply['classify_s']:.2f} s, {reply['peak_rss_mb']:.0f} MB",
                    file=sys.stderr,
                )
        checks = {
            "yamnet flac44": timed(
                {**yamnet, "mode": "check", "path": str(files["flac44"][0]), "workers": 2}
            )["identical"],
            "yamnet flac44 kaiser": timed(
                {
                    **yamnet,
                    "mode": "check",
                    "path": str(files["flac44"][0]),
                    "workers": 2,
                    "resampler": "kaiser",
                }
            )["identical"],
            "yamnet wav16": timed(
                {**yamnet, "mode": "check", "path": str(files["wav16"][0]), "workers": 2}
            )["identical"],
        }
        if birdnet:
            checks["birdnet flac48"] = timed(
                {**birdnet, "mode": "check", "path": str(files["flac48"][0]), "workers": 2}
            )["identical"]
    seconds = args.minutes * 60
    report = summarize(runs, checks, seconds)
    report["config"] = {
        "minutes": args.minutes,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "total_s": time.perf_counter() - started,
    }
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def summarize(
    runs: dict[str, list[dict[str, Any]]], checks: dict[str, Any], seconds: float
) -> dict[str, Any]:
    paths = {}
    for name, replies in runs.items():
        wall = statistics.median(r["wall_s"] for r in replies)
        inner = statistics.median(r["classify_s"] for r in replies)
        paths[name] = {
            "x_real_time": seconds / wall,
            "x_real_time_classify": seconds / inner,
            "wall_s": [r["wall_s"] for r in replies],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in replies),
            "end_pss_mb": max((r.get("end_pss_mb") or 0.0 for r in replies), default=0.0),
            "windows": replies[0]["windows"],
        }

    def ratio(a: str, b: str, key: str = "x_real_time") -> float | None:
        return paths[a][key] / paths[b][key] if a in paths and b in paths else None

    targets: dict[str, tuple[float | None, float, str]] = {
        "YAMNet 44.1k stereo FLAC: 2 w / 1 w": (
            ratio("yamnet flac44 w2", "yamnet flac44 w1"),
            TARGET_FLAC_SCALING,
            ">=",
        ),
        "YAMNet 44.1k stereo FLAC, kaiser (split): 2 w / 1 w": (
            ratio("yamnet flac44 kaiser w2", "yamnet flac44 kaiser w1"),
            TARGET_FLAC_SCALING,
            ">=",
        ),
        "YAMNet 44.1k stereo FLAC: 2 w / MediaPipe": (
            ratio("yamnet flac44 w2", "mediapipe flac44"),
            TARGET_FLAC_VS_MEDIAPIPE,
            ">=",
        ),
        # The floor's process also reads the whole file before timing starts,
        # so this one compares the classify times.
        "YAMNet 16k WAV: 2 w / inference floor (2 w, from memory; classify time)": (
            ratio("yamnet wav16 w2", "yamnet wav16 floor w2", "x_real_time_classify"),
            TARGET_WAV_VS_FLOOR,
            ">=",
        ),
        "BirdNET 48k FLAC: 2 w / 1 w": (
            ratio("birdnet flac48 w2", "birdnet flac48 w1"),
            TARGET_BIRDNET_SCALING,
            ">=",
        ),
    }
    if "birdnet flac48 w1" in paths:
        rss = paths["birdnet flac48 w2"]["peak_rss_mb"] / paths["birdnet flac48 w1"]["peak_rss_mb"]
        targets["BirdNET 48k FLAC: peak RSS 2 w / 1 w"] = (rss, TARGET_BIRDNET_RSS, "<=")
    verdicts = {}
    for name, (value, bound, op) in targets.items():
        holds = None if value is None else (value >= bound if op == ">=" else value <= bound)
        verdicts[name] = {"value": value, "target": f"{op} {bound}", "holds": holds}
    inner = {
        "YAMNet 44.1k FLAC 2 w / 1 w (classify_file time only)": ratio(
            "yamnet flac44 w2", "yamnet flac44 w1", "x_real_time_classify"
        ),
        "BirdNET 48k FLAC 2 w / 1 w (classify_file time only)": ratio(
            "birdnet flac48 w2", "birdnet flac48 w1", "x_real_time_classify"
        ),
        "YAMNet 16k WAV 2 w / floor (classify time only)": ratio(
            "yamnet wav16 w2", "yamnet wav16 floor w2", "x_real_time_classify"
        ),
        # Not the target (that is peak RSS): the memory the workers really add.
        "BirdNET 48k FLAC PSS at the end, 2 w / 1 w": ratio(
            "birdnet flac48 w2", "birdnet flac48 w1", "end_pss_mb"
        ),
    }
    return {"paths": paths, "targets": verdicts, "inner_ratios": inner, "identical": checks}


def print_report(report: dict[str, Any]) -> None:
    cfg = report["config"]
    print(
        f"\n{cfg['minutes']:g} min per file, {cfg['rounds']} round(s), cpus={cfg['cpus']}, "
        f"load before {cfg['load_before'][0]:.2f}, after {cfg['load_after'][0]:.2f}"
    )
    print(
        f"{'path':<26} {'x RT (process)':>14} {'x RT (classify)':>15} {'peak RSS':>9} "
        f"{'end PSS':>9} windows"
    )
    for name, p in report["paths"].items():
        print(
            f"{name:<26} {p['x_real_time']:14.0f} {p['x_real_time_classify']:15.0f} "
            f"{p['peak_rss_mb']:7.0f} MB {p.get('end_pss_mb') or 0:6.0f} MB {p['windows']}"
        )
    print("other ratios (classify time alone, model load excluded; PSS):")
    for name, value in report["inner_ratios"].items():
        print(f"  {name}: {'-' if value is None else f'{value:.2f}x'}")
    print("split pipeline (2 workers) vs one sequential pass:")
    for name, c in report["identical"].items():
        print(
            f"  {name}: windows {c['windows'][0]}/{c['windows'][1]}, same timestamps "
            f"{c['same_timestamps']}, same top classes {c['same_top_classes']}, "
            f"max score diff {c['max_score_diff']:.1e}"
        )
    print("targets (whole-process wall time unless marked):")
    for name, t in report["targets"].items():
        verdict = "SKIP" if t["holds"] is None else "PASS" if t["holds"] else "FAIL"
        value = "-" if t["value"] is None else f"{t['value']:.2f}"
        print(f"  {name}: {verdict} ({value}, target {t['target']})")
    print(f"[total {cfg['total_s']:.0f} s]")


if __name__ == "__main__":
    sys.exit(main())
