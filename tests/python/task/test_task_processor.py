"""audioclf.task.processor: dataclass behaviour and protobuf conversion."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import sys

import numpy as np
import pytest
from audioclf.task import processor

try:
    import google.protobuf  # noqa: F401

    HAVE_PROTOBUF = True
except ImportError:
    HAVE_PROTOBUF = False
needs_protobuf = pytest.mark.skipif(
    not HAVE_PROTOBUF, reason="protobuf (the 'proto' extra) is not installed"
)


def _result() -> processor.ClassificationResult:
    return processor.ClassificationResult(
        [
            processor.Classifications(
                [
                    processor.Category(0, 0.75, "", "Speech"),
                    processor.Category(7, 0.125, "Parole", "Speech2"),
                ],
                0,
                "scores",
            ),
            processor.Classifications([], 1, "other"),
        ]
    )


def test_results_compare_by_value_and_print_their_contents() -> None:
    a, b = _result(), _result()
    assert a == b and a is not b
    b.classifications[0].categories[1].score = 0.25
    assert a != b
    text = repr(a)
    assert "Category(index=7, score=0.125, display_name='Parole', category_name='Speech2')" in text
    assert "head_name='scores'" in text
    assert str(a) == text


def test_results_pickle_copy_and_asdict() -> None:
    a = _result()
    assert pickle.loads(pickle.dumps(a)) == a
    assert copy.deepcopy(a) == a
    assert copy.copy(a) == a
    d = dataclasses.asdict(a)
    assert d["classifications"][0]["categories"][1] == {
        "index": 7,
        "score": 0.125,
        "display_name": "Parole",
        "category_name": "Speech2",
    }


@needs_protobuf
def test_classification_result_to_pb2_uses_the_task_library_field_names() -> None:
    from google.protobuf import text_format

    message = _result().to_pb2()
    text = text_format.MessageToString(message)
    assert 'class_name: "Speech2"' in text
    assert "classes {" in text and 'head_name: "scores"' in text
    head = message.classifications[0]
    assert [c.index for c in head.classes] == [0, 7]
    assert head.classes[0].HasField("display_name")  # set even when empty
    assert processor.ClassificationResult.create_from_pb2(message) == _result()


@needs_protobuf
def test_options_round_trip_and_map_names() -> None:
    options = processor.ClassificationOptions(
        score_threshold=0.5, category_name_allowlist=["a", "b"], max_results=3
    )
    message = options.to_pb2()
    assert list(message.class_name_allowlist) == ["a", "b"]
    assert not message.HasField("display_names_locale")
    assert message.max_results == 3
    assert processor.ClassificationOptions.create_from_pb2(message) == options
    assert processor.ClassificationOptions() == processor.ClassificationOptions()
    assert processor.ClassificationOptions(max_results=2) != processor.ClassificationOptions()
    default = processor.ClassificationOptions().to_pb2()
    assert default.max_results == -1 and not default.HasField("max_results")

    embedding = processor.EmbeddingOptions(l2_normalize=True)
    assert processor.EmbeddingOptions.create_from_pb2(embedding.to_pb2()) == embedding
    assert embedding.to_pb2().l2_normalize and not embedding.to_pb2().quantize


@needs_protobuf
def test_feature_vectors_compare_arrays_and_round_trip() -> None:
    floats = processor.FeatureVector(np.array([0.5, -0.25, 1.0], dtype=np.float32))
    assert floats == processor.FeatureVector(np.array([0.5, -0.25, 1.0], dtype=np.float32))
    assert floats != processor.FeatureVector(np.array([0.5, -0.25, 0.0], dtype=np.float32))
    assert not floats.quantized
    message = floats.to_pb2()
    assert list(message.value_float) == [0.5, -0.25, 1.0]
    assert processor.FeatureVector.create_from_pb2(message) == floats

    quantized = processor.FeatureVector(np.array([1, 255, 128], dtype=np.uint8))  # 1, -1, -128
    assert quantized.quantized
    assert quantized.to_pb2().value_string == bytes([1, 255, 128])
    assert processor.FeatureVector.create_from_pb2(quantized.to_pb2()) == quantized
    # Same numbers, one float and one quantized: different vectors.
    assert processor.FeatureVector(np.array([1.0, 1.0, 1.0])) != processor.FeatureVector(
        np.array([1, 1, 1], dtype=np.uint8)
    )

    result = processor.EmbeddingResult([processor.Embedding(floats, 0)])
    assert processor.EmbeddingResult.create_from_pb2(result.to_pb2()) == result
    assert pickle.loads(pickle.dumps(result)) == result
    assert copy.deepcopy(result) == result
    assert "FeatureVector(value=array([ 0.5 , -0.25,  1.  ]" in repr(result)
    with pytest.raises(TypeError):
        hash(floats)


def test_to_pb2_without_protobuf_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import audioclf.task.proto

    monkeypatch.delitem(sys.modules, "audioclf.task.proto.tflite_task_pb2", raising=False)
    monkeypatch.delattr(audioclf.task.proto, "tflite_task_pb2", raising=False)
    for name in [m for m in sys.modules if m.startswith("google.protobuf")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "google.protobuf", None)
    with pytest.raises(ImportError, match=r"pip install 'audioclf\[proto\]'"):
        _result().to_pb2()
    # Everything but the conversion works without it.
    assert _result() == _result()
