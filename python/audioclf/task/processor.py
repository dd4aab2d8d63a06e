"""Names of ``tflite_support.task.processor``: options and results as dataclasses.

Like tflite-support's, they compare by value, print their contents, pickle
and copy, and convert to and from protobuf messages with ``to_pb2()`` /
``create_from_pb2()`` (which need ``pip install 'audioclf[proto]'``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from audioclf import _core
from audioclf.task.proto import messages

__all__ = [
    "Category",
    "ClassificationOptions",
    "ClassificationResult",
    "Classifications",
    "Embedding",
    "EmbeddingOptions",
    "EmbeddingResult",
    "FeatureVector",
]


@dataclasses.dataclass
class ClassificationOptions:
    """How results are filtered: threshold, allow/deny list by label, count, locale."""

    score_threshold: float | None = None
    category_name_allowlist: list[str] | None = None
    category_name_denylist: list[str] | None = None
    display_names_locale: str | None = None
    max_results: int | None = None

    def to_pb2(self) -> Any:
        return messages().ClassificationOptions(
            score_threshold=self.score_threshold,
            class_name_allowlist=self.category_name_allowlist,
            class_name_denylist=self.category_name_denylist,
            display_names_locale=self.display_names_locale,
            max_results=self.max_results,
        )

    @classmethod
    def create_from_pb2(cls, pb2_obj: Any) -> ClassificationOptions:
        def get(name: str) -> Any:
            return getattr(pb2_obj, name) if pb2_obj.HasField(name) else None

        return cls(
            score_threshold=get("score_threshold"),
            category_name_allowlist=list(pb2_obj.class_name_allowlist) or None,
            category_name_denylist=list(pb2_obj.class_name_denylist) or None,
            display_names_locale=get("display_names_locale"),
            max_results=get("max_results"),
        )

    def _to_core(self) -> _core.ClassificationOptions:
        if self.category_name_allowlist and self.category_name_denylist:
            raise ValueError(
                "classification_options: `class_name_allowlist` and `class_name_denylist` "
                "are mutually exclusive options (category_name_allowlist and "
                "category_name_denylist: give at most one)."
            )
        return _core.ClassificationOptions(
            score_threshold=self.score_threshold,
            category_name_allowlist=self.category_name_allowlist,
            category_name_denylist=self.category_name_denylist,
            display_names_locale=self.display_names_locale,
            max_results=self.max_results,
        )


@dataclasses.dataclass
class EmbeddingOptions:
    """Post-processing of feature vectors: unit L2 norm, int8 quantization."""

    l2_normalize: bool | None = None
    quantize: bool | None = None

    def to_pb2(self) -> Any:
        return messages().EmbeddingOptions(l2_normalize=self.l2_normalize, quantize=self.quantize)

    @classmethod
    def create_from_pb2(cls, pb2_obj: Any) -> EmbeddingOptions:
        return cls(
            l2_normalize=pb2_obj.l2_normalize if pb2_obj.HasField("l2_normalize") else None,
            quantize=pb2_obj.quantize if pb2_obj.HasField("quantize") else None,
        )

    def _to_core(self) -> _core.EmbeddingOptions:
        return _core.EmbeddingOptions(
            l2_normalize=bool(self.l2_normalize), quantize=bool(self.quantize)
        )


@dataclasses.dataclass
class Category:
    """One class of a head: its index, score and names."""

    index: int
    score: float
    display_name: str
    category_name: str

    @property
    def class_name(self) -> str:
        """``category_name`` under its protobuf name, which older tflite-support code reads."""
        return self.category_name

    def to_pb2(self) -> Any:
        return messages().Class(
            index=self.index,
            score=self.score,
            display_name=self.display_name,
            class_name=self.category_name,
        )

    @classmethod
    def create_from_pb2(cls, pb2_obj: Any) -> Category:
        return cls(pb2_obj.index, pb2_obj.score, pb2_obj.display_name, pb2_obj.class_name)


@dataclasses.dataclass
class Classifications:
    """The kept categories of one head, by descending score."""

    categories: list[Category]
    head_index: int
    head_name: str

    @property
    def classes(self) -> list[Category]:
        """``categories`` under its protobuf name, which older tflite-support code reads."""
        return self.categories

    def to_pb2(self) -> Any:
        return messages().Classifications(
            classes=[c.to_pb2() for c in self.categories],
            head_index=self.head_index,
            head_name=self.head_name,
        )

    @classmethod
    def create_from_pb2(cls, pb2_obj: Any) -> Classifications:
        return cls(
            [Category.create_from_pb2(c) for c in pb2_obj.classes],
            pb2_obj.head_index,
            pb2_obj.head_name,
        )


@dataclasses.dataclass
class ClassificationResult:
    """One Classifications per head of the model, in head order."""

    classifications: list[Classifications]

    def to_pb2(self) -> Any:
        return messages().ClassificationResult(
            classifications=[c.to_pb2() for c in self.classifications]
        )

    @classmethod
    def create_from_pb2(cls, pb2_obj: Any) -> ClassificationResult:
        return cls([Classifications.create_from_pb2(c) for c in pb2_obj.classifications])

    @classmethod
    def _from_core(cls, native: _core.ClassificationResult) -> ClassificationResult:
        return cls(
            [
                Classifications([Category(*c) for c in categories], head_index, head_name)
                for categories, head_index, head_name in native._rows()
            ]
        )


@dataclasses.dataclass(eq=False)
class FeatureVector:
    """A feature vector: float values, or (quantized) int8 values held as uint8
    bytes, as tflite-support hands them out."""

    value: np.ndarray

    @property
    def quantized(self) -> bool:
        return self.value.dtype.itemsize == 1 and self.value.dtype.kind in "iu"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FeatureVector):
            return NotImplemented
        return self.quantized == other.quantized and np.array_equal(self.value, other.value)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the peer's

    # The protobuf message's field names, which older tflite-support code reads.
    @property
    def value_float(self) -> np.ndarray:
        """The float values (empty when quantized)."""
        return self.value[:0].astype(np.float32) if self.quantized else self.value

    @property
    def value_string(self) -> bytes:
        """The int8 values as bytes (empty when not quantized)."""
        return self.value.tobytes() if self.quantized else b""

    def to_pb2(self) -> Any:
        if self.quantized:
            return messages().FeatureVector(value_string=self.value.tobytes())
        return messages().FeatureVector(value_float=self.value.astype(np.float32).tolist())

    @classmethod
    def create_from_pb2(cls, pb2_obj: Any) -> FeatureVector:
        if pb2_obj.HasField("value_string"):
            return cls(np.frombuffer(pb2_obj.value_string, dtype=np.uint8).copy())
        return cls(np.array(pb2_obj.value_float, dtype=np.float32))

    def _to_core(self) -> _core.FeatureVector:
        return _core.FeatureVector(self.value)


@dataclasses.dataclass
class Embedding:
    """The feature vector of one model output."""

    feature_vector: FeatureVector
    output_index: int

    def to_pb2(self) -> Any:
        return messages().Embedding(
            feature_vector=self.feature_vector.to_pb2(), output_index=self.output_index
        )

    @classmethod
    def create_from_pb2(cls, pb2_obj: Any) -> Embedding:
        return cls(FeatureVector.create_from_pb2(pb2_obj.feature_vector), pb2_obj.output_index)


@dataclasses.dataclass
class EmbeddingResult:
    """One Embedding per model output, in output order."""

    embeddings: list[Embedding]

    def to_pb2(self) -> Any:
        return messages().EmbeddingResult(embeddings=[e.to_pb2() for e in self.embeddings])

    @classmethod
    def create_from_pb2(cls, pb2_obj: Any) -> EmbeddingResult:
        return cls([Embedding.create_from_pb2(e) for e in pb2_obj.embeddings])

    @classmethod
    def _from_core(cls, native: _core.EmbeddingResult) -> EmbeddingResult:
        out = []
        for e in native.embeddings:
            vector = e.feature_vector
            value = vector.value
            out.append(
                Embedding(
                    FeatureVector(value.view(np.uint8) if vector.quantized else value),
                    e.output_index,
                )
            )
        return cls(out)
