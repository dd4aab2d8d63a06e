"""Running a corpus on a Dask cluster: one task per file (or per segment of a long one).

Workers need the output directory on a shared file system (as on a SLURM
cluster). Each worker process loads the model once (the per-process cache in
:mod:`audioclf.corpus.runner`); the client records the manifest as tasks
finish, so a worker lost mid-file only costs that file's rerun elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from audioclf.cli.formats import DETECTION_FORMATS
from audioclf.corpus.runner import (
    Executor,
    Job,
    Outcome,
    Segment,
    SegmentOutcome,
    plan_segments,
    process_file,
    process_segment,
    stitch,
)


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise RuntimeError(
            "Dask scale-out needs dask.distributed: pip install 'audioclf[dask]'"
        ) from None
    return distributed


def dask_executor(client: Any, segment_seconds: float | None = None) -> Executor:
    """An executor submitting each file as a task to ``client`` (a distributed.Client).

    With ``segment_seconds``, a WAV file at the model's rate longer than that
    is split into segments of about that length, one task each, whose
    detections are stitched back in time order here (detection formats).
    """
    distributed = _distributed()

    def run(
        job: Job, tasks: Sequence[tuple[str, str | None]], output_dir: str | None
    ) -> Iterator[Outcome]:
        futures: dict[Any, tuple[str, str | None]] = {}
        pending: dict[str, list[SegmentOutcome]] = {}
        expected: dict[str, int] = {}
        for path, name in tasks:
            segments = None
            if segment_seconds and job.format in DETECTION_FORMATS:
                segments = plan_segments(job, path, segment_seconds)
            if segments is None:
                futures[client.submit(process_file, job, path, output_dir, name, pure=False)] = (
                    path,
                    name,
                )
                continue
            expected[path], pending[path] = len(segments), []
            for segment in segments:
                futures[client.submit(process_segment, job, segment, pure=False)] = (path, name)
        for future in distributed.as_completed(list(futures)):
            path, name = futures[future]
            try:
                # Waits again if the result was lost with its worker (it is recomputed).
                result = future.result()
            except Exception as error:  # e.g. KilledWorker: the file took down workers
                reason = " ".join(str(error).split()) or type(error).__name__
                message = f"{type(error).__name__}: {reason}"
                if path not in expected:
                    result = Outcome(path, "failed", error=message)
                else:
                    result = SegmentOutcome(Segment(path, -1, 0, 0, False), error=message)
            future.release()
            if isinstance(result, Outcome):
                yield result
                continue
            pending[path].append(result)
            if len(pending[path]) == expected[path]:
                yield stitch(job, path, pending.pop(path), output_dir, name)

    return run


def connect(scheduler: str) -> tuple[Any, Any]:
    """--scheduler: a Client for tcp://HOST:PORT, or for a new LocalCluster with local:N.

    Returns (client, cluster); cluster is None for a remote scheduler.
    """
    distributed = _distributed()
    if scheduler.startswith("local:"):
        count = scheduler[len("local:") :]
        if not count.isdigit() or not 1 <= int(count) <= 1024:
            raise ValueError(f"--scheduler: expected local:N with N in 1..1024, got {scheduler!r}")
        cluster = distributed.LocalCluster(
            n_workers=int(count), threads_per_worker=1, processes=True, dashboard_address=None
        )
        return distributed.Client(cluster), cluster
    if "://" not in scheduler:
        raise ValueError(f"--scheduler: expected tcp://HOST:PORT or local:N, got {scheduler!r}")
    try:
        return distributed.Client(scheduler, timeout="30s"), None
    except OSError as error:
        raise RuntimeError(f"--scheduler {scheduler}: cannot connect: {error}") from None
