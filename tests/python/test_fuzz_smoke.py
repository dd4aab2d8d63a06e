"""The fuzzers in fuzz/: the smoke run (every libFuzzer target for a few
seconds, then the whole-path fuzzer) must find nothing; the seed WAVs and the
whole-path fuzzer's verdicts are checked on their own."""

from __future__ import annotations

import importlib.util
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ROOT

FUZZ = ROOT / "fuzz"


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(FUZZ))
    try:
        spec = importlib.util.spec_from_file_location(name, FUZZ / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(FUZZ))


def test_smoke_run_finds_nothing() -> None:
    run = _load("run")
    why = run.libfuzzer_available()
    if why:
        pytest.skip(why)
    proc = subprocess.run(
        [sys.executable, str(FUZZ / "run.py"), "smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    output = proc.stdout + proc.stderr
    print(output)
    assert proc.returncode == 0, f"fuzz smoke run reported findings:\n{output[-20000:]}"
    assert "fuzz smoke: no findings" in proc.stdout
    assert "whole-path: cases=40 " in proc.stdout


@pytest.mark.parametrize(
    ("bits", "is_float", "channels", "extensible", "subtype"),
    [
        (8, False, 1, False, "PCM_U8"),
        (16, False, 2, False, "PCM_16"),
        (24, False, 3, False, "PCM_24"),
        (32, False, 1, True, "PCM_32"),
        (32, True, 2, False, "FLOAT"),
        (64, True, 2, True, "DOUBLE"),
    ],
)
def test_seed_wavs_are_what_they_claim(
    tmp_path: Path, bits: int, is_float: bool, channels: int, extensible: bool, subtype: str
) -> None:
    soundfile = pytest.importorskip("soundfile")
    seeds = _load("make_seeds")
    path = tmp_path / "seed.wav"
    path.write_bytes(
        seeds.wav_bytes(
            rate=22050,
            bits=bits,
            is_float=is_float,
            channels=channels,
            extensible=extensible,
            frames=101,
            extra_chunks=True,
        )
    )
    info = soundfile.info(str(path))
    assert (info.samplerate, info.channels, info.frames) == (22050, channels, 101)
    assert info.subtype == subtype
    data, _ = soundfile.read(str(path), dtype="float64")
    # A 0.5-amplitude tone, within the format's quantization step.
    assert abs(abs(data).max() - 0.5) < 0.01


def test_wav_fields_find_the_fmt_chunk() -> None:
    seeds, whole = _load("make_seeds"), _load("fuzz_whole_path")
    wav = seeds.wav_bytes(channels=2, bits=24, frames=10)
    fields = {f.what: f for f in whole.wav_fields(wav)}
    assert struct.unpack_from("<H", wav, fields["fmt.channels"].pos) == (2,)
    assert struct.unpack_from("<I", wav, fields["fmt.sample_rate"].pos) == (16000,)
    assert struct.unpack_from("<H", wav, fields["fmt.block_align"].pos) == (6,)
    assert struct.unpack_from("<I", wav, fields["'data'.size"].pos) == (60,)


def test_model_fields_point_at_the_values_they_name() -> None:
    whole = _load("fuzz_whole_path")
    model = (ROOT / "tests" / "data" / "tiny_two_heads.tflite").read_bytes()
    fields = {f.what: f for f in whole.model_fields(model)}
    # Input [1, 1600]; 16 kHz mono in the metadata; the zip's first entry.
    shape = "subgraphs[0].tensors[0].shape"
    assert struct.unpack_from("<ii", model, fields[f"{shape}[0]"].pos) == (1, 1600)
    rate = fields["metadata.subgraph[0].input[0].audio.sample_rate"]
    assert struct.unpack_from("<I", model, rate.pos) == (16000,)
    assert model[fields["zip.local[0].method"].pos - 8 : fields["zip.local[0].method"].pos - 4] == (
        b"PK\x03\x04"
    )


def test_whole_path_verdicts() -> None:
    whole = _load("fuzz_whole_path")
    case = whole.Case(0, Path("/tmp/case7.tflite"), Path("/tmp/case7.wav"), [])
    ok = {"step": "create_from_file", "error": None}

    def error(kind: str, message: str, step: str = "classify_file") -> dict:
        return {"step": step, "error": kind, "message": message}

    assert whole.verdict(case, [ok, ok])[0] == "ok"
    assert whole.verdict(case, [error("ValueError", "/tmp/case7.wav: no data chunk")])[0] == (
        "clean"
    )
    assert whole.verdict(case, [error("ValueError", "audio: array is empty", "classify")])[0] == (
        "clean"
    )
    assert whole.verdict(case, [error("ValueError", "bad channel count")])[0] == "unclear"
    assert whole.verdict(case, [error("MemoryError", "case7.tflite: std::bad_alloc")])[0] == (
        "unclear"
    )
    assert whole.verdict(case, [{**ok, "nonfinite": True}])[0] == "nonfinite"
    cli_ok = {**error("exit", "audioclf: error: case7.tflite: bad shape", "cli"), "code": 1}
    cli_bad = {**error("exit", "Traceback ...", "cli"), "code": 1}
    assert whole.verdict(case, [cli_ok])[0] == "clean"
    assert whole.verdict(case, [cli_bad])[0] == "unclear"
