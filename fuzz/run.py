"""Builds, seeds and runs audioclf's fuzzers: every libFuzzer target, then the
whole-path fuzzer (fuzz_whole_path.py).

    python fuzz/run.py smoke   # CI: about a minute in all, exit 1 on any finding
    python fuzz/run.py long    # hours: --seconds per target, --cases whole-path cases

Smoke runs each target in-process for --seconds (default 6) and stops it at its
first finding; long runs each in libFuzzer's fork mode (-fork=1, crashes, OOMs
and timeouts recorded and ignored) so one finding does not end the run.
Findings go to build/fuzz/artifacts/<target>/, the growing corpora to
build/fuzz/corpus/<target>/.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUILD = ROOT / "build" / "fuzz"
TARGETS = [
    "fuzz_tflite_model",
    "fuzz_graph_validator",
    "fuzz_model_rewriter",
    "fuzz_model_metadata",
    "fuzz_zip_archive",
    "fuzz_wav_reader",
    "fuzz_mp3_header",
    "fuzz_labels",
    "fuzz_pcm_resample",
]
DICTS = {
    "fuzz_tflite_model": "tflite.dict",
    "fuzz_graph_validator": "tflite.dict",
    "fuzz_model_rewriter": "tflite.dict",
    "fuzz_model_metadata": "metadata.dict",
    "fuzz_zip_archive": "zip.dict",
    "fuzz_wav_reader": "wav.dict",
    "fuzz_mp3_header": "mp3.dict",
    "fuzz_labels": "labels.dict",
}
# One allocation above this, or a process above the RSS limit, is a finding:
# no input file may make the library allocate without bound.
LIBFUZZER_LIMITS = ["-rss_limit_mb=2048", "-malloc_limit_mb=1024", "-timeout=10"]
MODES = {"smoke": {"seconds": 6, "cases": 40}, "long": {"seconds": 1800, "cases": 5000}}


def find_tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name  # the venv's cmake first
    return str(beside) if beside.is_file() else shutil.which(name)


def libfuzzer_available() -> str | None:
    """Why clang's libFuzzer cannot be used here, or None when it can."""
    clang = shutil.which("clang++")
    if clang is None:
        return "clang++ is not installed (apt-get install clang libclang-rt-dev)"
    probe = subprocess.run(
        [clang, "-print-file-name=libclang_rt.fuzzer-x86_64.a"],
        capture_output=True,
        text=True,
    )
    lib = probe.stdout.strip()
    if not Path(lib).is_absolute() or not Path(lib).is_file():
        found = list(Path("/usr/lib").glob("llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a"))
        if not found:
            return "clang's libFuzzer runtime is not installed (apt-get install libclang-rt-dev)"
    return None


def build(build_dir: Path, jobs: int) -> list[Path]:
    """Configures (once) and builds the fuzzers; returns the executables built."""
    cmake = find_tool("cmake")
    if cmake is None:
        raise SystemExit("cmake is not installed")
    if not (build_dir / "CMakeCache.txt").is_file():
        subprocess.run(
            [cmake, "-S", str(HERE), "-B", str(build_dir), "-DCMAKE_CXX_COMPILER=clang++"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    subprocess.run([cmake, "--build", str(build_dir), "-j", str(jobs)], check=True)
    return [build_dir / t for t in TARGETS if (build_dir / t).is_file()]


@dataclass
class Result:
    target: str
    execs: int
    seconds: float
    findings: list[Path]
    exit_code: int

    @property
    def failed(self) -> bool:
        return bool(self.findings) or self.exit_code != 0


def _execs(output: str) -> int:
    """Executions from libFuzzer's final stats or its last status line."""
    final = re.findall(r"stat::number_of_executed_units:\s*(\d+)", output)
    if final:
        return int(final[-1])
    done = re.findall(r"Done (\d+) runs", output)
    if done:
        return int(done[-1])
    status = re.findall(r"^#(\d+)", output, re.MULTILINE)
    return int(status[-1]) if status else 0


def run_target(exe: Path, build_dir: Path, seconds: int, long_mode: bool) -> Result:
    target = exe.name
    corpus = build_dir / "corpus" / target
    seeds = build_dir / "seeds" / target
    artifacts = build_dir / "artifacts" / target
    for d in (corpus, artifacts):
        d.mkdir(parents=True, exist_ok=True)
    before = set(artifacts.iterdir())
    cmd = [str(exe), f"-max_total_time={seconds}", "-print_final_stats=1", *LIBFUZZER_LIMITS]
    cmd.append(f"-artifact_prefix={artifacts}/")
    if target in DICTS:
        cmd.append(f"-dict={HERE / 'dict' / DICTS[target]}")
    if long_mode:
        cmd += ["-fork=1", "-ignore_crashes=1", "-ignore_ooms=1", "-ignore_timeouts=1"]
    else:
        cmd.append("-seed=1")
    cmd += [str(corpus), str(seeds)]
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    log = build_dir / "logs" / f"{target}.log"
    log.parent.mkdir(exist_ok=True)
    started = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=build_dir)
    elapsed = time.monotonic() - started
    output = log.read_text(errors="replace")
    findings = sorted(set(artifacts.iterdir()) - before)
    return Result(target, _execs(output), elapsed, findings, proc.returncode)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("--seconds", type=int, help="per libFuzzer target (smoke 6, long 1800)")
    parser.add_argument("--cases", type=int, help="whole-path cases (smoke 40, long 5000)")
    parser.add_argument("--targets", help="comma-separated libFuzzer targets (default: all)")
    parser.add_argument("--build-dir", type=Path, default=BUILD)
    parser.add_argument("--jobs", type=int, default=2, help="build jobs (default 2)")
    parser.add_argument("--no-build", action="store_true", help="use the fuzzers as built")
    parser.add_argument("--no-whole-path", action="store_true", help="skip fuzz_whole_path.py")
    args = parser.parse_args(argv)
    seconds = args.seconds or MODES[args.mode]["seconds"]
    cases = MODES[args.mode]["cases"] if args.cases is None else args.cases

    why = libfuzzer_available()
    if why:
        print(f"fuzz: {why}", file=sys.stderr)
        return 2
    if args.no_build:
        exes = [args.build_dir / t for t in TARGETS if (args.build_dir / t).is_file()]
    else:
        exes = build(args.build_dir, args.jobs)
    if args.targets:
        wanted = set(args.targets.split(","))
        exes = [e for e in exes if e.name in wanted]
    subprocess.run(
        [sys.executable, str(HERE / "make_seeds.py"), "--out", str(args.build_dir / "seeds")],
        check=True,
        stdout=subprocess.DEVNULL,
    )

    results = []
    for exe in exes:
        r = run_target(exe, args.build_dir, seconds, args.mode == "long")
        results.append(r)
        rate = r.execs / max(r.seconds, 1e-9)
        verdict = f"{len(r.findings)} finding(s)" if r.failed else "ok"
        print(
            f"{r.target}: {r.execs} execs in {r.seconds:.0f} s ({rate:.0f}/s), {verdict}"
            + (f", exit {r.exit_code}" if r.exit_code else ""),
            flush=True,
        )
        for path in r.findings:
            print(f"  {path}")
        if r.failed and not r.findings:
            print(f"  see {args.build_dir / 'logs' / (r.target + '.log')}")

    whole_path_failed = False
    if not args.no_whole_path and cases > 0:
        proc = subprocess.run(
            [
                sys.executable,
                str(HERE / "fuzz_whole_path.py"),
                "--cases",
                str(cases),
                "--artifacts",
                str(args.build_dir / "artifacts" / "whole_path"),
            ]
        )
        whole_path_failed = proc.returncode != 0

    failed = [r.target for r in results if r.failed] + (["whole-path"] if whole_path_failed else [])
    print(f"fuzz {args.mode}: " + (f"findings in {', '.join(failed)}" if failed else "no findings"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
