"""``audioclf check MODEL``: load and run a model in a child process, report."""

from __future__ import annotations

import argparse
import json

from audioclf.model_check import DEFAULT_TIMEOUT_S, check_model


def add_check_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = commands.add_parser(
        "check",
        help="load a model and run two windows in a separate process; report what happens",
        description=(
            "Load MODEL and classify a window of silence and one of noise in a child "
            "process with a memory cap and a deadline, then report: for services that "
            "accept models from users. Exit status 0 when the model works, 1 otherwise."
        ),
    )
    check.add_argument("model", help="a .tflite file")
    check.add_argument(
        "--sample-rate",
        type=int,
        default=0,
        metavar="HZ",
        help="the model's sample rate, for models without metadata",
    )
    check.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"seconds the child may take (default {DEFAULT_TIMEOUT_S:g})",
    )
    check.add_argument(
        "--memory-mb",
        type=int,
        default=2048,
        metavar="MB",
        help="address space the child may use (default 2048)",
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(run=_run_check)


def _run_check(args: argparse.Namespace) -> int:
    report = check_model(
        args.model,
        sample_rate=args.sample_rate,
        timeout=args.timeout,
        memory_bytes=args.memory_mb << 20,
    )
    if args.json:
        print(json.dumps(report.to_dict()))
        return 0 if report.ok else 1
    if not report.ok:
        print(f"{report.status}: {report.message}")
        return 1
    print(f"ok: {report.path}")
    print(
        f"input: {report.window_frames} frames x {report.channels} channel(s) at "
        f"{report.sample_rate} Hz; load {report.load_ms:.1f} ms, one window "
        f"{report.classify_ms:.2f} ms, peak RSS {report.peak_rss_bytes / 2**20:.0f} MiB"
    )
    for head in report.heads:
        top = ", ".join(f"{label} {score:.3f}" for _, label, score in head["top"])
        print(f"head {head['head_index']} {head['head_name'] or '-'}: {top}")
    return 0
