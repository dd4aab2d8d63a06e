"""From a corpus run's options (CLI or Python) to the :class:`Job` every file runs with."""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from typing import Any

from audioclf.cli.formats import (
    DEFAULT_MIN_CONFIDENCE,
    DETECTION_FORMATS,
    RenderContext,
    split_label,
)
from audioclf.corpus.runner import CORPUS_FORMATS, Job, ModelSettings, classifier_for, file_sha256
from audioclf.corpus.species import (
    DEFAULT_LOCATION_THRESHOLD,
    check_location,
    effective_sensitivity,
    location_species,
    logit_threshold,
    read_species_list,
)
from audioclf.models import resolve_model

DEFAULT_TOP_K = 3  # csv and jsonl, as the plain command
_FLOAT32_MAX = 3.0e38


def build_job(
    model: str,
    *,
    format: str = "raven",
    top_k: int | None = None,
    threshold: float | None = None,
    overlap: float | None = None,
    overlap_percent: float | None = None,
    resampler: str = "hq",
    workers: int = 1,
    threads: int = -1,
    allow: Sequence[str] | None = None,
    deny: Sequence[str] | None = None,
    locale: str = "en",
    species_list: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    week: int = -1,
    location_threshold: float = DEFAULT_LOCATION_THRESHOLD,
    sensitivity: float | None = None,
    sample_rate: int = 0,
    labels: str | None = None,
    activation: str | None = None,
) -> tuple[Job, dict[str, Any]]:
    """The job and the manifest header (model, its SHA-256, the options that shape outputs).

    Detection formats keep every category at or above ``threshold`` (default
    BirdNET's minimum confidence, 0.25); csv, jsonl and table the top 3 as the plain
    command does. Species filters (a list file, the location model) become
    the core's allowlist. ``overlap`` is in seconds, ``overlap_percent`` in
    percent of the model's window.
    """
    if format not in CORPUS_FORMATS:
        raise ValueError(f"format: expected one of {', '.join(CORPUS_FORMATS)}, got {format!r}")
    if allow and deny:
        raise ValueError("allow and deny: give one or the other")
    if (lat is None) != (lon is None):
        raise ValueError("--lat and --lon: give both (or neither)")
    if lat is None and week != -1:
        raise ValueError("--week: needs --lat and --lon")
    if threshold is not None and not (math.isfinite(threshold) and 0 <= threshold <= 1):
        raise ValueError(f"--threshold: expected 0..1, got {threshold:g}")
    detection = format in DETECTION_FORMATS
    if top_k is None:
        top_k = -1 if detection else DEFAULT_TOP_K
    if threshold is None and detection:
        threshold = DEFAULT_MIN_CONFIDENCE
    spec = resolve_model(model)
    activation = activation or spec.activation
    base = ModelSettings(
        path=spec.path,
        sample_rate=sample_rate or spec.sample_rate,
        label_file=labels or spec.label_file,
        activation=activation,
        num_threads=threads,
        max_results=top_k,
        score_threshold=threshold,
        locale=locale,
    )
    probe = classifier_for(base)  # kept: a local run reuses it when no filter is set
    description = probe.description
    window = probe.window_frames / description.audio_format.sample_rate
    if overlap_percent is not None:
        overlap = overlap_percent / 100 * window
    if overlap is not None and not (math.isfinite(overlap) and 0 <= overlap < window):
        raise ValueError(f"--overlap: must be >= 0 and shorter than the window ({window:g} s)")
    model_labels = list(description.heads[0].labels) if description.heads else []

    allowlist = list(allow or [])
    filtered = species_list is not None or lat is not None
    species: list[str] | None = None
    if species_list is not None:
        species = read_species_list(species_list, model_labels)
    if lat is not None and lon is not None:
        check_location(lat, lon, week)
        here = {label for label, _ in location_species(lat, lon, week, location_threshold)}
        species = [s for s in (species if species is not None else model_labels) if s in here]
    if species is not None:
        allowlist = [s for s in species if not allowlist or s in allowlist]
        allowlist = [s for s in allowlist if s not in set(deny or [])]
        if not allowlist:
            raise ValueError("species filters: no species of the model is left")
        deny = None

    core_threshold = threshold
    if sensitivity is not None:
        effective_sensitivity(sensitivity)  # checks the range
        if activation != "sigmoid":
            raise ValueError(
                "--sensitivity: needs a model whose logits audioclf turns into scores with "
                f"a sigmoid (such as birdnet); this one has activation {activation!r}"
            )
        # On logits, where the core's default threshold (0) would drop negative ones.
        logit = -math.inf if threshold is None else logit_threshold(threshold, sensitivity)
        core_threshold = min(max(logit, -_FLOAT32_MAX), _FLOAT32_MAX)
    settings = ModelSettings(
        path=spec.path,
        sample_rate=base.sample_rate,
        label_file=base.label_file,
        activation="none" if sensitivity is not None else activation,
        num_threads=threads,
        max_results=top_k,
        score_threshold=core_threshold,
        allowlist=tuple(allowlist),
        denylist=tuple(deny or []),
        locale=locale,
    )
    if settings != base:
        classifier_for(settings)  # a bad option or label fails here, before any file

    options: dict[str, Any] = {
        "top_k": top_k,
        "threshold": threshold,
        "overlap": overlap,
        "resampler": resampler,
        "locale": locale,
        "allow": sorted(allow or []),
        "deny": sorted(deny or []),
        "species": _digest(allowlist) if filtered else None,
        "species_count": len(allowlist) if filtered else None,
        "lat": lat,
        "lon": lon,
        "week": week if lat is not None else None,
        "location_threshold": location_threshold if lat is not None else None,
        "sensitivity": sensitivity,
        "sample_rate": base.sample_rate,
        "labels": base.label_file,
        "activation": activation,
    }
    sha = file_sha256(spec.path)
    name = spec.name or os.path.basename(spec.path)
    context = RenderContext(
        model=name,
        model_sha256=sha,
        sample_rate=description.audio_format.sample_rate,
        options=options,
        lat=-1.0 if lat is None else lat,
        lon=-1.0 if lon is None else lon,
        week=week,
        overlap=overlap or 0.0,
        sensitivity=1.0 if sensitivity is None else sensitivity,
    )
    job = Job(
        model=settings,
        format=format,
        top_k=top_k,
        threshold=threshold,
        overlap=overlap,
        resampler=resampler,
        workers=workers,
        sensitivity=sensitivity,
        # BirdNET's labels are all "Scientific_Common"; a model whose are too gets split.
        split_names=bool(model_labels) and all(split_label(label)[1] for label in model_labels),
        context=context,
    )
    header = {"model": name, "model_sha256": sha, "format": format, "options": options}
    return job, header


def _digest(labels: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(labels)).encode("utf-8")).hexdigest()
