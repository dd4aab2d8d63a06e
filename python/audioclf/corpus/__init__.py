"""Field-recording archives: resumable, sharded corpus runs, optionally on Dask.

``classify_corpus("rec/**/*.flac", "birdnet", output_dir="out")`` writes one
output per audio file (Raven selection tables by default) plus a manifest;
calling it again resumes. ``client=`` runs the files on a Dask cluster.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from audioclf.corpus.runner import CorpusReport, Outcome, merge_outputs, run_corpus

__all__ = ["CorpusReport", "Outcome", "classify_corpus", "merge_outputs"]


def classify_corpus(
    paths_or_globs: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    model: str | os.PathLike[str],
    *,
    output_dir: str | os.PathLike[str] | None = None,
    format: str = "raven",
    shard: tuple[int, int] | None = None,
    client: Any = None,
    segment_seconds: float | None = None,
    progress: bool = False,
    **options: Any,
) -> CorpusReport:
    """Classifies every audio file of files, directories and globs.

    With ``output_dir`` each file's output is written there (atomically)
    with a manifest, and a rerun skips the files already done; without it
    the report's ``combined`` holds one output of every file. ``shard=(i, n)``
    takes shard i (1..n) of the sorted files. ``client`` (a
    ``distributed.Client``) runs one task per file on its workers; with
    ``segment_seconds`` a long WAV file at the model's rate is split into
    tasks of about that many seconds (detection formats). Other
    options as :func:`audioclf.corpus.options.build_job` (top_k, threshold,
    overlap, species_list, lat, lon, week, sensitivity, ...).
    """
    from audioclf.cli.main import expand_inputs
    from audioclf.corpus.options import build_job

    given = [paths_or_globs] if isinstance(paths_or_globs, (str, os.PathLike)) else paths_or_globs
    files, errors = expand_inputs([os.fspath(p) for p in given])
    if errors:
        given_path, reason = errors[0]
        raise ValueError(f"{given_path}: {reason}")
    job, header = build_job(os.fspath(model), format=format, **options)
    executor = None
    if client is not None:
        from audioclf.corpus.cluster import dask_executor

        executor = dask_executor(client, segment_seconds)
    kwargs: dict[str, Any] = {} if executor is None else {"executor": executor}
    return run_corpus(
        job,
        files,
        output_dir=None if output_dir is None else os.fspath(output_dir),
        shard=shard,
        header=header,
        progress=sys.stderr if progress else _Silent(),
        **kwargs,
    )


class _Silent:
    """A stream that drops the progress lines (the Python API is quiet by default)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False
