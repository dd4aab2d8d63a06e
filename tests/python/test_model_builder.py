"""Tests of tests/python/model_builder.py: built models run in LiteRT and match numpy,
their metadata and zip read back, and the broken-input helpers break what they say."""

from __future__ import annotations

import importlib.util
import io
import struct
import zipfile
from pathlib import Path

import model_builder as mb
import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter
from flatbuffers import encode, packer
from flatbuffers import number_types as fbn
from flatbuffers.table import Table
from model_builder import FlatTable, Head

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "tests" / "data"
SHARED_MODELS = REPO.parent / "shared" / "models"
TWO_HEADS_CALIBRATION = ("INVERSE_LOGISTIC", 0.2, ["1.0,2.0,0.5", "", "0.9,1.5,-0.2,0.3"])


def two_heads() -> list[Head]:
    return [
        Head(
            3,
            name="loudness",
            activation="sigmoid",
            labels=["quiet", "moderate", "loud"],
            labels_locale="en",
            display_names={"fr": ["calme", "modéré", "fort"]},
            calibration=TWO_HEADS_CALIBRATION,
        ),
        Head(
            4,
            name="sound_type",
            activation="softmax",
            labels=["silence", "tone", "noise", "voice"],
            labels_locale="en",
            display_names={"fr": ["silence", "tonalité", "bruit", "voix"]},
            score_threshold=0.1,
        ),
    ]


def run(model: bytes, samples: np.ndarray) -> list[np.ndarray]:
    """Runs a model once in LiteRT; returns each output flattened, in output order."""
    it = Interpreter(model_content=model)
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    it.set_tensor(inp["index"], samples.astype(np.float32).reshape(inp["shape"]))
    it.invoke()
    return [it.get_tensor(d["index"]).reshape(-1) for d in it.get_output_details()]


def samples_for(n: int, seed: int = 1) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(n) * 0.3).astype(np.float32)


def assert_matches_reference(
    heads: list[Head], got: list[np.ndarray], x: np.ndarray, seed: int = 0
) -> None:
    ref = mb.reference_outputs(heads, x, seed=seed)
    assert len(got) == len(ref)
    for head, g, r in zip(heads, got, ref):
        assert g.shape == (head.num_classes,)
        if head.quantize is None:
            assert g.dtype == np.float32
            np.testing.assert_allclose(g, r, atol=1e-5, rtol=0)
        else:
            qtype, scale, zp = head.quantize
            assert g.dtype == np.dtype(qtype)
            # Exact, except where float rounding may flip a value sitting on a .5 tie.
            float_ref = mb.reference_outputs(
                [Head(**{**head.__dict__, "quantize": None})], x, seed=seed
            )[0]
            frac = np.abs(np.modf(float_ref / scale)[0])
            near_tie = np.abs(frac - 0.5) < 1e-3
            diff = np.abs(g.astype(np.int64) - r.astype(np.int64))
            assert np.all(diff[~near_tie] == 0), (g, r)
            assert np.all(diff <= 1)


CONFIGS = {
    "softmax": ([Head(5, activation="softmax")], {}),
    "sigmoid": ([Head(4, activation="sigmoid")], {}),
    "none": ([Head(3, activation="none")], {}),
    "uint8_softmax": ([Head(6, quantize=("uint8", 1 / 256, 0))], {}),
    "int8_sigmoid": ([Head(4, activation="sigmoid", quantize=("int8", 1 / 256, -128))], {}),
    "int8_logits": ([Head(5, activation="none", quantize=("int8", 0.05, 3))], {}),
    "input_1d": ([Head(5)], {"input_shape_1d": True}),
    "two_heads": (two_heads(), {}),
    "stereo": ([Head(5, labels=["a", "b", "c", "d", "e"])], {"channels": 2, "sample_rate": 44100}),
    "no_metadata": ([Head(3)], {"with_metadata": False}),
    "seed_7": ([Head(4), Head(2, activation="sigmoid")], {"seed": 7}),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_runs_in_litert_and_matches_numpy(name: str) -> None:
    heads, kwargs = CONFIGS[name]
    n = 800
    model = mb.build_model(n, heads, **kwargs)
    it = Interpreter(model_content=model)
    inp = it.get_input_details()
    assert len(inp) == 1 and inp[0]["dtype"] == np.float32 and inp[0]["name"] == "audio"
    assert list(inp[0]["shape"]) == ([n] if kwargs.get("input_shape_1d") else [1, n])
    outs = it.get_output_details()
    assert [list(o["shape"]) for o in outs] == [[1, h.num_classes] for h in heads]
    for o, h in zip(outs, heads):
        if h.quantize is not None:
            scale, zp = o["quantization"]
            assert scale == pytest.approx(h.quantize[1]) and zp == h.quantize[2]
    for seed in (1, 2):
        x = samples_for(n, seed)
        assert_matches_reference(heads, run(model, x), x, seed=kwargs.get("seed", 0))


def test_outputs_are_not_flat() -> None:
    x = samples_for(1600)
    for scores in mb.reference_scores(two_heads(), x):
        assert np.ptp(scores) > 1e-3


def test_explicit_weights_are_used() -> None:
    w = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
    b = np.array([0.5, -0.5, 0.0], dtype=np.float32)
    heads = [Head(3, activation="none", weights=w, bias=b)]
    x = np.array([1, 2, 3, 4], dtype=np.float32)
    np.testing.assert_allclose(run(mb.build_model(4, heads), x)[0], w @ x + b, atol=1e-5)


def test_deterministic_bytes_and_seed() -> None:
    assert mb.build_model(400, two_heads()) == mb.build_model(400, two_heads())
    assert mb.build_model(400, two_heads(), seed=1) != mb.build_model(400, two_heads())


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        mb.build_model(401, [Head(3)], channels=2)
    with pytest.raises(ValueError):
        mb.build_model(400, [Head(3, activation="relu")])
    with pytest.raises(ValueError):
        mb.build_model(400, [Head(3, name="a"), Head(2, name="a")])
    with pytest.raises(ValueError):
        mb.build_model(400, [Head(3, weights=np.zeros((3, 5)))])


def test_model_structure_follows_schema() -> None:
    model = mb.build_model(
        800,
        [
            Head(4, activation="softmax"),
            Head(2, activation="sigmoid", quantize=("uint8", 1 / 256, 0)),
        ],
    )
    assert model[4:8] == b"TFL3"
    root = FlatTable.root(model)
    assert root.scalar(0, fbn.Uint32Flags) == 3  # Model.version
    buffers = root.tables(4)
    assert buffers[0].bytes_span(0) == (0, 0)  # empty sentinel
    for buf in buffers[1:]:
        start, length = buf.bytes_span(0)
        assert length > 0 and start % 16 == 0  # force_align: 16
    codes = {}
    for oc in root.tables(1):
        builtin = oc.scalar(3, fbn.Int32Flags)
        assert oc.scalar(0, fbn.Int8Flags) == builtin  # deprecated_builtin_code, all < 127
        codes[builtin] = oc.scalar(2, fbn.Int32Flags, 1)
    assert codes == {9: 1, 25: 1, 14: 1, 114: 1}
    (sg,) = root.tables(2)
    tensors = sg.tables(0)
    ops = sg.tables(3)
    assert len(ops) == 5
    fc = ops[0]
    assert fc.scalar(3, fbn.Uint8Flags) == 8  # BuiltinOptions.FullyConnectedOptions
    fc_opts = fc.table(4)
    assert [fc_opts.scalar(i, fbn.Int8Flags, -1) for i in range(3)] == [0, 0, 0]
    inputs = fc.scalars(1, fbn.Int32Flags)
    w = tensors[inputs[1]]
    assert w.scalars(0, fbn.Int32Flags) == [4, 800]
    start, length = buffers[w.scalar(2, fbn.Uint32Flags)].bytes_span(0)
    assert length == 4 * 4 * 800
    np.testing.assert_array_equal(
        np.frombuffer(model[start : start + length], "<f4").reshape(4, 800),
        mb.resolve_head_params(800, [Head(4)])[0][0],
    )
    softmax = ops[1]
    assert (
        softmax.scalar(3, fbn.Uint8Flags) == 9
        and softmax.table(4).scalar(0, fbn.Float32Flags) == 1.0
    )
    outputs = sg.scalars(2, fbn.Int32Flags)
    q = tensors[outputs[1]]
    assert q.scalar(1, fbn.Int8Flags) == 3  # UINT8
    quant = q.table(4)
    assert quant.scalars(2, fbn.Float32Flags) == [1 / 256] and quant.scalars(3, fbn.Int64Flags) == [
        0
    ]
    (entry,) = root.tables(6)
    assert (
        entry.string(0) == "TFLITE_METADATA"
        and entry.scalar(1, fbn.Uint32Flags) == len(buffers) - 1
    )


def test_metadata_round_trip() -> None:
    model = mb.build_model(1600, two_heads(), model_name="tiny_two_heads")
    md = mb.read_metadata(model)
    assert md is not None
    assert md["identifier"] == b"M001" and md["name"] == "tiny_two_heads"
    assert md["version"] == "v1" and md["min_parser_version"] == "1.3.0"
    (sg,) = md["subgraphs"]
    (inp,) = sg["inputs"]
    assert inp["name"] == "audio" and inp["content_type"] == mb.CONTENT_AUDIO
    assert inp["audio"] == {"sample_rate": 16000, "channels": 1}
    loud, sound = sg["outputs"]
    assert loud["name"] == "loudness" and loud["content_type"] == mb.CONTENT_FEATURE
    assert loud["process_units"] == [
        {
            "type": mb.PU_SCORE_CALIBRATION,
            "score_transformation": 2,
            "default_score": pytest.approx(0.2),
        }
    ]
    assert [(f["name"], f["type"], f["locale"]) for f in loud["associated_files"]] == [
        ("loudness_en.txt", 2, "en"),
        ("loudness_fr.txt", 2, "fr"),
        ("loudness_calibration.txt", 4, None),
    ]
    assert sound["process_units"] == [
        {"type": mb.PU_SCORE_THRESHOLDING, "global_score_threshold": pytest.approx(0.1)}
    ]
    assert [(f["name"], f["locale"]) for f in sound["associated_files"]] == [
        ("sound_type_en.txt", "en"),
        ("sound_type_fr.txt", "fr"),
    ]

    # Independent low-level check with the bare flatbuffers Table API.
    data = mb.metadata_bytes(model)
    assert encode.Get(packer.uoffset, data, 0) < len(data)
    root = Table(bytearray(data), encode.Get(packer.uoffset, data, 0))
    o = root.Offset(4 + 2 * 7)  # ModelMetadata.min_parser_version
    assert root.String(root.Pos + o) == b"1.3.0"
    o = root.Offset(4 + 2 * 3)  # subgraph_metadata
    sg_t = Table(root.Bytes, root.Indirect(root.Vector(o)))
    o = sg_t.Offset(4 + 2 * 2)  # input_tensor_metadata
    tm = Table(sg_t.Bytes, sg_t.Indirect(sg_t.Vector(o)))
    content = Table(tm.Bytes, tm.Indirect(tm.Pos + tm.Offset(4 + 2 * 3)))
    assert content.Get(fbn.Uint8Flags, content.Pos + content.Offset(4)) == 4  # AudioProperties
    props = Table(content.Bytes, content.Indirect(content.Pos + content.Offset(6)))
    assert props.Get(fbn.Uint32Flags, props.Pos + props.Offset(4)) == 16000


def test_stereo_and_missing_audio_properties() -> None:
    md = mb.read_metadata(mb.build_model(800, [Head(2)], channels=2, sample_rate=44100))
    assert md["subgraphs"][0]["inputs"][0]["audio"] == {"sample_rate": 44100, "channels": 2}
    md = mb.read_metadata(mb.build_model(800, [Head(2)], sample_rate=None))
    assert md["subgraphs"][0]["inputs"][0]["content_type"] is None


def test_unnamed_head_and_fewer_labels_than_classes() -> None:
    model = mb.build_model(400, [Head(5, labels=["a", "b", "c"])])
    out = mb.read_metadata(model)["subgraphs"][0]["outputs"][0]
    assert out["name"] is None
    assert mb.zip_files(model) == {"head0_labels.txt": b"a\nb\nc\n"}
    assert run(model, samples_for(400))[0].shape == (5,)


def test_zip_contents_and_layout() -> None:
    model = mb.build_model(1600, two_heads())
    with zipfile.ZipFile(io.BytesIO(model)) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == [
            "loudness_en.txt",
            "loudness_fr.txt",
            "loudness_calibration.txt",
            "sound_type_en.txt",
            "sound_type_fr.txt",
        ]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        assert z.read("loudness_fr.txt") == "calme\nmodéré\nfort\n".encode()
        assert z.read("loudness_calibration.txt") == b"1.0,2.0,0.5\n\n0.9,1.5,-0.2,0.3"
        assert z.read("sound_type_en.txt") == b"silence\ntone\nnoise\nvoice\n"
    # Offsets in the central directory are from the start of the .tflite file.
    first = infos[0].header_offset
    assert model[first : first + 4] == b"PK\x03\x04"
    eocd = model.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack_from("<I", model, eocd + 16)[0]
    assert model[cd_offset : cd_offset + 4] == b"PK\x01\x02"
    # Every associated file named in the metadata is in the zip.
    names = {
        f["name"]
        for o in mb.read_metadata(model)["subgraphs"][0]["outputs"]
        for f in o["associated_files"]
    }
    assert names == set(mb.zip_files(model))


def test_zip_deflated() -> None:
    heads = [Head(3, labels=["x" * 50] * 3)]
    model = mb.build_model(400, heads, zip_compression=zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(io.BytesIO(model)) as z:
        (info,) = z.infolist()
        assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size < info.file_size
    assert mb.zip_files(model)["head0_labels.txt"] == ("x" * 50 + "\n").encode() * 3


def test_no_metadata_model() -> None:
    model = mb.build_model(400, [Head(3)], with_metadata=False)
    assert mb.read_metadata(model) is None and mb.zip_files(model) == {}
    assert not FlatTable.root(model).has(6)


def test_calibrate_scores() -> None:
    head = two_heads()[0]
    s = np.array([0.7, 0.5, 0.2])
    got = mb.calibrate_scores(head, s)
    g0 = np.log(0.7) - np.log(0.3)
    assert got[0] == pytest.approx(1.0 / (1 + np.exp(-(2.0 * g0 + 0.5))))
    assert got[1] == pytest.approx(0.2)  # empty line: default score
    assert got[2] == pytest.approx(0.2)  # below min_score 0.3: default score
    got = mb.calibrate_scores(head, np.array([0.7, 0.5, 0.4]))
    g2 = np.log(0.4) - np.log(0.6)
    assert got[2] == pytest.approx(0.9 / (1 + np.exp(-(1.5 * g2 - 0.2))))


def test_corrupt_metadata_offset() -> None:
    model = mb.build_model(400, two_heads())
    bad = mb.corrupt_metadata_offset(model)
    assert len(bad) == len(model)
    data = mb.metadata_bytes(bad)
    assert encode.Get(packer.uoffset, data, 0) > len(data)
    run(bad, samples_for(400))  # TFLite itself ignores the metadata


def test_corrupt_metadata_identifier() -> None:
    bad = mb.corrupt_metadata_identifier(mb.build_model(400, two_heads()))
    assert mb.metadata_bytes(bad)[4:8] == b"XXXX"
    assert mb.read_metadata(bad)["name"] == "tiny_audio_classifier"  # otherwise intact


def test_metadata_buffer_out_of_range() -> None:
    model = mb.build_model(400, two_heads())
    bad = mb.metadata_buffer_out_of_range(model)
    root = FlatTable.root(bad)
    (entry,) = root.tables(6)
    assert entry.scalar(1, fbn.Uint32Flags) >= len(root.tables(4))


def test_truncate_zip_entry() -> None:
    model = mb.build_model(400, two_heads())
    bad = mb.truncate_zip_entry(model)
    assert len(bad) == len(model)
    with zipfile.ZipFile(io.BytesIO(bad)) as z:
        info = z.infolist()[0]
        name_len = len(info.filename.encode())
        data_start = info.header_offset + 30 + name_len
        assert data_start + info.compress_size > len(bad)
        with pytest.raises((zipfile.BadZipFile, EOFError)):
            z.read(info)
    local_size = struct.unpack_from("<I", bad, info.header_offset + 18)[0]
    assert info.header_offset + 30 + name_len + local_size > len(bad)


def test_strip_and_replace_zip() -> None:
    model = mb.build_model(400, two_heads())
    stripped = mb.strip_zip(model)
    assert mb.zip_files(stripped) == {} and mb.read_metadata(stripped) is not None
    files = mb.zip_files(model)
    del files["loudness_fr.txt"]
    replaced = mb.replace_zip(model, files)
    assert set(mb.zip_files(replaced)) == set(files)
    assert replaced.startswith(stripped)


def _load_make_fixtures():
    spec = importlib.util.spec_from_file_location("make_fixtures", DATA_DIR / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fixtures_are_up_to_date_and_run() -> None:
    mf = _load_make_fixtures()
    expected = mf.fixture_bytes()
    for name, data in expected.items():
        path = DATA_DIR / name
        assert path.exists() and path.read_bytes() == data, (
            f"{name} is stale: run tests/data/make_fixtures.py"
        )
    for name, (n, heads, kwargs) in mf.FIXTURES.items():
        x = samples_for(n)
        assert_matches_reference(heads, run(expected[name], x), x, seed=kwargs.get("seed", 0))


def test_tone_wav_fixture() -> None:
    import wave

    with wave.open(str(DATA_DIR / "tiny_tone.wav"), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (
            1,
            2,
            16000,
            8000,
        )
        pcm = np.frombuffer(w.readframes(8000), "<i2")
    assert abs(int(pcm[:4000].max()) - 16384) < 10


@pytest.mark.skipif(
    not (SHARED_MODELS / "two_heads.tflite").exists(), reason="/work/shared not available"
)
def test_layout_matches_tflite_support_writer() -> None:
    """Our metadata has the same shape as what tflite-support's writer produced for two_heads."""
    ref_model = (SHARED_MODELS / "two_heads.tflite").read_bytes()
    ref = mb.read_metadata(ref_model)
    ours = mb.read_metadata(mb.build_model(1600, two_heads()))
    assert (
        ref["identifier"] == ours["identifier"]
        and ref["min_parser_version"] == ours["min_parser_version"]
    )
    ref_in, our_in = ref["subgraphs"][0]["inputs"][0], ours["subgraphs"][0]["inputs"][0]
    assert ref_in["content_type"] == our_in["content_type"] == mb.CONTENT_AUDIO
    assert ref_in["audio"] == our_in["audio"]
    for r, o in zip(ref["subgraphs"][0]["outputs"], ours["subgraphs"][0]["outputs"]):
        assert r["name"] == o["name"] and r["content_type"] == o["content_type"]
        assert [
            (f["name"], f["type"], f["locale"], f["description"]) for f in r["associated_files"]
        ] == [(f["name"], f["type"], f["locale"], f["description"]) for f in o["associated_files"]]
        assert [u["type"] for u in r["process_units"]] == [
            u["type"] for u in o["process_units"] if u["type"] != 3
        ]
    ref_files, our_files = mb.zip_files(ref_model), mb.zip_files(mb.build_model(1600, two_heads()))
    assert list(ref_files) == list(our_files)
    for name in ref_files:
        # Same line structure: labels end with '\n', the calibration file does not.
        assert ref_files[name].count(b"\n") == our_files[name].count(b"\n")
        assert ref_files[name].endswith(b"\n") == our_files[name].endswith(b"\n")
