"""Classifying a corpus into an output directory: one output per audio file, resumable.

Every file's output is written to a temporary name beside it and renamed
into place, then recorded in the run's manifest (JSON lines, one per
shard). Rerunning the same command skips the files the manifest records as
done (whose output is there) and retries the others, so a run killed at any
point resumes to the output of an uninterrupted run. A :class:`Job` holds
everything a worker needs and pickles, so Dask workers run the same
:func:`process_file`, each process loading the model once.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import hashlib
import json
import math
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TextIO

from audioclf.cli.formats import (
    DETECTION_FORMATS,
    SUFFIXES,
    Detection,
    Part,
    RenderContext,
    combine,
    combine_into,
    detections,
    render,
)

CORPUS_FORMATS = (*DETECTION_FORMATS, "csv", "jsonl", "table")
MANIFEST_PREFIX = "audioclf-manifest"
FAILED_PREFIX = "audioclf-failed"
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelSettings:
    """How to create the classifier (hashable: the per-process cache key)."""

    path: str
    sample_rate: int = 0
    label_file: str | None = None
    activation: str = "none"
    num_threads: int = -1
    max_results: int = -1
    score_threshold: float | None = None
    allowlist: tuple[str, ...] = ()
    denylist: tuple[str, ...] = ()
    locale: str = "en"


@dataclass(frozen=True)
class Job:
    """What every file of a run is classified and written with."""

    model: ModelSettings
    format: str
    top_k: int = -1
    threshold: float | None = None  # on the final score (after --sensitivity)
    overlap: float | None = None  # seconds
    resampler: str = "hq"
    workers: int = 1
    sensitivity: float | None = None  # BirdNET's; the model then gives logits
    split_names: bool = False
    context: RenderContext = field(default_factory=RenderContext)


@dataclass
class Outcome:
    """One file's result: done (its output written, or its bytes) or failed (why)."""

    file: str
    status: str  # "done" | "failed"
    output: str | None = None  # relative to the output directory
    error: str | None = None
    duration: float = 0.0  # seconds of audio
    detections: int = 0
    data: bytes | None = None  # when there is no output directory


# One classifier per thread and settings: a Dask worker process with one thread
# (as --scheduler local:N starts them) loads the model once and keeps it.
_LOCAL = threading.local()
_LOADED = [0]  # models loaded by this process
_LOADED_LOCK = threading.Lock()


def loaded_models() -> int:
    """How many models this process has loaded (for checking the cache on workers)."""
    return _LOADED[0]


def classifier_for(settings: ModelSettings) -> Any:
    """This thread's classifier for these settings, created on first use and kept."""
    cache: dict[ModelSettings, Any] = _LOCAL.__dict__.setdefault("classifiers", {})
    classifier = cache.get(settings)
    if classifier is None:
        from audioclf._core import AudioClassifierOptions, BaseOptions, ClassificationOptions
        from audioclf.audio_classifier import AudioClassifier

        options = AudioClassifierOptions(
            base_options=BaseOptions(file_name=settings.path, num_threads=settings.num_threads),
            classification_options=ClassificationOptions(
                max_results=settings.max_results,
                score_threshold=settings.score_threshold,
                category_name_allowlist=list(settings.allowlist) or None,
                category_name_denylist=list(settings.denylist) or None,
                display_names_locale=settings.locale,
            ),
            sample_rate=settings.sample_rate,
            label_file=settings.label_file,
            activation=settings.activation,
        )
        classifier = AudioClassifier.create_from_options(options)
        cache[settings] = classifier
        with _LOADED_LOCK:
            _LOADED[0] += 1
    return classifier


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def audio_duration(path: str) -> float:
    from audioclf.cli.main import _duration

    return _duration(path)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def _with_sensitivity(found: list[Detection], job: Job) -> list[Detection]:
    from audioclf.corpus.species import sensitive_sigmoid

    assert job.sensitivity is not None
    scored = [
        dataclasses.replace(d, score=sensitive_sigmoid(d.score, job.sensitivity)) for d in found
    ]
    # The core kept logits above the threshold's logit; recheck on the exact score.
    if job.threshold is not None:
        scored = [d for d in scored if d.score >= job.threshold]
    return scored


def render_file(job: Job, path: str, windows: Sequence[Any]) -> tuple[bytes, int]:
    """One file's output in the job's format and how many detections (rows) it holds."""
    if job.format in DETECTION_FORMATS:
        found = detections(path, windows, job.top_k, job.split_names)
        if job.sensitivity is not None:
            found = _with_sensitivity(found, job)
        return render(job.format, path, found, job.context), len(found)
    import io

    from audioclf.cli.output import make_writer

    stream = io.StringIO()
    writer = make_writer(job.format, stream, job.top_k)
    writer.windows(path, windows)
    writer.close()
    rows = sum(
        len(head.categories[: job.top_k] if job.top_k > 0 else head.categories)
        for window in windows
        for head in window.result.classifications
    )
    return stream.getvalue().encode("utf-8"), rows


def output_name(path: str, root: str, fmt: str) -> str:
    """The output's path relative to the output directory: the input's, below ``root``."""
    return relative_input(path, root) + SUFFIXES[fmt]


def relative_input(path: str, root: str) -> str:
    """The input's path below ``root`` (its absolute path, if outside it)."""
    relative = os.path.relpath(os.path.abspath(path), root)
    if relative.startswith(os.pardir):
        relative = os.path.abspath(path).lstrip(os.sep)
    return relative


def common_root(files: Sequence[str]) -> str:
    folders = [os.path.dirname(os.path.abspath(f)) for f in files]
    return os.path.commonpath(folders) if folders else os.getcwd()


@contextlib.contextmanager
def atomic_open(path: str) -> Iterator[BinaryIO]:
    """A binary file at a temporary name beside ``path``, renamed into place when done
    (and removed if the block fails): readers see no file or a whole one."""
    folder, name = os.path.split(path)
    os.makedirs(folder or ".", exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def atomic_write(path: str, data: bytes) -> None:
    """Writes ``data`` to a temporary file beside ``path``, then renames it into place."""
    with atomic_open(path) as f:
        f.write(data)


def _remove_stale_temps(path: str) -> None:
    """Temporary files of this output left by a killed run (only its own prefix)."""
    folder, name = os.path.split(path)
    with contextlib.suppress(OSError):
        for entry in os.listdir(folder or "."):
            if entry.startswith(f".{name}.") and entry.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, entry))


def process_file(
    job: Job,
    path: str,
    output_dir: str | None,
    name: str | None,
    classifier: Any = None,
) -> Outcome:
    """Classifies one file and writes its output (or returns its bytes); never raises
    for a bad file: the outcome says why it failed. ``classifier``: one to share
    between threads (else this thread's, from :func:`classifier_for`)."""
    duration = audio_duration(path)
    try:
        if classifier is None:
            classifier = classifier_for(job.model)
        windows = classifier.classify_file(
            path, overlap=job.overlap, workers=job.workers, resampler=job.resampler
        )
        data, rows = render_file(job, path, windows)
        if output_dir is None or name is None:
            return Outcome(path, "done", duration=duration, detections=rows, data=data)
        target = os.path.join(output_dir, name)
        _remove_stale_temps(target)
        atomic_write(target, data)
    except (ValueError, RuntimeError, OSError) as error:
        return Outcome(path, "failed", error=_one_line(error), duration=duration)
    return Outcome(path, "done", output=name, duration=duration, detections=rows)


# --- segments of long files (Dask) ----------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Windows ``first_frame`` on of one WAV file: a task of its own on a cluster."""

    path: str
    index: int
    first_frame: int
    frames: int  # frames to read (-1: to the end of the file)
    last: bool


def plan_segments(job: Job, path: str, seconds: float) -> list[Segment] | None:
    """A long file's segments of about ``seconds`` each, cut at window starts.

    Only WAV files at the model's rate: their windows then see exactly the
    samples of a whole-file run, so the stitched windows equal it. Other
    files (and short ones) give None: one task for the whole file.
    """
    from audioclf import _core

    if not path.lower().endswith((".wav", ".wave")):
        return None
    try:
        info = _core.WavReader(path).info
    except (ValueError, RuntimeError, OSError):
        return None  # the whole-file task reports why
    classifier = classifier_for(job.model)
    rate = classifier.required_audio_format.sample_rate
    if info.sample_rate != rate:
        return None
    window = classifier.window_frames
    hop = classifier._hop_frames(None, job.overlap) or window
    per_segment = max(1, math.ceil(seconds * rate / hop))  # windows
    step = per_segment * hop
    if info.frame_count <= step + window:
        return None
    segments: list[Segment] = []
    start = 0
    # A segment holds its windows whole; the last one runs to the end (padded).
    while start + step + window <= info.frame_count:
        frames = (per_segment - 1) * hop + window
        segments.append(Segment(path, len(segments), start, frames, last=False))
        start += step
    segments.append(Segment(path, len(segments), start, -1, last=True))
    return segments


@dataclass
class SegmentOutcome:
    segment: Segment
    detections: list[Detection] = field(default_factory=list)
    error: str | None = None


def process_segment(job: Job, segment: Segment) -> SegmentOutcome:
    """Classifies one segment; its detections carry the whole file's times."""
    from audioclf import _core

    try:
        classifier = classifier_for(job.model)
        reader = _core.WavReader(segment.path)
        count = segment.frames
        if count < 0:
            count = reader.info.frame_count - segment.first_frame
        audio = reader.read(segment.first_frame, count)
        rate = classifier.required_audio_format.sample_rate
        windows = classifier.classify_clip(
            audio,
            rate,
            overlap=job.overlap,
            pad_last=segment.last,
            workers=job.workers,
            resampler=job.resampler,
        )
        found = detections(
            segment.path, windows, job.top_k, job.split_names, segment.first_frame, rate
        )
        if job.sensitivity is not None:
            found = _with_sensitivity(found, job)
    except (ValueError, RuntimeError, OSError) as error:
        return SegmentOutcome(segment, error=_one_line(error))
    return SegmentOutcome(segment, found)


def stitch(
    job: Job, path: str, parts: Sequence[SegmentOutcome], output_dir: str | None, name: str | None
) -> Outcome:
    """A file's segments, in time order, rendered and written as one file's output."""
    duration = audio_duration(path)
    errors = [p.error for p in parts if p.error]
    if errors:
        return Outcome(path, "failed", error=errors[0], duration=duration)
    found = [d for p in sorted(parts, key=lambda p: p.segment.index) for d in p.detections]
    try:
        data = render(job.format, path, found, job.context)
        if output_dir is None or name is None:
            return Outcome(path, "done", duration=duration, detections=len(found), data=data)
        target = os.path.join(output_dir, name)
        _remove_stale_temps(target)
        atomic_write(target, data)
    except (ValueError, RuntimeError, OSError) as error:
        return Outcome(path, "failed", error=_one_line(error), duration=duration)
    return Outcome(path, "done", output=name, duration=duration, detections=len(found))


# --- sharding -------------------------------------------------------------------


def parse_shard(text: str) -> tuple[int, int]:
    """--shard I/N: this is shard I (1..N) of N."""
    index, sep, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        i = n = 0
    if not sep or n < 1 or not 1 <= i <= n:
        raise ValueError(f"--shard: expected I/N with 1 <= I <= N (e.g. 2/8), got {text!r}")
    return i, n


def shard_files(files: Sequence[str], shard: tuple[int, int] | None) -> list[str]:
    """Shard I of N: every N-th file of the paths in sorted order, from the I-th.

    Every shard gets the same number of files, +-1, and the split depends
    only on the set of paths, not on the order they were given in.
    """
    ordered = sorted(files)
    if shard is None:
        return ordered
    i, n = shard
    return ordered[i - 1 :: n]


def _shard_suffix(shard: tuple[int, int] | None) -> str:
    return f".shard-{shard[0]}-of-{shard[1]}" if shard else ""


# --- manifest -------------------------------------------------------------------


class Manifest:
    """The run's record in the output directory: a header line, then one line per file.

    Lines are appended and synced one at a time, so a killed run leaves at
    most one partial last line, which reading ignores.
    """

    def __init__(self, output_dir: str, shard: tuple[int, int] | None, header: dict[str, Any]):
        self.path = os.path.join(output_dir, MANIFEST_PREFIX + _shard_suffix(shard) + ".jsonl")
        self.header = {"type": "run", **header}
        self.records: dict[str, dict[str, Any]] = {}
        self._stream: TextIO | None = None

    def load(self) -> None:
        """Reads an earlier run's records; its model and options must be this run's."""
        if not os.path.exists(self.path):
            return
        for line in read_manifest_lines(self.path):
            if line.get("type") == "run":
                self._check_header(line)
            elif line.get("type") == "file" and isinstance(line.get("file"), str):
                self.records[line["file"]] = line

    def _check_header(self, earlier: dict[str, Any]) -> None:
        differs = [
            key
            for key in ("model_sha256", "format", "options")
            if earlier.get(key) != self.header.get(key)
        ]
        if differs:
            raise ValueError(
                f"{self.path}: the output directory holds a run with another "
                f"{', '.join(differs)}; resuming needs the same model and options "
                "(or give another --output-dir)"
            )

    def done(self, path: str, output_dir: str) -> bool:
        record = self.records.get(path)
        return bool(
            record
            and record.get("status") == "done"
            and os.path.isfile(os.path.join(output_dir, record.get("output") or ""))
        )

    def open(self) -> None:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self._stream = open(self.path, "a", encoding="utf-8")
        self._append(self.header)

    def record(self, outcome: Outcome) -> None:
        line = {
            "type": "file",
            "file": outcome.file,
            "status": outcome.status,
            "output": outcome.output,
            "error": outcome.error,
            "duration": round(outcome.duration, 6),
            "detections": outcome.detections,
        }
        self.records[outcome.file] = line
        self._append(line)

    def _append(self, line: dict[str, Any]) -> None:
        assert self._stream is not None
        self._stream.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        self._stream.flush()
        os.fsync(self._stream.fileno())

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def read_manifest_lines(path: str) -> Iterator[dict[str, Any]]:
    """A manifest's lines; a line cut by a killed run (the last one) is skipped."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                yield value


# --- progress -------------------------------------------------------------------


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class CorpusProgress:
    """Files, hours of audio, speed (x real time) and ETA over the whole run, on stderr.

    Redrawn in place on a terminal; elsewhere (a batch job's log) a line
    at most every ``interval`` seconds, and one at the end.
    """

    def __init__(
        self,
        total_files: int,
        total_seconds: float,
        stream: TextIO | None = None,
        interval: float = 10.0,
    ) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.total_files, self.total_seconds = total_files, total_seconds
        self.files, self.seconds, self.failed = 0, 0.0, 0
        self.started = time.monotonic()
        self.interval = interval
        self._last = -interval

    def update(self, outcome: Outcome) -> None:
        self.files += 1
        self.seconds += outcome.duration
        self.failed += outcome.status != "done"
        now = time.monotonic()
        if self.tty or now - self._last >= self.interval or self.files == self.total_files:
            self._last = now
            self._draw(now)

    def line(self, now: float | None = None) -> str:
        elapsed = (now or time.monotonic()) - self.started
        speed = self.seconds / elapsed if elapsed > 0 else 0.0
        left = self.total_seconds - self.seconds
        eta = _clock(left / speed) if speed > 0 and left > 0 else "0:00:00"
        failed = f", {self.failed} failed" if self.failed else ""
        if self.total_seconds >= 3600:
            audio = f"{self.seconds / 3600:.2f}/{self.total_seconds / 3600:.2f} h"
        else:
            audio = f"{self.seconds / 60:.1f}/{self.total_seconds / 60:.1f} min"
        return (
            f"{self.files}/{self.total_files} files{failed}, {audio} audio, "
            f"{speed:.1f}x real time, ETA {eta}"
        )

    def _draw(self, now: float) -> None:
        text = self.line(now)
        self.stream.write(("\r" + text + "\x1b[K") if self.tty else text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.files:
            self.stream.write("\n")
            self.stream.flush()


# --- the run --------------------------------------------------------------------


@dataclass
class CorpusReport:
    """What a run did: every outcome of this run, and the files skipped as already done."""

    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    output_dir: str | None = None
    combined: bytes | None = None  # without an output directory

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "done"]


Executor = Callable[[Job, Sequence[tuple[str, str | None]], str | None], Iterable[Outcome]]


def local_executor(
    job: Job, tasks: Sequence[tuple[str, str | None]], output_dir: str | None
) -> Iterator[Outcome]:
    """Runs the files in this process, yielding each outcome as it completes.

    With several workers, several files run at once on one model (its engine
    pool is thread-safe), longest first: a file gets the share of the free
    workers that its length is of the audio left, at least one. Short files
    then keep every worker busy without splitting each into segments, and a
    file that is most of the work still gets them all.
    """
    workers = job.workers if job.workers > 0 else os.cpu_count() or 1  # 0: one per core
    if workers == 1 or len(tasks) <= 1:
        for path, name in tasks:
            yield process_file(job, path, output_dir, name)
        return
    classifier = classifier_for(job.model)  # loaded once, before any thread starts
    durations = {path: audio_duration(path) for path, _ in tasks}
    pending = collections.deque(sorted(tasks, key=lambda task: -durations[task[0]]))
    left = sum(durations.values())
    running: dict[futures.Future[Outcome], int] = {}
    # No future ever waits for a thread (widths never exceed the pool), so the
    # pool's own shutdown on leaving the block has nothing to cancel.
    with futures.ThreadPoolExecutor(workers, thread_name_prefix="audioclf-file") as pool:
        while pending or running:
            free = workers - sum(running.values())
            while pending and free > 0:
                path, name = pending.popleft()
                share = round(free * durations[path] / left) if left > 0 else 0
                width = max(1, min(free, max(share, free - len(pending))))
                left -= durations[path]
                file_job = dataclasses.replace(job, workers=width)
                future = pool.submit(process_file, file_job, path, output_dir, name, classifier)
                running[future] = width
                free -= width
            done, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
            for future in done:
                del running[future]
                yield future.result()


def run_corpus(
    job: Job,
    files: Sequence[str],
    *,
    output_dir: str | None = None,
    shard: tuple[int, int] | None = None,
    header: dict[str, Any] | None = None,
    executor: Executor = local_executor,
    progress: TextIO | None = None,
) -> CorpusReport:
    """Classifies this shard's files; with ``output_dir`` resumable, else combined in memory."""
    root = common_root(files)  # of every shard's files: output names do not depend on it
    files = shard_files(files, shard)
    report = CorpusReport(output_dir=output_dir)
    manifest = None
    if output_dir is not None:
        manifest = Manifest(output_dir, shard, {**(header or {}), "shard": shard})
        manifest.load()
        report.skipped = [f for f in files if manifest.done(f, output_dir)]
        manifest.open()
    skipped = set(report.skipped)
    tasks = [
        (f, output_name(f, root, job.format) if output_dir else None)
        for f in files
        if f not in skipped
    ]
    durations = {f: audio_duration(f) for f, _ in tasks}
    meter = CorpusProgress(len(tasks), sum(durations.values()), progress)
    try:
        for outcome in executor(job, tasks, output_dir):
            if manifest is not None:
                manifest.record(outcome)
            report.outcomes.append(outcome)
            meter.update(outcome)
    finally:
        meter.close()
        if manifest is not None:
            manifest.close()
    if output_dir is not None:
        write_failed_table(output_dir, shard, [o for o in report.outcomes if o.status != "done"])
    else:
        by_file = {o.file: o for o in report.outcomes if o.status == "done"}
        parts = [
            Part(by_file[f].data or b"", f, by_file[f].duration) for f in files if f in by_file
        ]
        report.combined = combine(job.format, parts) if parts else b""
    return report


def write_failed_table(
    output_dir: str, shard: tuple[int, int] | None, failed: Sequence[Outcome]
) -> str:
    """The failed files of the run (file, error), tab-separated, in the output directory."""
    lines = ["file\terror"] + [
        f"{o.file}\t{o.error or 'failed'}".replace("\n", " ") for o in sorted(failed, key=_file)
    ]
    path = os.path.join(output_dir, FAILED_PREFIX + _shard_suffix(shard) + ".tsv")
    atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def _file(outcome: Outcome) -> str:
    return outcome.file


def print_failed(failed: Sequence[Outcome], stream: TextIO) -> None:
    if not failed:
        return
    width = min(max(len(o.file) for o in failed), 60)
    stream.write(f"{len(failed)} file(s) failed:\n")
    for o in sorted(failed, key=_file):
        stream.write(f"  {o.file.ljust(width)}  {o.error}\n")
    stream.flush()


# --- merge ----------------------------------------------------------------------


def merge_outputs(directories: Sequence[str], output: str) -> tuple[str, list[str]]:
    """Corpus runs' output directories (e.g. the shards') joined into the file ``output``.

    Every manifest in the directories must come from the same model and
    options; files are ordered by path, as an unsharded run orders them,
    and read one at a time. Returns the format and the files not done
    (failed, or never run).
    """
    header: dict[str, Any] | None = None
    header_source = ""
    records: dict[str, tuple[str, dict[str, Any]]] = {}
    for directory in directories:
        manifests = sorted(
            entry
            for entry in (os.listdir(directory) if os.path.isdir(directory) else [])
            if entry.startswith(MANIFEST_PREFIX) and entry.endswith(".jsonl")
        )
        if not manifests:
            raise ValueError(
                f"merge: {directory}: no {MANIFEST_PREFIX}*.jsonl (not a corpus run's output)"
            )
        for entry in manifests:
            path = os.path.join(directory, entry)
            for line in read_manifest_lines(path):
                if line.get("type") == "run":
                    mine = {k: line.get(k) for k in ("model_sha256", "format", "options")}
                    if header is None:
                        header, header_source = mine, path
                    elif mine != header:
                        raise ValueError(
                            f"merge: {path} comes from another model or other options "
                            f"than {header_source}"
                        )
                elif line.get("type") == "file" and isinstance(line.get("file"), str):
                    records[line["file"]] = (directory, line)
    assert header is not None
    fmt = str(header["format"])
    missing = [
        file
        for file, (directory, line) in records.items()
        if line.get("status") != "done" or not os.path.isfile(_output_of(directory, line))
    ]

    def parts() -> Iterator[Part]:
        for file in sorted(set(records) - set(missing)):
            directory, line = records[file]
            path = _output_of(directory, line)
            with open(path, "rb") as f:
                yield Part(f.read(), path, float(line.get("duration") or 0.0))

    with atomic_open(output) as out:
        combine_into(fmt, parts(), out)
    return fmt, sorted(missing)


def _output_of(directory: str, line: dict[str, Any]) -> str:
    return os.path.join(directory, str(line.get("output") or ""))
