"""Whole-path, process-isolated mutation fuzzer of audioclf's Python API and CLI.

Each case mutates a valid model (flatbuffer scalars: tensor indices, shapes,
types, opcode indices, quantization; metadata fields; zip records and entries)
and/or a valid WAV (header fields, chunk sizes, truncation), then runs, in a
child process capped in address space and time:

    AudioClassifier.create_from_file(model)
    classify(one window of noise)          (scores must be finite)
    classify_file(wav)                     (scores must be finite)
    audioclf.cli.main.main(["classify", wav, "--model", model, ...])

A case passes when every step succeeds or raises ValueError/RuntimeError whose
message names the model or WAV file (or the "audio" argument). Anything else is
a finding: a crash (signal, sanitizer report), a hang (> --timeout s), another
exception type, an unclear message, or non-finite scores. Children are
long-lived workers (one case at a time each); one that crashes or hangs is
replaced and its case re-run alone to attribute it. Findings are saved under
--artifacts with a JSON description.

Usage: python fuzz/fuzz_whole_path.py --cases 200 [--workers 2] [--seed 1]
Exit status: 0 when there is no finding, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import random
import re
import resource
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

# ---------------------------------------------------------------------------
# Child side: runs cases, one JSON line per case on its private pipe.
# ---------------------------------------------------------------------------
CLEAN_TYPES = ("ValueError", "RuntimeError")
MAX_WINDOW_SAMPLES = 1 << 22  # larger windows are not classified with noise
MALLOC_DEBUG = Path("/lib/x86_64-linux-gnu/libc_malloc_debug.so.0")


def _step(steps: list[dict[str, Any]], name: str, fn: Callable[[], Any]) -> Any:
    try:
        value = fn()
    except BaseException as error:  # noqa: B036 - SystemExit from argparse is a finding too
        if isinstance(error, KeyboardInterrupt):
            raise
        steps.append({"step": name, "error": type(error).__name__, "message": str(error)[:2000]})
        return None
    steps.append({"step": name, "error": None})
    return value


def _scores_finite(results: Any) -> bool:
    return all(
        math.isfinite(c.score)
        for r in results
        for head in r.classifications
        for c in head.categories
    )


def run_case(model: str, wav: str, out_dir: str) -> list[dict[str, Any]]:
    import numpy as np
    from audioclf import AudioClassifier
    from audioclf.cli.main import main as cli_main

    steps: list[dict[str, Any]] = []
    clf = _step(steps, "create_from_file", lambda: AudioClassifier.create_from_file(model))
    if clf is not None:
        with clf:
            fmt, frames = clf.required_audio_format, clf.window_frames
            if 0 < frames * fmt.channels <= MAX_WINDOW_SAMPLES:
                rng = np.random.default_rng(0)
                shape = (frames,) if fmt.channels == 1 else (frames, fmt.channels)
                window = (rng.standard_normal(shape) * 0.1).astype(np.float32)
                result = _step(steps, "classify", lambda: clf.classify(window))
                if result is not None and not _scores_finite([result]):
                    steps[-1]["nonfinite"] = True
            windows = _step(steps, "classify_file", lambda: clf.classify_file(wav, workers=1))
            if windows is not None and not _scores_finite([w.result for w in windows]):
                steps[-1]["nonfinite"] = True
    stderr = io.StringIO()
    argv = ["classify", wav, "--model", model, "--format", "json", "--workers", "1"]
    argv += ["--output", os.path.join(out_dir, "cli.json")]
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = _step(steps, "cli", lambda: cli_main(argv))
    if code not in (None, 0):
        # The head: "audioclf: error: <file>: ..." (a long message is cut after it).
        steps[-1].update(error="exit", message=stderr.getvalue()[:2000], code=code)
    return steps


def worker_main(channel_fd: int) -> int:
    # Native code may print to fd 1: keep the protocol on its own descriptor.
    channel = os.fdopen(os.dup(channel_fd), "w", buffering=1)
    os.dup2(2, 1)
    out_dir = tempfile.mkdtemp(prefix="audioclf_fuzz_worker_")
    import audioclf  # noqa: F401 - pay the import before the first deadline

    channel.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        case = json.loads(line)
        steps = run_case(case["model"], case["wav"], out_dir)
        rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        channel.write(json.dumps({"id": case["id"], "steps": steps, "rss_kb": rss_kb}) + "\n")
    shutil.rmtree(out_dir, ignore_errors=True)
    return 0


# ---------------------------------------------------------------------------
# Mutations.
# ---------------------------------------------------------------------------
I32_VALUES = [0, 1, -1, 2, 3, 7, 255, 256, 65535, 65536, 1 << 20, 0x7FFFFFFF, -0x80000000]
U32_VALUES = [0, 1, 2, 3, 255, 65535, 65536, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]
F32_VALUES = [0.0, -0.0, 1.0, -1.0, 1e-45, 1e-30, 1e30, 3.4e38, math.inf, -math.inf, math.nan]
FORMATS = {"i8": "<b", "u8": "<B", "i16": "<h", "u16": "<H", "i32": "<i", "u32": "<I"}
FORMATS.update({"i64": "<q", "u64": "<Q", "f32": "<f"})


@dataclass
class Field:
    """A scalar in the bytes worth mutating: where, its format, what it is."""

    pos: int
    kind: str  # a FORMATS key
    what: str


def _value_for(field: Field, old: Any, rng: random.Random) -> Any:
    if field.kind == "f32":
        value = rng.choice(F32_VALUES + [old * 2, -old, old * 1e20])
        # Past float32's range is infinity, as a float32 store would give.
        return value if abs(value) <= 3.4028234663852886e38 else math.copysign(math.inf, value)
    bits = struct.calcsize(FORMATS[field.kind]) * 8
    signed = field.kind.startswith("i")
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    pool = I32_VALUES if signed else U32_VALUES
    pick = rng.random()
    if pick < 0.4:
        value = old + rng.choice([-2, -1, 1, 2, 16])
    elif pick < 0.9:
        value = rng.choice(pool)
    else:
        value = rng.randint(lo, hi)
    return min(hi, max(lo, value))


def mutate_field(data: bytearray, field: Field, rng: random.Random) -> str:
    fmt = FORMATS[field.kind]
    if field.pos + struct.calcsize(fmt) > len(data):
        return "skip"
    (old,) = struct.unpack_from(fmt, data, field.pos)
    new = _value_for(field, old, rng)
    struct.pack_into(fmt, data, field.pos, new)
    return f"{field.what}: {old!r} -> {new!r}"


def _flatbuffer_fields(buf: bytes, start: int) -> list[Field]:
    """Scalars of a TFLite model worth mutating, found by walking its tables."""
    import model_builder as mb

    out: list[Field] = []

    def scalar(t: mb.FlatTable, slot: int, kind: str, what: str) -> None:
        pos = t.field_pos(slot)
        if pos:
            out.append(Field(pos, kind, what))

    def vector(t: mb.FlatTable, slot: int, kind: str, what: str) -> None:
        begin, n = t._vector(slot)
        if not begin:
            return
        out.append(Field(begin - 4, "u32", f"{what}.length"))
        width = struct.calcsize(FORMATS[kind])
        out.extend(Field(begin + width * i, kind, f"{what}[{i}]") for i in range(n))

    root = mb.FlatTable.root(buf, start)
    scalar(root, mb._Model.VERSION, "u32", "version")
    for i, code in enumerate(root.tables(mb._Model.OPERATOR_CODES)):
        scalar(code, mb._OperatorCode.DEPRECATED_BUILTIN_CODE, "i8", f"operator_codes[{i}].dep")
        scalar(code, mb._OperatorCode.BUILTIN_CODE, "i32", f"operator_codes[{i}].builtin_code")
        scalar(code, mb._OperatorCode.VERSION, "i32", f"operator_codes[{i}].version")
    for g, sub in enumerate(root.tables(mb._Model.SUBGRAPHS)):
        vector(sub, mb._SubGraph.INPUTS, "i32", f"subgraphs[{g}].inputs")
        vector(sub, mb._SubGraph.OUTPUTS, "i32", f"subgraphs[{g}].outputs")
        for i, t in enumerate(sub.tables(mb._SubGraph.TENSORS)):
            name = f"subgraphs[{g}].tensors[{i}]"
            vector(t, mb._Tensor.SHAPE, "i32", f"{name}.shape")
            scalar(t, mb._Tensor.TYPE, "i8", f"{name}.type")
            scalar(t, mb._Tensor.BUFFER, "u32", f"{name}.buffer")
            q = t.table(mb._Tensor.QUANTIZATION)
            if q is not None:
                vector(q, mb._Quant.SCALE, "f32", f"{name}.quantization.scale")
                vector(q, mb._Quant.ZERO_POINT, "i64", f"{name}.quantization.zero_point")
        for i, op in enumerate(sub.tables(mb._SubGraph.OPERATORS)):
            name = f"subgraphs[{g}].operators[{i}]"
            scalar(op, mb._Operator.OPCODE_INDEX, "u32", f"{name}.opcode_index")
            vector(op, mb._Operator.INPUTS, "i32", f"{name}.inputs")
            vector(op, mb._Operator.OUTPUTS, "i32", f"{name}.outputs")
            scalar(op, mb._Operator.BUILTIN_OPTIONS_TYPE, "u8", f"{name}.builtin_options_type")
    for i, b in enumerate(root.tables(mb._Model.BUFFERS)):
        begin, n = b.bytes_span(mb._Buffer.DATA)
        if begin:
            out.append(Field(begin - 4, "u32", f"buffers[{i}].data.length"))
            if n >= 4:  # weights: a float inside
                out.append(Field(begin + 4 * (n // 8), "f32", f"buffers[{i}].data[{n // 8}]"))
    for i, md in enumerate(root.tables(mb._Model.METADATA)):
        scalar(md, mb._Metadata.BUFFER, "u32", f"metadata[{i}].buffer")
    return out


def _metadata_fields(buf: bytes, start: int) -> list[Field]:
    import model_builder as mb

    out: list[Field] = []

    def files(t: mb.FlatTable, slot: int, what: str) -> None:
        for i, f in enumerate(t.tables(slot)):
            pos = f.field_pos(mb._AssociatedFile.TYPE)
            if pos:
                out.append(Field(pos, "i8", f"{what}.associated_files[{i}].type"))
            pos = f.field_pos(mb._AssociatedFile.NAME)
            if pos:  # the string's length prefix
                out.append(Field(f.t.Indirect(pos), "u32", f"{what}.associated_files[{i}].name"))

    mm = mb.FlatTable.root(buf, start)
    files(mm, mb._ModelMetadata.ASSOCIATED_FILES, "metadata")
    for g, sg in enumerate(mm.tables(mb._ModelMetadata.SUBGRAPH_METADATA)):
        for side, slot in (
            ("input", mb._SubGraphMetadata.INPUT_TENSOR_METADATA),
            ("output", mb._SubGraphMetadata.OUTPUT_TENSOR_METADATA),
        ):
            for i, tm in enumerate(sg.tables(slot)):
                name = f"metadata.subgraph[{g}].{side}[{i}]"
                files(tm, mb._TensorMetadata.ASSOCIATED_FILES, name)
                content = tm.table(mb._TensorMetadata.CONTENT)
                if content is not None:
                    pos = content.field_pos(mb._Content.CONTENT_PROPERTIES_TYPE)
                    if pos:
                        out.append(Field(pos, "u8", f"{name}.content_properties_type"))
                    props = content.table(mb._Content.CONTENT_PROPERTIES)
                    if props is not None:
                        for slot2, what in (
                            (mb._AudioProperties.SAMPLE_RATE, "sample_rate"),
                            (mb._AudioProperties.CHANNELS, "channels"),
                        ):
                            pos = props.field_pos(slot2)
                            if pos:
                                out.append(Field(pos, "u32", f"{name}.audio.{what}"))
                for u, pu in enumerate(tm.tables(mb._TensorMetadata.PROCESS_UNITS)):
                    pos = pu.field_pos(mb._ProcessUnit.OPTIONS_TYPE)
                    if pos:
                        out.append(Field(pos, "u8", f"{name}.process_units[{u}].type"))
                    opts = pu.table(mb._ProcessUnit.OPTIONS)
                    if opts is not None:
                        for slot2 in (0, 1):  # transformation/default or threshold
                            pos = opts.field_pos(slot2)
                            if pos:
                                kind = "f32" if (slot2 == 1 or u > 0) else "i8"
                                out.append(Field(pos, kind, f"{name}.process_units[{u}].{slot2}"))
    return out


def _zip_fields(buf: bytes) -> list[Field]:
    eocd = buf.rfind(b"PK\x05\x06")
    if eocd < 0:
        return []
    out = [
        Field(eocd + 8, "u16", "zip.eocd.entries_on_disk"),
        Field(eocd + 10, "u16", "zip.eocd.entries"),
        Field(eocd + 12, "u32", "zip.eocd.cd_size"),
        Field(eocd + 16, "u32", "zip.eocd.cd_offset"),
        Field(eocd + 20, "u16", "zip.eocd.comment_length"),
    ]
    pos = buf.find(b"PK\x01\x02")
    i = 0
    while 0 <= pos < eocd:
        what = f"zip.central[{i}]"
        for off, kind, name in (
            (10, "u16", "method"),
            (16, "u32", "crc32"),
            (20, "u32", "compressed_size"),
            (24, "u32", "uncompressed_size"),
            (28, "u16", "name_length"),
            (30, "u16", "extra_length"),
            (42, "u32", "local_header_offset"),
        ):
            out.append(Field(pos + off, kind, f"{what}.{name}"))
        pos = buf.find(b"PK\x01\x02", pos + 4)
        i += 1
    pos = buf.find(b"PK\x03\x04")
    i = 0
    while 0 <= pos < eocd:
        what = f"zip.local[{i}]"
        for off, kind, name in (
            (8, "u16", "method"),
            (18, "u32", "compressed_size"),
            (22, "u32", "uncompressed_size"),
            (26, "u16", "name_length"),
            (28, "u16", "extra_length"),
        ):
            out.append(Field(pos + off, kind, f"{what}.{name}"))
        pos = buf.find(b"PK\x03\x04", pos + 4)
        i += 1
    return out


def model_fields(model: bytes) -> list[Field]:
    import model_builder as mb

    out = _flatbuffer_fields(model, 0)
    span = mb._metadata_span(model)
    if span is not None and span[1] >= 8:
        out += _metadata_fields(model, span[0])
    return out + _zip_fields(model)


_BOMB: bytes | None = None


def _zip_bomb_entry() -> bytes:
    """256 MiB of newlines deflated (about 250 KB): a label file that is a bomb."""
    global _BOMB
    if _BOMB is None:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        chunk = b"\n" * (1 << 20)
        _BOMB = b"".join(c.compress(chunk) for _ in range(256)) + c.flush()
    return _BOMB


def _replace_label_file(model: bytes, rng: random.Random) -> tuple[bytes, str]:
    import model_builder as mb

    files = mb.zip_files(model)
    if not files:
        return model, "skip"
    name = rng.choice(sorted(files))
    contents = {
        "empty": b"",
        "one_line": b"only\n",
        "extra_lines": files[name] + b"x\ny\n",
        "no_newline": files[name].rstrip(b"\n"),
        "invalid_utf8": b"\xff\xfe\xc3(\n" * max(1, files[name].count(b"\n")),
        "nul_bytes": files[name].replace(b"\n", b"\0\n"),
        "many_lines": b"l\n" * 200000,
        "long_line": b"y" * (1 << 20) + b"\n",
        "bad_calibration": b"nan,inf,-inf\n1,2\n,,,\n" * 3,
    }
    kind = rng.choice(sorted(contents))
    files[name] = contents[kind]
    compression = zipfile.ZIP_DEFLATED if rng.random() < 0.5 else zipfile.ZIP_STORED
    return mb.replace_zip(model, files, compression), f"zip entry {name}: {kind}"


def _inject_bomb(model: bytes, rng: random.Random) -> tuple[bytes, str]:
    """The first entry becomes the deflated bomb, headers patched to match."""
    import model_builder as mb

    files = mb.zip_files(model)
    if not files:
        return model, "skip"
    name = sorted(files)[0]
    bomb = _zip_bomb_entry()
    crc = 0
    chunk = b"\n" * (1 << 20)
    for _ in range(256):
        crc = zlib.crc32(chunk, crc)
    base = mb.replace_zip(model, {name: b"\n"}, zipfile.ZIP_DEFLATED)
    start = base.find(b"PK\x03\x04")
    n = (
        struct.unpack_from("<H", base, start + 26)[0]
        + struct.unpack_from("<H", base, start + 28)[0]
    )
    old_size = struct.unpack_from("<I", base, start + 18)[0]
    body = start + 30 + n
    out = bytearray(base[:body] + bomb + base[body + old_size :])
    grow = len(bomb) - old_size
    struct.pack_into("<III", out, start + 14, crc, len(bomb), 256 << 20)
    cd = out.find(b"PK\x01\x02")
    struct.pack_into("<III", out, cd + 16, crc, len(bomb), 256 << 20)
    eocd = out.rfind(b"PK\x05\x06")
    (cd_offset,) = struct.unpack_from("<I", out, eocd + 16)
    struct.pack_into("<I", out, eocd + 16, cd_offset + grow)
    del rng
    return bytes(out), f"zip bomb in {name} (256 MiB)"


def mutate_bytes(data: bytearray, rng: random.Random) -> str:
    """A structure-blind mutation: flip, set, insert, delete, duplicate, truncate."""
    if not data:
        data.extend(rng.randbytes(8))
        return "grow empty"
    op = rng.choice(["flip", "set", "insert", "delete", "duplicate", "truncate", "u32"])
    pos = rng.randrange(len(data))
    if op == "flip":
        data[pos] ^= 1 << rng.randrange(8)
    elif op == "set":
        data[pos] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
    elif op == "insert":
        data[pos:pos] = rng.randbytes(rng.choice([1, 4, 16, 333]))
    elif op == "delete":
        del data[pos : pos + rng.choice([1, 4, 16, 333])]
    elif op == "duplicate":
        n = rng.choice([4, 16, 64])
        data[pos:pos] = data[pos : pos + n]
    elif op == "truncate":
        del data[pos:]
    else:
        pos -= pos % 4
        if pos + 4 <= len(data):
            struct.pack_into("<I", data, pos, rng.choice(U32_VALUES))
    return f"{op} at {pos}"


def mutate_model(model: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    notes: list[str] = []
    r = rng.random()
    if r < 0.12:
        model, note = _replace_label_file(model, rng)
        notes.append(note)
    elif r < 0.15:
        model, note = _inject_bomb(model, rng)
        notes.append(note)
    data = bytearray(model)
    try:
        fields = model_fields(bytes(data))
    except Exception:  # a model the walker cannot follow: blind mutations only
        fields = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        if fields and rng.random() < 0.8:
            notes.append(mutate_field(data, rng.choice(fields), rng))
        else:
            notes.append(mutate_bytes(data, rng))
    return bytes(data), notes


def wav_fields(wav: bytes) -> list[Field]:
    out = [Field(4, "u32", "RIFF.size")]
    pos = 12
    while pos + 8 <= len(wav):
        tag = wav[pos : pos + 4].decode("latin-1")
        (size,) = struct.unpack_from("<I", wav, pos + 4)
        out.append(Field(pos + 4, "u32", f"{tag!r}.size"))
        if tag == "fmt ":
            for off, kind, name in (
                (0, "u16", "format_tag"),
                (2, "u16", "channels"),
                (4, "u32", "sample_rate"),
                (8, "u32", "byte_rate"),
                (12, "u16", "block_align"),
                (14, "u16", "bits_per_sample"),
                (16, "u16", "cb_size"),
                (18, "u16", "valid_bits"),
                (20, "u32", "channel_mask"),
                (24, "u16", "subformat"),
            ):
                if off + 2 <= size:
                    out.append(Field(pos + 8 + off, kind, f"fmt.{name}"))
        pos += 8 + size + (size & 1)
    return out


def mutate_wav(wav: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    data = bytearray(wav)
    fields = wav_fields(wav)
    notes = []
    for _ in range(rng.choice([1, 1, 2])):
        r = rng.random()
        if r < 0.65:
            notes.append(mutate_field(data, rng.choice(fields), rng))
        elif r < 0.75:
            cut = rng.randrange(len(data))
            del data[cut:]
            notes.append(f"truncated to {cut}")
        elif r < 0.8:
            size = rng.choice([0xFFFFFFF0, 0x7FFFFFFF, 1 << 20])
            data[12:12] = b"JUNK" + struct.pack("<I", size)
            notes.append(f"JUNK chunk of size {size} first")
        else:
            notes.append(mutate_bytes(data, rng))
    return bytes(data), notes


# ---------------------------------------------------------------------------
# Parent side: workers, deadlines, verdicts.
# ---------------------------------------------------------------------------
@dataclass
class Case:
    id: int
    model: Path
    wav: Path
    notes: list[str]


@dataclass
class Worker:
    proc: subprocess.Popen
    channel: Any  # the worker's protocol pipe (read end)
    stderr_path: Path
    case: Case | None = None
    deadline: float = 0.0
    buffer: bytes = b""


@dataclass
class Stats:
    cases: int = 0
    ok: int = 0
    clean_errors: int = 0
    crashes: int = 0
    hangs: int = 0
    unclear: int = 0
    nonfinite: int = 0
    memory: int = 0
    max_rss_kb: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)

    def signatures(self) -> list[tuple[int, str, int]]:
        """Findings grouped by kind and message with numbers blanked: (count, what, case)."""
        groups: dict[str, list[int]] = {}
        for f in self.findings:
            key = re.sub(r"/\S+|\d+(\.\d+)?", "#", f"{f['kind']}: {f['detail']}")[:160]
            groups.setdefault(key, []).append(f["case"])
        return sorted(((len(c), k, c[0]) for k, c in groups.items()), reverse=True)

    def summary(self, seconds: float) -> str:
        return (
            f"whole-path: cases={self.cases} ok={self.ok} clean_errors={self.clean_errors} "
            f"crashes={self.crashes} hangs={self.hangs} unclear_errors={self.unclear} "
            f"nonfinite_scores={self.nonfinite} over_rss_limit={self.memory} "
            f"max_rss_mb={self.max_rss_kb / 1024:.0f} "
            f"time_s={seconds:.0f} cases_per_s={self.cases / max(seconds, 1e-9):.1f}"
        )


def _limits(mem_mb: int) -> Callable[[], None]:
    def apply() -> None:
        cap = mem_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.setsid()  # a killed worker takes its own children along

    return apply


def start_worker(args: argparse.Namespace, index: int) -> Worker:
    read_fd, write_fd = os.pipe()
    stderr_path = args.work / f"worker{index}.stderr"
    env = dict(os.environ)
    # Heap corruption aborts instead of passing silently: glibc's malloc
    # checks (in libc_malloc_debug since glibc 2.34) and perturbed free memory.
    env.update(MALLOC_CHECK_="3", MALLOC_PERTURB_="165")
    if MALLOC_DEBUG.is_file():
        env["LD_PRELOAD"] = " ".join(filter(None, [env.get("LD_PRELOAD"), str(MALLOC_DEBUG)]))
    with open(stderr_path, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker-fd", str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=err,
            pass_fds=(write_fd,),
            preexec_fn=_limits(args.mem_mb),
            env=env,
            cwd=str(args.work),
        )
    os.close(write_fd)
    worker = Worker(proc, os.fdopen(read_fd, "rb", buffering=0), stderr_path)
    line = _read_line(worker, time.monotonic() + 120)
    if line is None or not json.loads(line).get("ready"):
        raise RuntimeError(f"worker {index} did not start:\n{stderr_path.read_text()[-4000:]}")
    return worker


def _read_line(worker: Worker, deadline: float) -> bytes | None:
    """The worker's next line, or None at EOF or past the deadline."""
    sel = selectors.DefaultSelector()
    sel.register(worker.channel, selectors.EVENT_READ)
    try:
        while b"\n" not in worker.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                return None
            chunk = worker.channel.read(65536)
            if not chunk:
                return None
            worker.buffer += chunk
    finally:
        sel.close()
    line, _, worker.buffer = worker.buffer.partition(b"\n")
    return line


def stop_worker(worker: Worker) -> tuple[int | None, int]:
    """Kills the worker's process group; returns (exit status, peak RSS in KB)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.proc.pid, signal.SIGKILL)
    _, status, usage = os.wait4(worker.proc.pid, 0)
    worker.proc.returncode = os.waitstatus_to_exitcode(status)
    worker.channel.close()
    return worker.proc.returncode, usage.ru_maxrss


def verdict(case: Case, steps: list[dict[str, Any]]) -> tuple[str, str]:
    """("ok" | "clean" | "unclear" | "nonfinite", detail) for a case that finished."""
    names = (case.model.name, case.wav.name)
    errors = 0
    for s in steps:
        if s.get("nonfinite"):
            return "nonfinite", f"{s['step']}: non-finite score"
        if s["error"] is None:
            continue
        errors += 1
        message = s.get("message", "")
        if s["error"] == "exit":
            # "audioclf: error: <file>: ..." (exit 1), or a usage error about the
            # model ("audioclf classify: error: --sample-rate: <file>: ...", exit 2).
            head = "audioclf: error:" if s.get("code") == 1 else "audioclf classify: error:"
            if head not in message or not any(n in message for n in names):
                return "unclear", f"cli exit {s.get('code')}: {message[:300]!r}"
            continue
        if s["error"] not in CLEAN_TYPES:
            return "unclear", f"{s['step']}: {s['error']}: {message[:300]}"
        argument = s["step"] == "classify" and message.startswith("audio")
        if not any(n in message for n in names) and not argument:
            return "unclear", f"{s['step']}: {s['error']} names no file: {message[:300]}"
    return ("clean" if errors else "ok"), ""


class Fuzzer:
    def __init__(self, args: argparse.Namespace) -> None:
        import make_seeds

        self.args = args
        self.rng = random.Random(args.seed)
        self.models = sorted(make_seeds.seed_models().items())
        self.wavs = sorted(make_seeds.seed_wavs().items())
        self.stats = Stats()
        self.args.artifacts.mkdir(parents=True, exist_ok=True)

    def make_case(self, index: int) -> Case:
        rng = random.Random(self.args.seed * 1_000_003 + index)
        model_name, model = rng.choice(self.models)
        wav_name, wav = rng.choice(self.wavs)
        notes = [f"base model {model_name}", f"base wav {wav_name}"]
        which = rng.random()
        if which < 0.55 or which >= 0.9:
            model, more = mutate_model(model, rng)
            notes += [f"model: {n}" for n in more]
        if which >= 0.55:
            wav, more = mutate_wav(wav, rng)
            notes += [f"wav: {n}" for n in more]
        case_dir = self.args.work / "cases"
        case_dir.mkdir(exist_ok=True)
        model_path = case_dir / f"case{index}.tflite"
        wav_path = case_dir / f"case{index}.wav"
        model_path.write_bytes(model)
        wav_path.write_bytes(wav)
        return Case(index, model_path, wav_path, notes)

    def save(self, case: Case, kind: str, detail: str, extra: dict[str, Any]) -> None:
        directory = self.args.artifacts / f"{kind}-case{case.id}"
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copy(case.model, directory / "model.tflite")
        shutil.copy(case.wav, directory / "audio.wav")
        record = {"case": case.id, "kind": kind, "detail": detail, "mutations": case.notes}
        record.update(extra)
        (directory / "finding.json").write_text(json.dumps(record, indent=2))
        self.stats.findings.append(record)
        print(f"FINDING {kind} case {case.id}: {detail[:300]} -> {directory}", flush=True)

    def record(self, case: Case, steps: list[dict[str, Any]], rss_kb: int) -> None:
        self.stats.max_rss_kb = max(self.stats.max_rss_kb, rss_kb)
        kind, detail = verdict(case, steps)
        if kind == "ok":
            self.stats.ok += 1
        elif kind == "clean":
            self.stats.clean_errors += 1
        else:
            if kind == "unclear":
                self.stats.unclear += 1
            else:
                self.stats.nonfinite += 1
            self.save(case, kind, detail, {"steps": steps, "rss_kb": rss_kb})
        self.cleanup(case)

    def cleanup(self, case: Case) -> None:
        if not self.args.keep_cases:
            case.model.unlink(missing_ok=True)
            case.wav.unlink(missing_ok=True)

    def attribute(self, case: Case, kind: str, status: int | None, stderr: str) -> None:
        """Re-runs a crash/hang case alone in a fresh worker, then records it."""
        alone = "reproduced alone"
        solo = start_worker(self.args, 99)
        solo.proc.stdin.write((json.dumps(self._message(case)) + "\n").encode())
        solo.proc.stdin.flush()
        line = _read_line(solo, time.monotonic() + self.args.timeout)
        solo_status, rss = stop_worker(solo)
        solo_stderr = solo.stderr_path.read_text(errors="replace")[-6000:]
        if line is not None:
            alone = "not reproduced alone (the worker's earlier cases may matter)"
            solo_stderr = ""
        detail = f"{kind} (exit status {status}), {alone}"
        if kind == "crash":
            self.stats.crashes += 1
        else:
            self.stats.hangs += 1
        self.stats.max_rss_kb = max(self.stats.max_rss_kb, rss)
        extra = {"exit_status": status, "solo_exit_status": solo_status, "stderr": stderr}
        extra["solo_stderr"] = solo_stderr
        self.save(case, kind, detail, extra)
        self.cleanup(case)

    @staticmethod
    def _message(case: Case) -> dict[str, Any]:
        return {"id": case.id, "model": str(case.model), "wav": str(case.wav)}

    def run(self) -> Stats:
        args = self.args
        workers = [start_worker(args, i) for i in range(args.workers)]
        next_case = 0
        started = time.monotonic()
        try:
            while True:
                idle = [w for w in workers if w.case is None]
                for w in idle:
                    if next_case >= args.cases:
                        break
                    w.case = self.make_case(next_case)
                    next_case += 1
                    w.deadline = time.monotonic() + args.timeout
                    w.proc.stdin.write((json.dumps(self._message(w.case)) + "\n").encode())
                    w.proc.stdin.flush()
                busy = [w for w in workers if w.case is not None]
                if not busy:
                    break
                self._wait(busy, workers)
                self.stats.cases = next_case - sum(1 for w in workers if w.case is not None)
        finally:
            for w in workers:
                with contextlib.suppress(Exception):
                    stop_worker(w)
        self.stats.cases = next_case
        self.seconds = time.monotonic() - started
        return self.stats

    def _wait(self, busy: list[Worker], workers: list[Worker]) -> None:
        sel = selectors.DefaultSelector()
        for w in busy:
            sel.register(w.channel, selectors.EVENT_READ, w)
        timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
        ready = [key.data for key, _ in sel.select(timeout)]
        sel.close()
        for w in busy:
            if w in ready:
                chunk = w.channel.read(65536)
                if chunk:
                    w.buffer += chunk
                    if b"\n" in w.buffer:
                        line, _, w.buffer = w.buffer.partition(b"\n")
                        reply = json.loads(line)
                        case, w.case = w.case, None
                        over = reply["rss_kb"] > self.args.rss_limit_mb * 1024
                        if over:
                            # A worker's peak only grows: the first case past
                            # the limit is the one; a fresh worker resets it.
                            self.stats.memory += 1
                            detail = f"peak RSS {reply['rss_kb'] // 1024} MiB"
                            self.save(case, "memory", detail, {"steps": reply["steps"]})
                        self.record(case, reply["steps"], reply["rss_kb"])
                        if over:
                            index = workers.index(w)
                            stop_worker(w)
                            workers[index] = start_worker(self.args, index)
                    continue
                self._replace(w, workers, "crash")
            elif time.monotonic() >= w.deadline:
                self._replace(w, workers, "hang")

    def _replace(self, w: Worker, workers: list[Worker], kind: str) -> None:
        case = w.case
        assert case is not None
        status, rss = stop_worker(w)
        self.stats.max_rss_kb = max(self.stats.max_rss_kb, rss)
        stderr = w.stderr_path.read_text(errors="replace")[-6000:]
        index = workers.index(w)
        workers[index] = start_worker(self.args, index)
        self.attribute(case, kind, status, stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="cases to run (default 200)")
    parser.add_argument("--workers", type=int, default=2, help="child processes (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="case generator seed (default 1)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per case (10)")
    parser.add_argument(
        "--mem-mb", type=int, default=4096, help="address-space cap per child, MiB (4096)"
    )
    parser.add_argument(
        "--rss-limit-mb",
        type=int,
        default=512,
        help="a case that takes a worker past this peak RSS is a finding, MiB (512)",
    )
    parser.add_argument(
        "--artifacts",
        type=Path,
        default=ROOT / "build" / "fuzz" / "artifacts" / "whole_path",
        help="where findings are saved (default build/fuzz/artifacts/whole_path)",
    )
    parser.add_argument("--keep-cases", action="store_true", help="keep every case's files")
    parser.add_argument("--worker-fd", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker_fd is not None:
        return worker_main(args.worker_fd)
    if args.cases < 0 or args.workers < 1 or args.timeout <= 0 or args.mem_mb < 256:
        parser.error("--cases >= 0, --workers >= 1, --timeout > 0 and --mem-mb >= 256")
    with tempfile.TemporaryDirectory(prefix="audioclf_fuzz_") as work:
        args.work = Path(work)
        fuzzer = Fuzzer(args)
        stats = fuzzer.run()
    for count, what, first in stats.signatures():
        print(f"  {count:4d} x {what} (first: case {first})")
    print(stats.summary(fuzzer.seconds), flush=True)
    findings = stats.crashes + stats.hangs + stats.unclear + stats.nonfinite + stats.memory
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
