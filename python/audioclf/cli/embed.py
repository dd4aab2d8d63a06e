"""``audioclf embed``: per-window embeddings of audio files, to Parquet or ``.npy``.

The windows and timestamps are ``classify``'s. Parquet: one row per window
and output (file, window, start, end, output_index, embedding as a
fixed-size list<float32>), with the model, its SHA-256 and the options in
the schema metadata. npy: a float32 array [rows, dim] per output plus a CSV
sidecar (file, window, start, end), row i describing row i of the array.
Each output is written under a temporary name and renamed into place; with
--output-dir a manifest makes a rerun skip the files already done.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from audioclf.cli import arguments

if TYPE_CHECKING:
    from audioclf.audio_embedder import WindowEmbedding

FORMATS = ("parquet", "npy")
BATCH_ROWS = 1024  # Parquet rows buffered before a row group is written
NPY_HEADER_BYTES = 128  # fixed, so the row count can be written at the end
SIDECAR_COLUMNS = ("file", "window", "start", "end")

_EPILOG = """\
models: a .tflite path or a registry name (default birdnet: BirdNET V2.4's 1024-d
  layer model/GLOBAL_AVG_POOL/Mean, what BirdNET-Analyzer's `embeddings` writes).
  Without --tensor every model output that is not a labelled class head is written
  (their output_index is the model's); --tensor NAME embeds that tensor of the graph
  (an intermediate layer) instead; --output-index K keeps output K only.

windows: as `audioclf classify` (same --hop/--overlap, same start and end seconds;
  the last window is zero-padded and ends where the audio ends).

parquet: one row per window and output: file (string), window (int64), start, end
  (float64 seconds), output_index (int32), embedding (fixed_size_list<float32>[dim]).
  Schema metadata: audioclf.model, audioclf.model_sha256, audioclf.options (JSON),
  audioclf.embedding_dimension. --output FILE: one table of every file;
  --output-dir DIR: DIR/<input path below the inputs' folder>.embeddings.parquet.
npy: BASE.npy, a float32 array [windows, dim] (BASE.output<K>.npy per output when
  there are several), and BASE.csv with file,window,start,end for each row (same
  order). BASE is FILE without .npy, or DIR/<input path>.embeddings.

--output-dir is resumable: audioclf-manifest.jsonl records each file; the same command
again skips the files done. Failed files are reported one line each, listed at the
end (and in DIR/audioclf-failed.tsv); exit status 1 if any failed, 2 for bad usage."""


def add_embed_command(commands: Any) -> None:
    from audioclf.cli.main import _overlap

    embed = commands.add_parser(
        "embed",
        help="write per-window embeddings of audio files to Parquet or .npy",
        description="Write the embedding of every window of audio files.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    embed.add_argument("inputs", nargs="+", metavar="INPUT", help="files, directories, globs")
    embed.add_argument("--model", default="birdnet", help="a .tflite model or a name")
    embed.add_argument("--tensor", metavar="NAME", help="embed this tensor of the model's graph")
    embed.add_argument(
        "--output-index",
        type=_output_index,
        metavar="K",
        help="keep output K of the model only",
    )
    windows = embed.add_mutually_exclusive_group()
    windows.add_argument(
        "--hop", type=arguments.seconds, metavar="S", help="seconds between window starts"
    )
    windows.add_argument(
        "--overlap",
        type=_overlap,
        metavar="S",
        help="overlap of consecutive windows: seconds, or a percentage of the window (50%%)",
    )
    embed.add_argument("--format", choices=FORMATS, default="parquet", help="default parquet")
    where = embed.add_mutually_exclusive_group(required=True)
    where.add_argument("--output", "-o", metavar="FILE", help="one output for every input")
    where.add_argument("--output-dir", metavar="DIR", help="one output per input, resumable")
    embed.add_argument(
        "--l2-normalize", action="store_true", help="scale each embedding to unit length"
    )
    embed.add_argument(
        "--sample-rate",
        type=arguments.sample_rate,
        default=0,
        metavar="HZ",
        help="the model's sample rate, for models without metadata",
    )
    embed.add_argument(
        "--resampler",
        choices=arguments.RESAMPLERS,
        default="hq",
        help="filter for audio at another rate than the model's (as classify's; default hq)",
    )
    embed.add_argument(
        "--threads",
        type=arguments.threads,
        default=-1,
        metavar="N",
        help="inference threads (default -1: LiteRT's)",
    )
    embed.add_argument(
        "--strict",
        action="store_true",
        help=(
            "refuse a truncated WAV file, or an MP3 file its Xing/Info header does not "
            "cover, instead of reading it"
        ),
    )
    embed.set_defaults(run=run_embed, parser=embed)


def _output_index(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an output index >= 0, got {text!r}")
    return value


# --- the model --------------------------------------------------------------------


@dataclass
class _Model:
    embedder: Any
    outputs: list[int]  # the model's output indices written
    dimension: int
    name: str
    sha256: str
    options: dict[str, Any]


def _labelled_outputs(path: str, sample_rate: int, label_file: str | None) -> set[int]:
    """Outputs that are class heads with labels (so not embeddings)."""
    from audioclf._core import AudioClassifierOptions, BaseOptions
    from audioclf.audio_classifier import AudioClassifier

    options = AudioClassifierOptions(
        base_options=BaseOptions(file_name=path, num_threads=1),
        sample_rate=sample_rate,
        label_file=label_file,
    )
    try:
        with AudioClassifier.create_from_options(options) as probe:
            return {i for i, head in enumerate(probe.description.heads) if head.labels}
    except (ValueError, RuntimeError):  # outputs a classifier cannot take: not class heads
        return set()


def _load(args: argparse.Namespace) -> _Model:
    from audioclf import _windows
    from audioclf._core import AudioEmbedderOptions, BaseOptions, EmbeddingOptions
    from audioclf.audio_embedder import AudioEmbedder
    from audioclf.cli.main import UsageError, _check_model_path
    from audioclf.corpus.runner import file_sha256
    from audioclf.models import resolve_model

    spec = resolve_model(args.model)
    _check_model_path(spec.path)
    sample_rate = args.sample_rate or spec.sample_rate
    tensor = args.tensor or spec.embedding_tensor
    options = AudioEmbedderOptions(
        base_options=BaseOptions(file_name=spec.path, num_threads=args.threads),
        embedding_options=EmbeddingOptions(l2_normalize=args.l2_normalize),
        sample_rate=sample_rate,
        output_tensor_name=tensor,
    )
    try:
        embedder = AudioEmbedder.create_from_options(options)
    except ValueError as error:
        text = str(error)
        if "output_tensor_name" in text:
            raise UsageError("--tensor: " + text.replace("output_tensor_name ", "", 1)) from error
        if "; give sample_rate" in text:
            raise UsageError(f"--sample-rate: {text.split('; give')[0]}") from error
        raise
    count = embedder.number_of_output_layers
    if args.output_index is not None:
        if args.output_index >= count:
            raise UsageError(
                f"--output-index: {args.output_index} is not an output of {spec.path} "
                f"(it has {count})"
            )
        outputs = [args.output_index]
    elif tensor:
        outputs = list(range(count))
    else:
        labelled = _labelled_outputs(spec.path, sample_rate, spec.label_file)
        outputs = [i for i in range(count) if i not in labelled]
        if not outputs:
            raise UsageError(
                f"--tensor: {spec.path} has no embedding output (its {count} output(s) are "
                "class heads with labels); give --tensor NAME, the layer to embed"
            )
    dimensions = sorted({embedder.embedding_dimension(i) for i in outputs})
    if len(dimensions) > 1 and args.format == "parquet":
        raise UsageError(
            f"--format parquet: the outputs {outputs} have dimensions "
            f"{', '.join(map(str, dimensions))}, and the embedding column has one size; "
            "choose one with --output-index"
        )
    fmt = embedder.required_audio_format
    window_seconds = embedder.window_frames / fmt.sample_rate
    overlap = None
    if args.overlap is not None:
        overlap = args.overlap.seconds(window_seconds)
        if overlap >= window_seconds:
            raise UsageError(f"--overlap: must be shorter than the window ({window_seconds:g} s)")
    try:
        _windows.hop_frames(embedder.window_frames, fmt.sample_rate, args.hop, overlap)
    except ValueError as error:  # "hop: ..." or "overlap: ..."
        raise UsageError(f"--{error}") from error
    run_options = {
        "tensor": tensor,
        "outputs": outputs,
        "sample_rate": fmt.sample_rate,
        "channels": fmt.channels,
        "window_seconds": window_seconds,
        "hop_seconds": args.hop,
        "overlap_seconds": overlap,
        "l2_normalize": args.l2_normalize,
        "resampler": args.resampler,
        "format": args.format,
    }
    args.overlap_seconds = overlap
    return _Model(
        embedder,
        outputs,
        dimensions[0],
        spec.name or os.path.basename(spec.path),
        file_sha256(spec.path),
        run_options,
    )


# --- writers: one input file's windows into one output -----------------------------


class _ParquetWriter:
    """Rows of windows into a Parquet file, a row group every BATCH_ROWS rows."""

    def __init__(self, stream: BinaryIO, model: _Model) -> None:
        from audioclf.cli.formats import _pyarrow

        self.pa = pa = _pyarrow()
        metadata = {
            b"audioclf.model": model.name.encode("utf-8"),
            b"audioclf.model_sha256": model.sha256.encode("ascii"),
            b"audioclf.options": json.dumps(model.options, sort_keys=True).encode("utf-8"),
            b"audioclf.embedding_dimension": str(model.dimension).encode("ascii"),
        }
        self.schema = pa.schema(
            [
                ("file", pa.string()),
                ("window", pa.int64()),
                ("start", pa.float64()),
                ("end", pa.float64()),
                ("output_index", pa.int32()),
                ("embedding", pa.list_(pa.float32(), model.dimension)),
            ],
            metadata=metadata,
        )
        self.writer = pa.parquet.ParquetWriter(stream, self.schema)
        self.rows: list[tuple[str, int, float, float, int, np.ndarray]] = []

    def add(
        self, file: str, window: WindowEmbedding, vectors: Sequence[tuple[int, np.ndarray]]
    ) -> None:
        for output, vector in vectors:
            self.rows.append(
                (file, window.index, window.start_seconds, window.end_seconds, output, vector)
            )
        if len(self.rows) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        pa = self.pa
        columns = list(zip(*self.rows))
        values = pa.array(np.concatenate(columns[5]).astype(np.float32, copy=False))
        dimension = self.schema.field("embedding").type.list_size
        arrays = [
            pa.array(columns[0], pa.string()),
            pa.array(columns[1], pa.int64()),
            pa.array(columns[2], pa.float64()),
            pa.array(columns[3], pa.float64()),
            pa.array(columns[4], pa.int32()),
            pa.FixedSizeListArray.from_arrays(values, dimension),
        ]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


def npy_header(rows: int, dimension: int) -> bytes:
    """A version 1.0 .npy header for float32 [rows, dimension], NPY_HEADER_BYTES long."""
    text = f"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dimension}), }}"
    prefix = b"\x93NUMPY\x01\x00" + (NPY_HEADER_BYTES - 10).to_bytes(2, "little")
    return prefix + text.ljust(NPY_HEADER_BYTES - 11).encode("ascii") + b"\n"


class _NpyWriter:
    """Per output a .npy array, rows appended as they come; the row count goes into
    the fixed-size header at the end. Plus the CSV sidecar."""

    def __init__(self, streams: dict[int, BinaryIO], sidecar: BinaryIO, model: _Model) -> None:
        self.streams = streams
        self.dimensions = {i: model.embedder.embedding_dimension(i) for i in streams}
        for stream in streams.values():
            stream.write(npy_header(0, 0))
        self.sidecar = sidecar
        sidecar.write((",".join(SIDECAR_COLUMNS) + "\n").encode("utf-8"))
        self.rows = 0

    def add(
        self, file: str, window: WindowEmbedding, vectors: Sequence[tuple[int, np.ndarray]]
    ) -> None:
        for output, vector in vectors:
            self.streams[output].write(np.asarray(vector, "<f4").tobytes())
        self.sidecar.write(_csv_line(file, window.index, window.start_seconds, window.end_seconds))
        self.rows += 1

    def discard(self) -> None:
        pass

    def close(self) -> None:
        for output, stream in self.streams.items():
            stream.seek(0)
            stream.write(npy_header(self.rows, self.dimensions[output]))


def _csv_line(file: str, window: int, start: float, end: float) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow([file, window, repr(start), repr(end)])
    return text.getvalue().encode("utf-8")


def npy_paths(base: str, outputs: Sequence[int]) -> dict[int, str]:
    if len(outputs) == 1:
        return {outputs[0]: base + ".npy"}
    return {i: f"{base}.output{i}.npy" for i in outputs}


def _output_paths(fmt: str, base: str, outputs: Sequence[int]) -> list[str]:
    if fmt == "parquet":
        return [base + ".parquet"]
    return [*npy_paths(base, outputs).values(), base + ".csv"]


@contextlib.contextmanager
def _writer(fmt: str, base: str, model: _Model) -> Iterator[Any]:
    """A writer whose files appear (renamed into place) only when the block succeeds."""
    from audioclf.corpus.runner import atomic_open

    with contextlib.ExitStack() as stack:
        if fmt == "parquet":
            writer: Any = _ParquetWriter(stack.enter_context(atomic_open(base + ".parquet")), model)
        else:
            streams = {
                i: stack.enter_context(atomic_open(path))
                for i, path in npy_paths(base, model.outputs).items()
            }
            writer = _NpyWriter(streams, stack.enter_context(atomic_open(base + ".csv")), model)
        try:
            yield writer
        except BaseException:
            writer.discard()  # before atomic_open removes the temporary files
            raise
        writer.close()


def _embed_file(model: _Model, path: str, writer: Any, args: argparse.Namespace) -> int:
    """Writes every window of one file; returns the number of windows."""
    from audioclf.cli.main import _file_problem

    problem = _file_problem(path)
    if problem:
        raise ValueError(problem)
    count = 0
    for window in model.embedder.iter_file(
        path,
        hop=args.hop,
        overlap=args.overlap_seconds,
        resampler=args.resampler,
        strict=args.strict,
    ):
        by_output = {e.output_index: e.feature_vector.value for e in window.result.embeddings}
        writer.add(path, window, [(i, by_output[i]) for i in model.outputs])
        count += 1
    return count


# --- the run ----------------------------------------------------------------------


def run_embed(args: argparse.Namespace) -> int:
    from audioclf.cli.main import expand_inputs

    suffix = "." + args.format
    if args.output and not args.output.endswith(suffix):
        args.parser.error(
            f"--output {args.output}: --format {args.format} needs a name ending in {suffix}"
        )
    files, input_errors = expand_inputs(args.inputs)
    model = _load(args)
    for given, reason in input_errors:
        print(f"audioclf: error: {given}: {reason}", file=sys.stderr)
    if args.output_dir:
        failed = _run_dir(model, sorted(files), args)
    else:
        failed = _run_combined(model, files, args)
    return 1 if failed or input_errors else 0


def _report_failure(path: str, error: BaseException) -> str:
    from audioclf.cli.main import _failure_reason

    reason = " ".join(_failure_reason(error).split())
    print(f"audioclf: error: {path}: {reason}", file=sys.stderr)
    return reason


def _run_dir(model: _Model, files: Sequence[str], args: argparse.Namespace) -> bool:
    from audioclf.corpus.runner import (
        Manifest,
        Outcome,
        _remove_stale_temps,
        audio_duration,
        common_root,
        print_failed,
        relative_input,
        write_failed_table,
    )

    header = {
        "model": model.name,
        "model_sha256": model.sha256,
        "format": "embed-" + args.format,
        "options": model.options,
    }
    manifest = Manifest(args.output_dir, None, header)
    manifest.load()
    skipped = [f for f in files if manifest.done(f, args.output_dir)]
    manifest.open()
    root = common_root(files)
    failed: list[Outcome] = []
    try:
        for path in files:
            if path in skipped:
                continue
            base = os.path.join(args.output_dir, relative_input(path, root) + ".embeddings")
            targets = _output_paths(args.format, base, model.outputs)
            for target in targets:
                _remove_stale_temps(target)
            duration = audio_duration(path)
            try:
                with _writer(args.format, base, model) as writer:
                    rows = _embed_file(model, path, writer, args)
            except (ValueError, RuntimeError, OSError) as error:
                outcome = Outcome(path, "failed", error=_report_failure(path, error))
                failed.append(outcome)
            else:
                # The manifest names the first file; the others sit beside it.
                relative = os.path.relpath(targets[0], args.output_dir)
                outcome = Outcome(path, "done", output=relative, duration=duration, detections=rows)
            manifest.record(outcome)
    finally:
        manifest.close()
    write_failed_table(args.output_dir, None, failed)
    if skipped:
        print(f"audioclf: {len(skipped)} file(s) already done, skipped", file=sys.stderr)
    print_failed(failed, sys.stderr)
    return bool(failed)


def _run_combined(model: _Model, files: Sequence[str], args: argparse.Namespace) -> bool:
    """Every file into one output: each file to a part of its own first, so a file that
    fails midway leaves no rows; then the parts are joined, streamed."""
    from audioclf.corpus.runner import Outcome, atomic_open, print_failed

    folder = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(folder, exist_ok=True)
    failed: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix=".audioclf-embed-", dir=folder) as parts_dir:
        parts: list[str] = []
        for number, path in enumerate(files):
            base = os.path.join(parts_dir, str(number))
            try:
                with _writer(args.format, base, model) as writer:
                    _embed_file(model, path, writer, args)
            except (ValueError, RuntimeError, OSError) as error:
                failed.append(Outcome(path, "failed", error=_report_failure(path, error)))
            else:
                parts.append(base)
        if args.format == "parquet":
            with atomic_open(args.output) as out:
                _join_parquet(model, [p + ".parquet" for p in parts], out)
        else:
            _join_npy(model, parts, args.output[: -len(".npy")])
    print_failed(failed, sys.stderr)
    return bool(failed)


def _join_parquet(model: _Model, parts: Sequence[str], out: BinaryIO) -> None:
    writer = _ParquetWriter(out, model)
    for part in parts:
        source = writer.pa.parquet.ParquetFile(part)
        for group in range(source.num_row_groups):
            writer.writer.write_table(source.read_row_group(group))
    writer.close()


def _join_npy(model: _Model, parts: Sequence[str], base: str) -> None:
    from audioclf.corpus.runner import atomic_open

    rows = 0
    for part in parts:
        with open(part + ".csv", "rb") as f:
            rows += sum(1 for _ in f) - 1
    with contextlib.ExitStack() as stack:
        for output, path in npy_paths(base, model.outputs).items():
            out = stack.enter_context(atomic_open(path))
            out.write(npy_header(rows, model.embedder.embedding_dimension(output)))
            for part in parts:
                with open(npy_paths(part, model.outputs)[output], "rb") as f:
                    f.seek(NPY_HEADER_BYTES)
                    shutil.copyfileobj(f, out)
        sidecar = stack.enter_context(atomic_open(base + ".csv"))
        sidecar.write((",".join(SIDECAR_COLUMNS) + "\n").encode("utf-8"))
        for part in parts:
            with open(part + ".csv", "rb") as f:
                f.readline()
                shutil.copyfileobj(f, sidecar)
