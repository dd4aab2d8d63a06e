"""Edited graphs never reach LiteRT unchecked: each one-field edit of a valid
model that used to crash LiteRT (a heap overflow on an output larger than
declared, a SIGSEGV on a missing or unwritten input, a bad quantization
scale) is refused with a ValueError naming the tensor or field."""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import audioclf
import numpy as np
import pytest
from conftest import ROOT
from model_builder import FlatTable, _Model, _Operator, _OperatorCode, _Quant, _SubGraph, _Tensor

DATA = ROOT / "tests" / "data"


def _subgraph(model: bytes) -> FlatTable:
    return FlatTable.root(model).tables(_Model.SUBGRAPHS)[0]


def _vector_slot(table: FlatTable, slot: int, index: int, width: int = 4) -> int:
    start, n = table._vector(slot)
    assert index < n
    return start + width * index


def set_op_input(model: bytes, op: int, position: int, tensor: int) -> bytes:
    data = bytearray(model)
    table = _subgraph(data).tables(_SubGraph.OPERATORS)[op]
    struct.pack_into("<i", data, _vector_slot(table, _Operator.INPUTS, position), tensor)
    return bytes(data)


def set_tensor_dim(model: bytes, tensor: int, dim: int, value: int) -> bytes:
    data = bytearray(model)
    table = _subgraph(data).tables(_SubGraph.TENSORS)[tensor]
    struct.pack_into("<i", data, _vector_slot(table, _Tensor.SHAPE, dim), value)
    return bytes(data)


def set_scale(model: bytes, tensor: int, scale: float) -> bytes:
    data = bytearray(model)
    quant = _subgraph(data).tables(_SubGraph.TENSORS)[tensor].table(_Tensor.QUANTIZATION)
    assert quant is not None
    struct.pack_into("<f", data, _vector_slot(quant, _Quant.SCALE, 0), scale)
    return bytes(data)


def set_opcode(model: bytes, code_index: int, code: int) -> bytes:
    data = bytearray(model)
    entry = FlatTable.root(data).tables(_Model.OPERATOR_CODES)[code_index]
    struct.pack_into("<i", data, entry.field_pos(_OperatorCode.BUILTIN_CODE), code)
    deprecated = entry.field_pos(_OperatorCode.DEPRECATED_BUILTIN_CODE)
    struct.pack_into("<b", data, deprecated, min(code, 127))
    return bytes(data)


def tensor_names(model: bytes) -> list[str]:
    return [t.string(_Tensor.NAME) or "" for t in _subgraph(model).tables(_SubGraph.TENSORS)]


def _classifier(tmp_path: Path, model: bytes) -> audioclf.AudioClassifier:
    path = tmp_path / "edited.tflite"
    path.write_bytes(model)
    return audioclf.AudioClassifier.create_from_file(str(path))


@pytest.fixture
def softmax_model() -> bytes:
    # audio [1,400] -> FULLY_CONNECTED -> logits [1,5] -> SOFTMAX -> scores [1,5]
    model = (DATA / "tiny_softmax.tflite").read_bytes()
    assert tensor_names(model)[:3] == ["audio", "probability/weights", "probability/bias"]
    return model


def test_unedited_fixture_classifies(tmp_path: Path, softmax_model: bytes) -> None:
    classifier = _classifier(tmp_path, softmax_model)
    result = classifier.classify(np.full(400, 0.1, np.float32), sample_rate=16000)
    scores = [c.score for c in result.classifications[0].categories]
    assert len(scores) == 5 and math.isclose(sum(scores), 1.0, rel_tol=1e-5)


def test_output_computed_larger_than_declared_is_refused(
    tmp_path: Path, softmax_model: bytes
) -> None:
    # SOFTMAX rewired to read the audio: it computes [1,400] into a [1,5] output.
    edited = set_op_input(softmax_model, op=1, position=0, tensor=0)
    with pytest.raises(ValueError) as error:
        _classifier(tmp_path, edited)
    message = str(error.value)
    assert "edited.tflite: output tensor 0 ('probability/scores')" in message
    assert "declared with shape [1, 5]" in message
    assert "compute shape [1, 400]" in message


def test_weight_shape_that_does_not_match_its_buffer_is_refused(
    tmp_path: Path, softmax_model: bytes
) -> None:
    edited = set_tensor_dim(softmax_model, tensor=1, dim=1, value=64)
    with pytest.raises(
        ValueError,
        match=r"tensors\[1\]\.buffer: constant holds 8000 bytes "
        r"but its shape needs 1280",
    ):
        _classifier(tmp_path, edited)


@pytest.mark.parametrize(
    ("op", "position", "tensor", "expected"),
    [
        (0, 0, -1, r"operators\[0\]\.inputs\[0\]: input 0 of operator code 9 is required"),
        (1, 0, -1, r"operators\[1\]\.inputs\[0\]: input 0 of operator code 25 is required"),
        (0, 0, 4, r"operators\[0\]\.inputs\[0\]: tensor 4 is read before any operator writes"),
        (1, 0, 99, r"operators\[1\]\.inputs\[0\]: tensor index 99 out of range"),
    ],
)
def test_missing_or_unwritten_inputs_are_refused(
    tmp_path: Path, softmax_model: bytes, op: int, position: int, tensor: int, expected: str
) -> None:
    with pytest.raises(ValueError, match=expected):
        _classifier(tmp_path, set_op_input(softmax_model, op, position, tensor))


@pytest.mark.parametrize("scale", [0.0, -1.0, math.nan, math.inf, 1e-45, 1e38])
def test_bad_output_quantization_scale_is_refused(tmp_path: Path, scale: float) -> None:
    model = (DATA / "tiny_uint8.tflite").read_bytes()
    names = tensor_names(model)
    quantized = names.index("probability/quantized")
    # The post-processor refuses a non-positive or non-finite output scale
    # first; the graph validator also refuses denormal and enormous ones.
    with pytest.raises(
        ValueError,
        match=rf"edited\.tflite: (subgraphs\[0\]\.tensors\[{quantized}\]\.quantization\.scale: "
        r"scale\[0\] is .* \(expected a finite value > 0, in 1e-30..1e30\)"
        r"|output tensor 0 has quantization scale .*; expected a finite value > 0)",
    ):
        _classifier(tmp_path, set_scale(model, quantized, scale))


@pytest.mark.parametrize("op", [0, 1])
def test_every_operator_code_in_place_of_a_real_one_fails_cleanly(
    tmp_path: Path, softmax_model: bytes, op: int
) -> None:
    """FULLY_CONNECTED's (3 inputs) or SOFTMAX's (1 input) code replaced by
    each builtin code in turn: SPLIT, SLICE, BATCH_MATMUL and ASSIGN_VARIABLE
    crashed LiteRT, reading inputs that are not there. In a child process, so
    that a crash fails this test rather than the run: every case classifies
    with finite scores or raises ValueError/RuntimeError naming the file."""
    codes = range(0, 210)
    paths = []
    for code in codes:
        path = tmp_path / f"code_{code}.tflite"
        path.write_bytes(set_opcode(softmax_model, op, code))
        paths.append(str(path))
    script = textwrap.dedent(
        """
        import json, math, sys
        import numpy as np
        import audioclf
        counts = {"ok": 0, "ValueError": 0, "RuntimeError": 0}
        for path in json.loads(sys.argv[1]):
            try:
                c = audioclf.AudioClassifier.create_from_file(path)
                r = c.classify(np.full(400, 0.1, np.float32), sample_rate=16000)
                for head in r.classifications:
                    for cat in head.categories:
                        assert math.isfinite(cat.score), (path, cat.score)
                counts["ok"] += 1
            except (ValueError, RuntimeError) as e:
                assert path in str(e), (path, str(e))
                counts[type(e).__name__] += 1
        print(json.dumps(counts))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, json.dumps(paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sum(counts.values()) == len(codes)
    # The original op and the shape-keeping ones (activations) still run.
    assert counts["ok"] >= 1
    assert counts["ValueError"] >= 100
