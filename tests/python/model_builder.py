"""Pure-Python builder of tiny TFLite audio-classification models with metadata.

Tests use it to get models without /work/shared. Each model is:

    input "audio" float32 [1, N] (or [N]), N = window_frames * channels, interleaved
    per head: FULLY_CONNECTED (weights [K, N], bias [K]) -> logits [1, K]
              -> optional SOFTMAX (beta 1.0) or LOGISTIC
              -> optional QUANTIZE to uint8/int8
    outputs: the last tensor of each head, in head order.

With metadata, a TFLite metadata flatbuffer ("M001") sits in a buffer referenced
by the Model.metadata entry "TFLITE_METADATA", and the associated files (label
and score-calibration files) are appended as a zip archive, laid out the way
tflite-support's metadata writer lays them out (see /work/shared/models).

The flatbuffers are written with the raw ``flatbuffers.Builder`` API. Slot
numbers follow declaration order in tensorflow/compiler/mlir/lite/schema/
schema.fbs and in the TFLite metadata_schema.fbs (1.5.0); a union field takes
two slots (``<name>_type`` then ``<name>``).
"""

from __future__ import annotations

import io
import math
import struct
import zipfile
from dataclasses import dataclass, field
from typing import Any

import flatbuffers
import numpy as np
from flatbuffers import encode, packer
from flatbuffers import number_types as fbn
from flatbuffers.table import Table

__all__ = [
    "Head",
    "FlatTable",
    "build_model",
    "embedding_head",
    "resolve_head_params",
    "deterministic_uniform",
    "reference_outputs",
    "reference_scores",
    "calibrate_scores",
    "label_file_name",
    "calibration_file_name",
    "metadata_bytes",
    "read_metadata",
    "zip_files",
    "strip_zip",
    "replace_zip",
    "corrupt_metadata_offset",
    "corrupt_metadata_identifier",
    "metadata_buffer_out_of_range",
    "truncate_zip_entry",
]

MODEL_IDENTIFIER = b"TFL3"
METADATA_IDENTIFIER = b"M001"
METADATA_NAME = "TFLITE_METADATA"
LABELS_DESCRIPTION = "Labels for categories that the model can recognize."
CALIBRATION_DESCRIPTION = (
    "Contains sigmoid-based score calibration parameters. The main purposes of "
    "score calibration is to make scores across classes comparable, so that a "
    "common threshold can be used for all output classes."
)


# --- schema.fbs (TFLite model) ---------------------------------------------
class _Model:
    VERSION, OPERATOR_CODES, SUBGRAPHS, DESCRIPTION, BUFFERS = 0, 1, 2, 3, 4
    METADATA_BUFFER, METADATA, SIGNATURE_DEFS = 5, 6, 7
    NSLOTS = 8


class _SubGraph:
    TENSORS, INPUTS, OUTPUTS, OPERATORS, NAME = 0, 1, 2, 3, 4
    NSLOTS = 5


class _Tensor:
    SHAPE, TYPE, BUFFER, NAME, QUANTIZATION = 0, 1, 2, 3, 4
    NSLOTS = 5


class _Quant:  # QuantizationParameters; details is a union (slots 4 and 5).
    MIN, MAX, SCALE, ZERO_POINT = 0, 1, 2, 3
    NSLOTS = 7


class _OperatorCode:
    DEPRECATED_BUILTIN_CODE, CUSTOM_CODE, VERSION, BUILTIN_CODE = 0, 1, 2, 3
    NSLOTS = 4


class _Operator:
    OPCODE_INDEX, INPUTS, OUTPUTS = 0, 1, 2
    BUILTIN_OPTIONS_TYPE, BUILTIN_OPTIONS = 3, 4  # union
    NSLOTS = 5


class _FullyConnectedOptions:
    FUSED_ACTIVATION_FUNCTION, WEIGHTS_FORMAT, KEEP_NUM_DIMS = 0, 1, 2
    NSLOTS = 3


class _SoftmaxOptions:
    BETA = 0
    NSLOTS = 1


class _Buffer:
    DATA = 0
    NSLOTS = 1


class _Metadata:
    NAME, BUFFER = 0, 1
    NSLOTS = 2


TENSOR_FLOAT32, TENSOR_UINT8, TENSOR_INT8 = 0, 3, 9
OP_FULLY_CONNECTED, OP_LOGISTIC, OP_SOFTMAX, OP_QUANTIZE = 9, 14, 25, 114
# BuiltinOperator values >= this one only fit in OperatorCode.builtin_code.
OP_PLACEHOLDER_FOR_GREATER_OP_CODES = 127
OPTIONS_FULLY_CONNECTED, OPTIONS_SOFTMAX = 8, 9  # BuiltinOptions union indices


# --- metadata_schema.fbs -----------------------------------------------------
class _ModelMetadata:
    NAME, DESCRIPTION, VERSION, SUBGRAPH_METADATA = 0, 1, 2, 3
    AUTHOR, LICENSE, ASSOCIATED_FILES, MIN_PARSER_VERSION = 4, 5, 6, 7
    NSLOTS = 8


class _SubGraphMetadata:
    NAME, DESCRIPTION, INPUT_TENSOR_METADATA, OUTPUT_TENSOR_METADATA = 0, 1, 2, 3
    ASSOCIATED_FILES = 4
    NSLOTS = 5


class _TensorMetadata:
    NAME, DESCRIPTION, DIMENSION_NAMES, CONTENT = 0, 1, 2, 3
    PROCESS_UNITS, STATS, ASSOCIATED_FILES = 4, 5, 6
    NSLOTS = 7


class _Content:
    CONTENT_PROPERTIES_TYPE, CONTENT_PROPERTIES, RANGE = 0, 1, 2  # union 0+1
    NSLOTS = 3


class _AudioProperties:
    SAMPLE_RATE, CHANNELS = 0, 1
    NSLOTS = 2


class _ProcessUnit:
    OPTIONS_TYPE, OPTIONS = 0, 1  # union
    NSLOTS = 2


class _ScoreCalibrationOptions:
    SCORE_TRANSFORMATION, DEFAULT_SCORE = 0, 1
    NSLOTS = 2


class _ScoreThresholdingOptions:
    GLOBAL_SCORE_THRESHOLD = 0
    NSLOTS = 1


class _AssociatedFile:
    NAME, DESCRIPTION, TYPE, LOCALE, VERSION = 0, 1, 2, 3, 4
    NSLOTS = 5


class _Stats:
    MAX, MIN = 0, 1
    NSLOTS = 2


CONTENT_FEATURE, CONTENT_IMAGE, CONTENT_BOUNDING_BOX, CONTENT_AUDIO = 1, 2, 3, 4
PU_NORMALIZATION, PU_SCORE_CALIBRATION, PU_SCORE_THRESHOLDING = 1, 2, 3
FILE_TENSOR_AXIS_LABELS, FILE_TENSOR_AXIS_SCORE_CALIBRATION = 2, 4
SCORE_TRANSFORMATIONS = {"IDENTITY": 0, "LOG": 1, "INVERSE_LOGISTIC": 2}

_ACTIVATIONS = ("softmax", "sigmoid", "none")
_QUANT_TYPES = {
    "uint8": (TENSOR_UINT8, 0, 255, np.uint8),
    "int8": (TENSOR_INT8, -128, 127, np.int8),
}
# A fixed timestamp keeps the appended zip byte-for-byte deterministic.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class Head:
    """One classification head (one output tensor) of a built model.

    ``calibration`` is ``(transformation, default_score, lines)`` with
    transformation in SCORE_TRANSFORMATIONS and lines ``"scale,slope,offset"``,
    ``"scale,slope,offset,min_score"`` or ``""``; it becomes a
    ScoreCalibrationOptions process unit plus a TENSOR_AXIS_SCORE_CALIBRATION
    file. Labels are never checked against ``num_classes`` so that tests can
    build mismatching models on purpose.
    """

    num_classes: int
    name: str | None = None  # TensorMetadata.name (the head name); None: omitted
    activation: str = "softmax"  # "softmax" | "sigmoid" | "none"
    labels: list[str] | None = None  # first TENSOR_AXIS_LABELS file
    labels_locale: str | None = None
    display_names: dict[str, list[str]] = field(default_factory=dict)  # locale -> names
    calibration: tuple[str, float, list[str]] | None = None
    score_threshold: float | None = None  # ScoreThresholdingOptions process unit
    quantize: tuple[str, float, int] | None = None  # ("uint8"|"int8", scale, zero_point)
    weights: np.ndarray | None = None  # [K, N]; default: deterministic_uniform, std 0.05
    bias: np.ndarray | None = None  # [K]; default: deterministic_uniform, std 0.05
    description: str | None = None  # TensorMetadata.description


def _file_base(head: Head, index: int) -> str:
    return head.name if head.name else f"head{index}"


def label_file_name(head: Head, index: int, locale: str | None) -> str:
    """Zip entry name of a head's label file (``<head>_<locale>.txt``, as in two_heads)."""
    return (
        f"{_file_base(head, index)}_{locale}.txt"
        if locale
        else f"{_file_base(head, index)}_labels.txt"
    )


def calibration_file_name(head: Head, index: int) -> str:
    """Zip entry name of a head's score-calibration file."""
    return f"{_file_base(head, index)}_calibration.txt"


_MASK64 = (1 << 64) - 1
_GOLDEN64 = np.uint64(0x9E3779B97F4A7C15)
# Uniform in [-a, a) has std a / sqrt(3): 0.05 std keeps logits around +-1 for N ~ 1000.
_WEIGHT_SCALE = 0.05 * 1.7320508075688772


def _splitmix64(z: np.ndarray) -> np.ndarray:
    # uint64 array arithmetic wraps modulo 2**64, which splitmix64 relies on.
    z = z + _GOLDEN64
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def deterministic_uniform(key: tuple[int, ...], n: int) -> np.ndarray:
    """n float64 values in [-1, 1) on a 2**-23 grid, bit-identical on every platform.

    numpy's Generator streams may change between numpy versions; fixtures are
    compared byte for byte, so they use this counter-based splitmix64 instead.
    """
    state = np.zeros(1, dtype=np.uint64)
    for k in key:
        state = _splitmix64(state ^ np.uint64(k & _MASK64))
    z = _splitmix64(state + np.arange(n, dtype=np.uint64) * _GOLDEN64)
    return (z >> np.uint64(40)).astype(np.float64) / float(1 << 23) - 1.0


def resolve_head_params(
    input_length: int, heads: list[Head], seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Returns (weights [K, N], bias [K]) float32 per head: the given ones or deterministic ones."""
    params = []
    for i, head in enumerate(heads):
        # Keyed by head index so that adding a head does not change the others.
        w = deterministic_uniform((seed, i, 0), head.num_classes * input_length) * _WEIGHT_SCALE
        w = w.reshape(head.num_classes, input_length)
        b = deterministic_uniform((seed, i, 1), head.num_classes) * _WEIGHT_SCALE
        if head.weights is not None:
            w = np.asarray(head.weights)
        if head.bias is not None:
            b = np.asarray(head.bias)
        w = np.ascontiguousarray(w, dtype=np.float32)
        b = np.ascontiguousarray(b, dtype=np.float32)
        if w.shape != (head.num_classes, input_length) or b.shape != (head.num_classes,):
            raise ValueError(
                f"head {i}: weights {w.shape} / bias {b.shape} do not fit "
                f"K={head.num_classes}, N={input_length}"
            )
        params.append((w, b))
    return params


def _validate(input_length: int, heads: list[Head], channels: int) -> None:
    if not heads:
        raise ValueError("a model needs at least one head")
    if input_length <= 0 or channels <= 0 or input_length % channels:
        raise ValueError(
            f"input_length {input_length} must be a positive multiple of channels {channels}"
        )
    names = [h.name for h in heads if h.name]
    if len(names) != len(set(names)):
        raise ValueError("head names must be unique (they name the zip entries)")
    for i, h in enumerate(heads):
        if h.num_classes <= 0:
            raise ValueError(f"head {i}: num_classes must be positive")
        if h.activation not in _ACTIVATIONS:
            raise ValueError(f"head {i}: activation must be one of {_ACTIVATIONS}")
        if h.quantize is not None and h.quantize[0] not in _QUANT_TYPES:
            raise ValueError(f"head {i}: quantize type must be one of {sorted(_QUANT_TYPES)}")
        if h.calibration is not None and h.calibration[0] not in SCORE_TRANSFORMATIONS:
            raise ValueError(
                f"head {i}: transformation must be one of {sorted(SCORE_TRANSFORMATIONS)}"
            )


# --- raw flatbuffers helpers -------------------------------------------------
def _vec_i32(b: flatbuffers.Builder, values: list[int]) -> int:
    b.StartVector(4, len(values), 4)
    for v in reversed(values):
        b.PrependInt32(v)
    return b.EndVector()


def _vec_i64(b: flatbuffers.Builder, values: list[int]) -> int:
    b.StartVector(8, len(values), 8)
    for v in reversed(values):
        b.PrependInt64(v)
    return b.EndVector()


def _vec_f32(b: flatbuffers.Builder, values: list[float]) -> int:
    b.StartVector(4, len(values), 4)
    for v in reversed(values):
        b.PrependFloat32(v)
    return b.EndVector()


def _vec_offsets(b: flatbuffers.Builder, offsets: list[int]) -> int:
    b.StartVector(4, len(offsets), 4)
    for o in reversed(offsets):
        b.PrependUOffsetTRelative(o)
    return b.EndVector()


def _vec_bytes(b: flatbuffers.Builder, data: bytes, alignment: int = 16) -> int:
    # Buffer.data is (force_align: 16); CreateByteVector only aligns to 4, so
    # reserve the aligned space with StartVector and copy the bytes in directly.
    b.StartVector(1, len(data), alignment)
    b.head = b.head - len(data)
    b.Bytes[b.head : b.head + len(data)] = data
    return b.EndVector()


def _empty_table(b: flatbuffers.Builder) -> int:
    b.StartObject(0)
    return b.EndObject()


def _string_or_none(b: flatbuffers.Builder, s: str | None) -> int | None:
    return b.CreateString(s) if s is not None else None


def _slot_offset(b: flatbuffers.Builder, slot: int, off: int | None) -> None:
    if off is not None:
        b.PrependUOffsetTRelativeSlot(slot, off, 0)


# --- metadata ------------------------------------------------------------------
def _associated_file(
    b: flatbuffers.Builder, name: str, ftype: int, description: str, locale: str | None
) -> int:
    name_off = b.CreateString(name)
    desc_off = b.CreateString(description)
    locale_off = _string_or_none(b, locale)
    b.StartObject(_AssociatedFile.NSLOTS)
    b.PrependUOffsetTRelativeSlot(_AssociatedFile.NAME, name_off, 0)
    b.PrependUOffsetTRelativeSlot(_AssociatedFile.DESCRIPTION, desc_off, 0)
    b.PrependInt8Slot(_AssociatedFile.TYPE, ftype, 0)
    _slot_offset(b, _AssociatedFile.LOCALE, locale_off)
    return b.EndObject()


def _content(b: flatbuffers.Builder, ptype: int, props: int) -> int:
    b.StartObject(_Content.NSLOTS)
    b.PrependUint8Slot(_Content.CONTENT_PROPERTIES_TYPE, ptype, 0)
    b.PrependUOffsetTRelativeSlot(_Content.CONTENT_PROPERTIES, props, 0)
    return b.EndObject()


def _process_unit(b: flatbuffers.Builder, otype: int, options: int) -> int:
    b.StartObject(_ProcessUnit.NSLOTS)
    b.PrependUint8Slot(_ProcessUnit.OPTIONS_TYPE, otype, 0)
    b.PrependUOffsetTRelativeSlot(_ProcessUnit.OPTIONS, options, 0)
    return b.EndObject()


def _head_files(head: Head, index: int) -> list[tuple[str, int, str, str | None, bytes]]:
    """(zip name, file type, description, locale, contents) in TensorMetadata order."""
    files = []
    if head.labels is not None:
        files.append(
            (
                label_file_name(head, index, head.labels_locale),
                FILE_TENSOR_AXIS_LABELS,
                LABELS_DESCRIPTION,
                head.labels_locale,
                "".join(f"{s}\n" for s in head.labels).encode(),
            )
        )
    for locale, names in head.display_names.items():
        files.append(
            (
                label_file_name(head, index, locale),
                FILE_TENSOR_AXIS_LABELS,
                LABELS_DESCRIPTION,
                locale,
                "".join(f"{s}\n" for s in names).encode(),
            )
        )
    if head.calibration is not None:
        # No trailing newline: tflite-support splits on '\n' and requires exactly
        # one line per label, so a final '\n' would read as an extra line.
        files.append(
            (
                calibration_file_name(head, index),
                FILE_TENSOR_AXIS_SCORE_CALIBRATION,
                CALIBRATION_DESCRIPTION,
                None,
                "\n".join(head.calibration[2]).encode(),
            )
        )
    return files


def _build_metadata(
    heads: list[Head],
    *,
    model_name: str,
    model_description: str | None,
    input_name: str,
    sample_rate: int | None,
    channels: int,
    min_parser_version: str,
) -> tuple[bytes, dict[str, bytes]]:
    b = flatbuffers.Builder(1024)
    zip_contents: dict[str, bytes] = {}

    # Input tensor: AudioProperties content, plus an empty Stats like the writer emits.
    in_name = b.CreateString(input_name)
    in_content = None
    if sample_rate is not None:
        b.StartObject(_AudioProperties.NSLOTS)
        b.PrependUint32Slot(_AudioProperties.SAMPLE_RATE, sample_rate, 0)
        b.PrependUint32Slot(_AudioProperties.CHANNELS, channels, 0)
        in_content = _content(b, CONTENT_AUDIO, b.EndObject())
    in_stats = _empty_table(b)
    b.StartObject(_TensorMetadata.NSLOTS)
    b.PrependUOffsetTRelativeSlot(_TensorMetadata.NAME, in_name, 0)
    _slot_offset(b, _TensorMetadata.CONTENT, in_content)
    b.PrependUOffsetTRelativeSlot(_TensorMetadata.STATS, in_stats, 0)
    input_tm = b.EndObject()

    output_tms = []
    for i, head in enumerate(heads):
        name_off = _string_or_none(b, head.name)
        desc_off = _string_or_none(b, head.description)
        content = _content(b, CONTENT_FEATURE, _empty_table(b))
        units = []
        if head.calibration is not None:
            b.StartObject(_ScoreCalibrationOptions.NSLOTS)
            b.PrependInt8Slot(
                _ScoreCalibrationOptions.SCORE_TRANSFORMATION,
                SCORE_TRANSFORMATIONS[head.calibration[0]],
                -1,
            )
            b.PrependFloat32Slot(
                _ScoreCalibrationOptions.DEFAULT_SCORE, head.calibration[1], math.nan
            )
            units.append(_process_unit(b, PU_SCORE_CALIBRATION, b.EndObject()))
        if head.score_threshold is not None:
            b.StartObject(_ScoreThresholdingOptions.NSLOTS)
            b.PrependFloat32Slot(
                _ScoreThresholdingOptions.GLOBAL_SCORE_THRESHOLD, head.score_threshold, math.nan
            )
            units.append(_process_unit(b, PU_SCORE_THRESHOLDING, b.EndObject()))
        units_off = _vec_offsets(b, units) if units else None
        stats = _empty_table(b)
        file_offs = []
        for zname, ftype, desc, locale, data in _head_files(head, i):
            if zname in zip_contents:
                raise ValueError(f"duplicate associated file name {zname!r}")
            zip_contents[zname] = data
            file_offs.append(_associated_file(b, zname, ftype, desc, locale))
        files_off = _vec_offsets(b, file_offs) if file_offs else None
        b.StartObject(_TensorMetadata.NSLOTS)
        _slot_offset(b, _TensorMetadata.NAME, name_off)
        _slot_offset(b, _TensorMetadata.DESCRIPTION, desc_off)
        b.PrependUOffsetTRelativeSlot(_TensorMetadata.CONTENT, content, 0)
        _slot_offset(b, _TensorMetadata.PROCESS_UNITS, units_off)
        b.PrependUOffsetTRelativeSlot(_TensorMetadata.STATS, stats, 0)
        _slot_offset(b, _TensorMetadata.ASSOCIATED_FILES, files_off)
        output_tms.append(b.EndObject())

    inputs_vec = _vec_offsets(b, [input_tm])
    outputs_vec = _vec_offsets(b, output_tms)
    b.StartObject(_SubGraphMetadata.NSLOTS)
    b.PrependUOffsetTRelativeSlot(_SubGraphMetadata.INPUT_TENSOR_METADATA, inputs_vec, 0)
    b.PrependUOffsetTRelativeSlot(_SubGraphMetadata.OUTPUT_TENSOR_METADATA, outputs_vec, 0)
    subgraph = b.EndObject()

    name_off = b.CreateString(model_name)
    desc_off = _string_or_none(b, model_description)
    version_off = b.CreateString("v1")
    subgraphs_vec = _vec_offsets(b, [subgraph])
    mpv_off = b.CreateString(min_parser_version)
    b.StartObject(_ModelMetadata.NSLOTS)
    b.PrependUOffsetTRelativeSlot(_ModelMetadata.NAME, name_off, 0)
    _slot_offset(b, _ModelMetadata.DESCRIPTION, desc_off)
    b.PrependUOffsetTRelativeSlot(_ModelMetadata.VERSION, version_off, 0)
    b.PrependUOffsetTRelativeSlot(_ModelMetadata.SUBGRAPH_METADATA, subgraphs_vec, 0)
    b.PrependUOffsetTRelativeSlot(_ModelMetadata.MIN_PARSER_VERSION, mpv_off, 0)
    b.Finish(b.EndObject(), file_identifier=METADATA_IDENTIFIER)
    return bytes(b.Output()), zip_contents


# --- model -----------------------------------------------------------------------
def _build_tflite(
    input_length: int,
    heads: list[Head],
    params: list[tuple[np.ndarray, np.ndarray]],
    *,
    input_shape_1d: bool,
    input_name: str,
    metadata: bytes | None,
) -> bytes:
    b = flatbuffers.Builder(4096)

    # Buffers: [0] is the empty sentinel that every non-constant tensor points to.
    buffer_data: list[bytes | None] = [None]
    # Tensors as (name, shape, type, buffer, quantization (scale, zero_point) or None).
    tensors: list[tuple[str, list[int], int, int, tuple[float, int] | None]] = []
    # Operators as (builtin code, version, inputs, outputs, options kind).
    ops: list[tuple[int, int, list[int], list[int], str | None]] = []

    def add_tensor(
        name: str,
        shape: list[int],
        ttype: int = TENSOR_FLOAT32,
        data: bytes | None = None,
        quant: tuple[float, int] | None = None,
    ) -> int:
        buf = 0
        if data is not None:
            buffer_data.append(data)
            buf = len(buffer_data) - 1
        tensors.append((name, shape, ttype, buf, quant))
        return len(tensors) - 1

    x = add_tensor(input_name, [input_length] if input_shape_1d else [1, input_length])
    outputs = []
    for i, (head, (w, bias)) in enumerate(zip(heads, params)):
        base = _file_base(head, i)
        k = head.num_classes
        w_t = add_tensor(f"{base}/weights", [k, input_length], data=w.astype("<f4").tobytes())
        b_t = add_tensor(f"{base}/bias", [k], data=bias.astype("<f4").tobytes())
        cur = add_tensor(f"{base}/logits", [1, k])
        ops.append((OP_FULLY_CONNECTED, 1, [x, w_t, b_t], [cur], "fc"))
        if head.activation != "none":
            act = add_tensor(f"{base}/scores", [1, k])
            if head.activation == "softmax":
                ops.append((OP_SOFTMAX, 1, [cur], [act], "softmax"))
            else:
                ops.append((OP_LOGISTIC, 1, [cur], [act], None))
            cur = act
        if head.quantize is not None:
            qtype, scale, zp = head.quantize
            q = add_tensor(f"{base}/quantized", [1, k], _QUANT_TYPES[qtype][0], quant=(scale, zp))
            # QUANTIZE float->int8 is version 2 in TFLite's op versioning.
            ops.append((OP_QUANTIZE, 2 if qtype == "int8" else 1, [cur], [q], None))
            cur = q
        outputs.append(cur)
    if metadata is not None:
        buffer_data.append(metadata)
    metadata_buffer = len(buffer_data) - 1

    buffer_offs = []
    for data in buffer_data:
        data_off = _vec_bytes(b, data) if data is not None else None
        b.StartObject(_Buffer.NSLOTS)
        _slot_offset(b, _Buffer.DATA, data_off)
        buffer_offs.append(b.EndObject())

    tensor_offs = []
    for name, shape, ttype, buf, quant in tensors:
        name_off = b.CreateString(name)
        shape_off = _vec_i32(b, shape)
        quant_off = None
        if quant is not None:
            scale_off = _vec_f32(b, [quant[0]])
            zp_off = _vec_i64(b, [quant[1]])
            b.StartObject(_Quant.NSLOTS)
            b.PrependUOffsetTRelativeSlot(_Quant.SCALE, scale_off, 0)
            b.PrependUOffsetTRelativeSlot(_Quant.ZERO_POINT, zp_off, 0)
            quant_off = b.EndObject()
        b.StartObject(_Tensor.NSLOTS)
        b.PrependUOffsetTRelativeSlot(_Tensor.SHAPE, shape_off, 0)
        b.PrependInt8Slot(_Tensor.TYPE, ttype, 0)
        b.PrependUint32Slot(_Tensor.BUFFER, buf, 0)
        b.PrependUOffsetTRelativeSlot(_Tensor.NAME, name_off, 0)
        _slot_offset(b, _Tensor.QUANTIZATION, quant_off)
        tensor_offs.append(b.EndObject())

    # Operator codes: one per distinct (code, version), in first-use order.
    codes: list[tuple[int, int]] = []
    for code, version, *_ in ops:
        if (code, version) not in codes:
            codes.append((code, version))

    op_offs = []
    for code, version, ins, outs, kind in ops:
        ins_off = _vec_i32(b, ins)
        outs_off = _vec_i32(b, outs)
        opt_type, opt_off = 0, None
        if kind == "fc":
            # fused activation NONE, weights_format DEFAULT, keep_num_dims false:
            # all schema defaults, written explicitly for readers that look.
            b.StartObject(_FullyConnectedOptions.NSLOTS)
            b.PrependInt8Slot(_FullyConnectedOptions.FUSED_ACTIVATION_FUNCTION, 0, -1)
            b.PrependInt8Slot(_FullyConnectedOptions.WEIGHTS_FORMAT, 0, -1)
            b.PrependBoolSlot(_FullyConnectedOptions.KEEP_NUM_DIMS, False, True)
            opt_type, opt_off = OPTIONS_FULLY_CONNECTED, b.EndObject()
        elif kind == "softmax":
            b.StartObject(_SoftmaxOptions.NSLOTS)
            b.PrependFloat32Slot(_SoftmaxOptions.BETA, 1.0, 0.0)
            opt_type, opt_off = OPTIONS_SOFTMAX, b.EndObject()
        b.StartObject(_Operator.NSLOTS)
        b.PrependUint32Slot(_Operator.OPCODE_INDEX, codes.index((code, version)), 0)
        b.PrependUOffsetTRelativeSlot(_Operator.INPUTS, ins_off, 0)
        b.PrependUOffsetTRelativeSlot(_Operator.OUTPUTS, outs_off, 0)
        if opt_off is not None:
            b.PrependUint8Slot(_Operator.BUILTIN_OPTIONS_TYPE, opt_type, 0)
            b.PrependUOffsetTRelativeSlot(_Operator.BUILTIN_OPTIONS, opt_off, 0)
        op_offs.append(b.EndObject())

    tensors_vec = _vec_offsets(b, tensor_offs)
    inputs_vec = _vec_i32(b, [x])
    outputs_vec = _vec_i32(b, outputs)
    ops_vec = _vec_offsets(b, op_offs)
    sg_name = b.CreateString("main")
    b.StartObject(_SubGraph.NSLOTS)
    b.PrependUOffsetTRelativeSlot(_SubGraph.TENSORS, tensors_vec, 0)
    b.PrependUOffsetTRelativeSlot(_SubGraph.INPUTS, inputs_vec, 0)
    b.PrependUOffsetTRelativeSlot(_SubGraph.OUTPUTS, outputs_vec, 0)
    b.PrependUOffsetTRelativeSlot(_SubGraph.OPERATORS, ops_vec, 0)
    b.PrependUOffsetTRelativeSlot(_SubGraph.NAME, sg_name, 0)
    subgraph = b.EndObject()

    code_offs = []
    for code, version in codes:
        b.StartObject(_OperatorCode.NSLOTS)
        # Old readers only know the byte field; codes past it use the placeholder.
        b.PrependInt8Slot(
            _OperatorCode.DEPRECATED_BUILTIN_CODE,
            min(code, OP_PLACEHOLDER_FOR_GREATER_OP_CODES),
            -1,
        )
        b.PrependInt32Slot(_OperatorCode.VERSION, version, 0)
        b.PrependInt32Slot(_OperatorCode.BUILTIN_CODE, code, -1)
        code_offs.append(b.EndObject())

    metadata_off = None
    if metadata is not None:
        md_name = b.CreateString(METADATA_NAME)
        b.StartObject(_Metadata.NSLOTS)
        b.PrependUOffsetTRelativeSlot(_Metadata.NAME, md_name, 0)
        b.PrependUint32Slot(_Metadata.BUFFER, metadata_buffer, 0)
        metadata_off = _vec_offsets(b, [b.EndObject()])

    codes_vec = _vec_offsets(b, code_offs)
    subgraphs_vec = _vec_offsets(b, [subgraph])
    desc = b.CreateString("audioclf tests/python/model_builder.py")
    buffers_vec = _vec_offsets(b, buffer_offs)
    b.StartObject(_Model.NSLOTS)
    b.PrependUint32Slot(_Model.VERSION, 3, 0)
    b.PrependUOffsetTRelativeSlot(_Model.OPERATOR_CODES, codes_vec, 0)
    b.PrependUOffsetTRelativeSlot(_Model.SUBGRAPHS, subgraphs_vec, 0)
    b.PrependUOffsetTRelativeSlot(_Model.DESCRIPTION, desc, 0)
    b.PrependUOffsetTRelativeSlot(_Model.BUFFERS, buffers_vec, 0)
    _slot_offset(b, _Model.METADATA, metadata_off)
    b.Finish(b.EndObject(), file_identifier=MODEL_IDENTIFIER)
    return bytes(b.Output())


def _append_zip(model: bytes, files: dict[str, bytes], compression: int) -> bytes:
    if not files:
        return model
    if b"PK\x05\x06" in model:
        # zipfile's append mode would mistake it for an existing archive.
        raise ValueError("model bytes contain a zip end-of-central-directory signature")
    bio = io.BytesIO(model)
    with zipfile.ZipFile(bio, "a", compression=compression) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
            info.compress_type = compression
            info.create_system = 3  # fixed, so bytes do not depend on the host OS
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return bio.getvalue()


def build_model(
    input_length: int,
    heads: list[Head],
    *,
    sample_rate: int | None = 16000,
    channels: int = 1,
    with_metadata: bool = True,
    input_shape_1d: bool = False,
    seed: int = 0,
    model_name: str = "tiny_audio_classifier",
    model_description: str | None = "Tiny test model; weights are random.",
    input_name: str = "audio",
    zip_compression: int = zipfile.ZIP_STORED,
    min_parser_version: str = "1.3.0",
) -> bytes:
    """Builds a .tflite model; input [1, input_length] (input_length = frames * channels).

    ``sample_rate=None`` leaves the input TensorMetadata without content (no
    AudioProperties). ``with_metadata=False`` writes neither metadata nor zip.
    Output is deterministic for equal arguments.
    """
    _validate(input_length, heads, channels)
    params = resolve_head_params(input_length, heads, seed)
    metadata, files = None, {}
    if with_metadata:
        metadata, files = _build_metadata(
            heads,
            model_name=model_name,
            model_description=model_description,
            input_name=input_name,
            sample_rate=sample_rate,
            channels=channels,
            min_parser_version=min_parser_version,
        )
    model = _build_tflite(
        input_length,
        heads,
        params,
        input_shape_1d=input_shape_1d,
        input_name=input_name,
        metadata=metadata,
    )
    return _append_zip(model, files, zip_compression)


def embedding_head(dimension: int, quantize: tuple[str, float, int] | None = None) -> Head:
    """An embedding output: FULLY_CONNECTED to a float [1, dimension] vector (no
    activation), optionally QUANTIZE'd; build_model turns it into a model and
    reference_scores gives its (dequantized) values."""
    return Head(num_classes=dimension, name="embedding", activation="none", quantize=quantize)


# --- numpy reference ---------------------------------------------------------------
def _round_half_away(x: np.ndarray) -> np.ndarray:
    # TFLite's QUANTIZE rounds with std::round (half away from zero), not numpy's half-to-even.
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def reference_outputs(heads: list[Head], samples: np.ndarray, *, seed: int = 0) -> list[np.ndarray]:
    """Numpy forward pass: the raw output tensor values [K] per head (ints for quantized heads)."""
    x = np.asarray(samples, dtype=np.float32).reshape(-1).astype(np.float64)
    outs = []
    for head, (w, b) in zip(heads, resolve_head_params(x.size, heads, seed)):
        y = w.astype(np.float64) @ x + b.astype(np.float64)
        if head.activation == "softmax":
            e = np.exp(y - y.max())
            y = e / e.sum()
        elif head.activation == "sigmoid":
            y = 1.0 / (1.0 + np.exp(-y))
        if head.quantize is not None:
            qtype, scale, zp = head.quantize
            _, lo, hi, dtype = _QUANT_TYPES[qtype]
            y = np.clip(_round_half_away(y / scale) + zp, lo, hi).astype(dtype)
        outs.append(y)
    return outs


def reference_scores(heads: list[Head], samples: np.ndarray, *, seed: int = 0) -> list[np.ndarray]:
    """Numpy forward pass as float scores [K] per head (dequantized), before score calibration."""
    outs = reference_outputs(heads, samples, seed=seed)
    scores = []
    for head, y in zip(heads, outs):
        if head.quantize is not None:
            y = head.quantize[1] * (y.astype(np.float64) - head.quantize[2])
        scores.append(np.asarray(y, dtype=np.float64))
    return scores


def _clamped_log(x: float, threshold: float = 1e-16) -> float:
    # Same odd extension below the threshold as tflite-support's score calibration.
    if x < threshold:
        return 2.0 * math.log(threshold) - math.log(2.0 * threshold - x)
    return math.log(x)


def calibrate_scores(head: Head, scores: np.ndarray) -> np.ndarray:
    """Applies the head's sigmoid score calibration (tflite-support semantics) per class index.

    A class whose line is empty or missing, or whose score is below its
    min_score, gets default_score.
    """
    if head.calibration is None:
        return np.asarray(scores, dtype=np.float64)
    transform, default_score, lines = head.calibration
    out = []
    for i, s in enumerate(np.asarray(scores, dtype=np.float64)):
        line = lines[i] if i < len(lines) else ""
        if not line:
            out.append(default_score)
            continue
        p = [float(v) for v in line.split(",")]
        if len(p) == 4 and s < p[3]:
            out.append(default_score)
            continue
        g = {
            "IDENTITY": s,
            "LOG": _clamped_log(s),
            "INVERSE_LOGISTIC": _clamped_log(s) - _clamped_log(1.0 - s),
        }[transform]
        out.append(p[0] / (1.0 + math.exp(-(p[1] * g + p[2]))))
    return np.asarray(out, dtype=np.float64)


# --- small flatbuffer reader (for tests and the corruption helpers) ------------------
class FlatTable:
    """Read-only view of one flatbuffer table, addressed by field slot."""

    def __init__(self, buf: bytes | bytearray, pos: int) -> None:
        self.buf = buf
        self.t = Table(buf, pos)

    @classmethod
    def root(cls, buf: bytes | bytearray, start: int = 0) -> FlatTable:
        """Root table of the flatbuffer starting at ``start`` in ``buf``."""
        return cls(buf, start + encode.Get(packer.uoffset, buf, start))

    def field_pos(self, slot: int) -> int:
        """Absolute position of a field's value in buf; 0 when absent."""
        o = self.t.Offset(4 + 2 * slot)
        return self.t.Pos + o if o else 0

    def has(self, slot: int) -> bool:
        return self.field_pos(slot) != 0

    def scalar(self, slot: int, flags: Any, default: Any = 0) -> Any:
        pos = self.field_pos(slot)
        return self.t.Get(flags, pos) if pos else default

    def string(self, slot: int) -> str | None:
        pos = self.field_pos(slot)
        return self.t.String(pos).decode("utf-8") if pos else None

    def table(self, slot: int) -> FlatTable | None:
        pos = self.field_pos(slot)
        return FlatTable(self.buf, self.t.Indirect(pos)) if pos else None

    def _vector(self, slot: int) -> tuple[int, int]:
        o = self.t.Offset(4 + 2 * slot)
        return (self.t.Vector(o), self.t.VectorLen(o)) if o else (0, 0)

    def tables(self, slot: int) -> list[FlatTable]:
        start, n = self._vector(slot)
        return [FlatTable(self.buf, self.t.Indirect(start + 4 * i)) for i in range(n)]

    def scalars(self, slot: int, flags: Any) -> list[Any]:
        start, n = self._vector(slot)
        return [self.t.Get(flags, start + flags.bytewidth * i) for i in range(n)]

    def bytes_span(self, slot: int) -> tuple[int, int]:
        """(start, length) in buf of a [ubyte] vector; (0, 0) when absent."""
        return self._vector(slot)

    def strings(self, slot: int) -> list[str]:
        start, n = self._vector(slot)
        return [self.t.String(start + 4 * i).decode("utf-8") for i in range(n)]


def _metadata_entry(model: bytes) -> tuple[FlatTable, FlatTable] | None:
    root = FlatTable.root(model)
    for md in root.tables(_Model.METADATA):
        if md.string(_Metadata.NAME) == METADATA_NAME:
            return root, md
    return None


def _metadata_span(model: bytes) -> tuple[int, int] | None:
    found = _metadata_entry(model)
    if found is None:
        return None
    root, md = found
    buffers = root.tables(_Model.BUFFERS)
    return buffers[md.scalar(_Metadata.BUFFER, fbn.Uint32Flags)].bytes_span(_Buffer.DATA)


def metadata_bytes(model: bytes) -> bytes | None:
    """The TFLITE_METADATA flatbuffer of a model, or None when it has none."""
    span = _metadata_span(model)
    return None if span is None else bytes(model[span[0] : span[0] + span[1]])


def _read_files(tm: FlatTable, slot: int) -> list[dict[str, Any]]:
    return [
        {
            "name": f.string(_AssociatedFile.NAME),
            "description": f.string(_AssociatedFile.DESCRIPTION),
            "type": f.scalar(_AssociatedFile.TYPE, fbn.Int8Flags),
            "locale": f.string(_AssociatedFile.LOCALE),
        }
        for f in tm.tables(slot)
    ]


def _read_tensor_metadata(tm: FlatTable) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": tm.string(_TensorMetadata.NAME),
        "description": tm.string(_TensorMetadata.DESCRIPTION),
        "content_type": None,
        "audio": None,
        "process_units": [],
        "associated_files": _read_files(tm, _TensorMetadata.ASSOCIATED_FILES),
    }
    content = tm.table(_TensorMetadata.CONTENT)
    if content is not None:
        out["content_type"] = content.scalar(_Content.CONTENT_PROPERTIES_TYPE, fbn.Uint8Flags)
        props = content.table(_Content.CONTENT_PROPERTIES)
        if out["content_type"] == CONTENT_AUDIO and props is not None:
            out["audio"] = {
                "sample_rate": props.scalar(_AudioProperties.SAMPLE_RATE, fbn.Uint32Flags),
                "channels": props.scalar(_AudioProperties.CHANNELS, fbn.Uint32Flags),
            }
    for pu in tm.tables(_TensorMetadata.PROCESS_UNITS):
        otype = pu.scalar(_ProcessUnit.OPTIONS_TYPE, fbn.Uint8Flags)
        opts = pu.table(_ProcessUnit.OPTIONS)
        unit: dict[str, Any] = {"type": otype}
        if otype == PU_SCORE_CALIBRATION and opts is not None:
            unit["score_transformation"] = opts.scalar(
                _ScoreCalibrationOptions.SCORE_TRANSFORMATION, fbn.Int8Flags
            )
            unit["default_score"] = opts.scalar(
                _ScoreCalibrationOptions.DEFAULT_SCORE, fbn.Float32Flags, 0.0
            )
        elif otype == PU_SCORE_THRESHOLDING and opts is not None:
            unit["global_score_threshold"] = opts.scalar(
                _ScoreThresholdingOptions.GLOBAL_SCORE_THRESHOLD, fbn.Float32Flags, 0.0
            )
        out["process_units"].append(unit)
    return out


def read_metadata(model: bytes) -> dict[str, Any] | None:
    """Decodes the fields this builder writes from a model's metadata into plain dicts."""
    data = metadata_bytes(model)
    if data is None:
        return None
    mm = FlatTable.root(data)
    sgs = []
    for sg in mm.tables(_ModelMetadata.SUBGRAPH_METADATA):
        sgs.append(
            {
                "inputs": [
                    _read_tensor_metadata(t)
                    for t in sg.tables(_SubGraphMetadata.INPUT_TENSOR_METADATA)
                ],
                "outputs": [
                    _read_tensor_metadata(t)
                    for t in sg.tables(_SubGraphMetadata.OUTPUT_TENSOR_METADATA)
                ],
            }
        )
    return {
        "identifier": data[4:8],
        "name": mm.string(_ModelMetadata.NAME),
        "description": mm.string(_ModelMetadata.DESCRIPTION),
        "version": mm.string(_ModelMetadata.VERSION),
        "min_parser_version": mm.string(_ModelMetadata.MIN_PARSER_VERSION),
        "subgraphs": sgs,
    }


# --- zip helpers and broken-input builders -------------------------------------------
def _zip_start(model: bytes) -> int | None:
    try:
        with zipfile.ZipFile(io.BytesIO(model)) as z:
            infos = z.infolist()
    except zipfile.BadZipFile:
        return None
    if not infos:
        return model.rfind(b"PK\x05\x06")
    return min(i.header_offset for i in infos)


def zip_files(model: bytes) -> dict[str, bytes]:
    """Contents of the appended zip, by entry name (empty when there is none)."""
    if _zip_start(model) is None:
        return {}
    with zipfile.ZipFile(io.BytesIO(model)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def strip_zip(model: bytes) -> bytes:
    """The model without its appended zip: metadata then names files that are missing."""
    start = _zip_start(model)
    return model if start is None else model[:start]


def replace_zip(
    model: bytes, files: dict[str, bytes], compression: int = zipfile.ZIP_STORED
) -> bytes:
    """The model with its zip replaced by one holding ``files`` (e.g. an entry dropped)."""
    return _append_zip(strip_zip(model), files, compression)


def _patch_metadata_root(model: bytes, data: bytes) -> bytes:
    span = _metadata_span(model)
    if span is None:
        raise ValueError("model has no TFLITE_METADATA buffer")
    out = bytearray(model)
    out[span[0] : span[0] + len(data)] = data
    return bytes(out)


def corrupt_metadata_offset(model: bytes) -> bytes:
    """Metadata whose root offset points past the end of its own buffer."""
    span = _metadata_span(model)
    assert span is not None, "model has no TFLITE_METADATA buffer"
    return _patch_metadata_root(model, struct.pack("<I", span[1] + 4096))


def corrupt_metadata_identifier(model: bytes) -> bytes:
    """Metadata with file identifier 'XXXX' instead of 'M001'."""
    data = metadata_bytes(model)
    assert data is not None, "model has no TFLITE_METADATA buffer"
    return _patch_metadata_root(model, data[:4] + b"XXXX")


def metadata_buffer_out_of_range(model: bytes) -> bytes:
    """The TFLITE_METADATA entry points at a buffer index past the buffers vector."""
    found = _metadata_entry(model)
    if found is None:
        raise ValueError("model has no TFLITE_METADATA entry")
    root, md = found
    pos = md.field_pos(_Metadata.BUFFER)
    out = bytearray(model)
    struct.pack_into("<I", out, pos, len(root.tables(_Model.BUFFERS)) + 7)
    return bytes(out)


def truncate_zip_entry(model: bytes, name: str | None = None) -> bytes:
    """A zip entry (default: the first) whose declared sizes run past the end of the file.

    Both the central directory record and the local header are patched, so a
    reader trusting either one hits the end of the data.
    """
    with zipfile.ZipFile(io.BytesIO(model)) as z:
        infos = z.infolist()
    info = infos[0] if name is None else next(i for i in infos if i.filename == name)
    size = len(model)  # larger than whatever follows the entry's header
    out = bytearray(model)
    local = info.header_offset
    if out[local : local + 4] != b"PK\x03\x04":
        raise ValueError("local header not found")
    struct.pack_into("<II", out, local + 18, size, size)  # compressed, uncompressed
    eocd = model.rfind(b"PK\x05\x06")
    cd_start = struct.unpack_from("<I", model, eocd + 16)[0]
    pos = cd_start
    while out[pos : pos + 4] == b"PK\x01\x02":
        fname_len, extra_len, comment_len = struct.unpack_from("<HHH", out, pos + 28)
        offset = struct.unpack_from("<I", out, pos + 42)[0]
        if offset == local:
            struct.pack_into("<II", out, pos + 20, size, size)
            break
        pos += 46 + fname_len + extra_len + comment_len
    else:
        raise ValueError("central directory record not found")
    return bytes(out)
