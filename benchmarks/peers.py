"""The reference implementations, in venvs of their own, driven as subprocesses.

tflite-support 0.4.4 and MediaPipe 1.2.2 must stay out of the project's
environment, so they live in git-ignored venvs next to this file:
``.peers/`` holds both (checked: they co-install with numpy 2 and protobuf
3.20.3, and both classify correctly). Should a future resolve break one of
them there, MediaPipe moves to ``.peers-mp/``. birdnet 1.3.1 (bench_corpus.py)
gets ``.peers-birdnet/`` of its own.

Run ``python benchmarks/peers.py`` to (re)create the venvs without timing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORKER = HERE / "peer_worker.py"
SHARED_VENV = HERE / ".peers"
MEDIAPIPE_VENV = HERE / ".peers-mp"
BIRDNET_VENV = HERE / ".peers-birdnet"  # its own: it pins nothing the others need
MARKER = "audioclf-peers.json"  # what a venv was built with; present = usable

REQUIREMENTS = {
    "tflite-support": "tflite-support==0.4.4",
    "mediapipe": "mediapipe==1.2.2",
    "birdnet": "birdnet==1.3.1",
}
IMPORT_CHECKS = {
    "tflite-support": "import tflite_support.task.audio",
    "mediapipe": "import mediapipe.tasks.python.audio",
    "birdnet": "import birdnet, ai_edge_litert.interpreter",
}


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _ready(venv: Path, peers: list[str]) -> bool:
    try:
        built = json.loads((venv / MARKER).read_text())["peers"]
    except (OSError, ValueError, KeyError):
        return False
    return all(built.get(p) == REQUIREMENTS[p] for p in peers)


def _imports(venv: Path, peer: str) -> bool:
    check = subprocess.run(
        [str(_python(venv)), "-c", IMPORT_CHECKS[peer]], capture_output=True, text=True
    )
    if check.returncode != 0:
        print(f"[peers] {peer} does not import in {venv}:\n{check.stderr[-2000:]}")
    return check.returncode == 0


def _base_python() -> str:
    # tflite-support 0.4.4 has wheels for Python <= 3.11 only.
    if sys.version_info[:2] <= (3, 11):
        return sys.executable
    found = shutil.which("python3.11")
    if found is None:
        raise RuntimeError("tflite-support 0.4.4 needs Python <= 3.11; no python3.11 on PATH")
    return found


def _ensure_libusb() -> None:
    """tflite-support's extension modules link libusb-1.0."""
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    if "libusb-1.0.so" in cache:
        return
    if os.geteuid() != 0:
        print(
            "[peers] libusb-1.0 is missing and this is not root, so apt-get is skipped; "
            "tflite-support will fail to import (fix: sudo apt-get install -y libusb-1.0-0)"
        )
        return
    print("[peers] installing libusb-1.0-0 with apt-get")
    install = ["apt-get", "install", "-y", "-q", "libusb-1.0-0"]
    if subprocess.run(install).returncode != 0:
        # A fresh container may have no package lists yet.
        subprocess.run(["apt-get", "update", "-q"], check=True)
        subprocess.run(install, check=True)


def _build(venv: Path, peers: list[str]) -> bool:
    """(Re)creates ``venv`` with ``peers``; True when every one imports."""
    print(f"[peers] creating {venv} with {', '.join(REQUIREMENTS[p] for p in peers)}")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([_base_python(), "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(_python(venv)), "-m", "pip", "install", "-q", *(REQUIREMENTS[p] for p in peers)],
        check=True,
    )
    if not all(_imports(venv, p) for p in peers):
        return False
    marker = {"peers": {p: REQUIREMENTS[p] for p in peers}}
    (venv / MARKER).write_text(json.dumps(marker) + "\n")
    return True


def ensure_peer_pythons() -> dict[str, Path]:
    """Returns each peer's venv python, creating the venvs on first use."""
    both = ["tflite-support", "mediapipe"]
    if _ready(SHARED_VENV, both):
        return {p: _python(SHARED_VENV) for p in both}
    if _ready(SHARED_VENV, ["tflite-support"]) and _ready(MEDIAPIPE_VENV, ["mediapipe"]):
        return {"tflite-support": _python(SHARED_VENV), "mediapipe": _python(MEDIAPIPE_VENV)}
    _ensure_libusb()
    if _build(SHARED_VENV, both):
        return {p: _python(SHARED_VENV) for p in both}
    print("[peers] the peers conflict in one venv; giving MediaPipe its own")
    if not (_build(SHARED_VENV, ["tflite-support"]) and _build(MEDIAPIPE_VENV, ["mediapipe"])):
        raise RuntimeError("could not build working peer venvs (see the messages above)")
    return {"tflite-support": _python(SHARED_VENV), "mediapipe": _python(MEDIAPIPE_VENV)}


def ensure_birdnet_python() -> Path:
    """birdnet 1.3.1's venv python (its LiteRT backend is the ai-edge-litert
    dependency it installs), created on first use."""
    if not _ready(BIRDNET_VENV, ["birdnet"]) and not _build(BIRDNET_VENV, ["birdnet"]):
        raise RuntimeError(f"could not build {BIRDNET_VENV} (see the messages above)")
    return _python(BIRDNET_VENV)


class WorkerProcess:
    """A peer script in the peer's venv, spoken to one JSON line at a time.

    Peer libraries log freely on stderr; it is kept only for error reports.
    """

    def __init__(self, peer: str, command: list[str]) -> None:
        self.peer = peer
        self._log = tempfile.TemporaryFile(mode="w+")
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            bufsize=1,
        )

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        reply: dict[str, Any] = json.loads(line) if line else {"error": "worker exited"}
        if "error" in reply:
            self._log.seek(0)
            log = self._log.read()[-3000:]
            self.close()
            raise RuntimeError(f"{self.peer} worker failed: {reply['error']}\n{log}")
        return reply

    def _ask(self, command: str) -> dict[str, Any]:
        assert self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                assert self._process.stdin is not None
                self._process.stdin.write("quit\n")
                self._process.stdin.close()
                self._process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()
        self._log.close()


class PeerProcess(WorkerProcess):
    """A running peer_worker.py; its rounds interleave with in-process paths."""

    def __init__(
        self,
        peer: str,
        python: Path,
        model: Path,
        window_npy: Path,
        sample_rate: int,
        threads: int,
        max_results: int,
        consume: bool = False,
    ) -> None:
        command = [
            str(python),
            str(WORKER),
            peer,
            "--model",
            str(model),
            "--window",
            str(window_npy),
            "--sample-rate",
            str(sample_rate),
            "--threads",
            str(threads),
            "--max-results",
            str(max_results),
            *(["--consume"] if consume else []),
        ]
        super().__init__(peer, command)
        hello = self._read()
        self.top: list[tuple[int, str, float]] = [tuple(t) for t in hello["top"]]
        self.version: str = hello["version"]

    def warmup(self, count: int) -> None:
        self._ask(f"warmup {count}")

    def measure(self, count: int) -> tuple[list[float], float, float]:
        """Seconds per call, and the worker's CPU and wall seconds for them."""
        reply = self._ask(f"time {count}")
        return reply["times"], reply["cpu_s"], reply["wall_s"]


if __name__ == "__main__":
    for name, python in ensure_peer_pythons().items():
        print(f"{name}: {python}")
    print(f"birdnet: {ensure_birdnet_python()}")
