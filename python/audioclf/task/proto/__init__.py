"""Protobuf messages with tflite-support's names, generated from tflite_task.proto.

Only ``to_pb2()`` / ``create_from_pb2()`` need them, and so the optional
``protobuf`` package (``pip install 'audioclf[proto]'``).
"""

from __future__ import annotations

from types import ModuleType


def messages() -> ModuleType:
    """The generated module; ImportError naming the extra when protobuf is absent."""
    try:
        from audioclf.task.proto import tflite_task_pb2
    except ImportError as error:
        raise ImportError(
            "to_pb2() and create_from_pb2() need the 'protobuf' package: "
            "pip install 'audioclf[proto]'"
        ) from error
    return tflite_task_pb2
