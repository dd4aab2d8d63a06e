"""Builds the C++ library, tests and example with CMake and runs them with
ctest: once as a normal build and once under AddressSanitizer and
UndefinedBehaviorSanitizer. Each variant is one pytest test that fails with
ctest's output."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from audioclf._runtime import find_litert_library
from conftest import ROOT

VARIANTS = {
    "release": ["-DCMAKE_BUILD_TYPE=Release"],
    "asan-ubsan": ["-DCMAKE_BUILD_TYPE=Debug", "-DAUDIOCLF_SANITIZE=address,undefined"],
    # ThreadSanitizer for the code that shares audio between threads; the
    # LiteRT library itself is not instrumented, so model-running tests stay
    # out of this build.
    "tsan": ["-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DAUDIOCLF_SANITIZE=thread"],
}
# ctest -R filter and build targets per variant (None: everything).
ONLY = {"tsan": ["test_ring_buffer", "test_audio_converter", "test_resampler"]}


def _run(cmd: list[str], env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{output[-20000:]}"
    return output


def _tool(name: str) -> str:
    # The venv's own cmake (the PyPI package) first, then the system's.
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    assert found, f"{name} is not installed"
    return found


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_ctest(variant: str) -> None:
    cmake, ctest = _tool("cmake"), _tool("ctest")
    build = ROOT / "build" / f"ctest-{variant}"
    jobs = str(os.cpu_count() or 2)
    _run(
        [
            cmake,
            "-S",
            str(ROOT),
            "-B",
            str(build),
            f"-DAUDIOCLF_LITERT_LIBRARY={find_litert_library()}",
            *VARIANTS[variant],
        ]
    )
    targets = [arg for t in ONLY.get(variant, []) for arg in ("--target", t)]
    _run([cmake, "--build", str(build), "-j", jobs, *targets])
    env = dict(os.environ)
    # LiteRT's own process-lifetime allocations are not ours to fix.
    env["LSAN_OPTIONS"] = f"suppressions={ROOT / 'tests' / 'cpp' / 'lsan.supp'}"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    env["TSAN_OPTIONS"] = "halt_on_error=1"
    only = ONLY.get(variant)
    pattern = ["-R", "|".join(t.removeprefix("test_") for t in only)] if only else []
    output = _run(
        [ctest, "--test-dir", str(build), "--output-on-failure", "-j", jobs, *pattern], env=env
    )
    print(output)
    summary = [line for line in output.splitlines() if "tests passed" in line]
    assert summary and "100% tests passed" in summary[-1], output


def test_litert_library_is_found() -> None:
    # The C++ tests that run models skip without it; here it must be there.
    assert Path(find_litert_library()).is_file()
