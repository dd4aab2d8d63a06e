"""audioclf.task.core.BaseOptions."""

from __future__ import annotations

import copy
import pickle

import pytest
from audioclf.task import core


def test_base_options_compare_by_value_and_copy() -> None:
    a = core.BaseOptions(file_name="m.tflite", num_threads=4, use_coral=False)
    assert a == core.BaseOptions(file_name="m.tflite", num_threads=4, use_coral=False)
    assert a != core.BaseOptions(file_name="m.tflite")
    assert pickle.loads(pickle.dumps(a)) == a == copy.deepcopy(a)
    assert "file_name='m.tflite'" in repr(a) and "num_threads=4" in repr(a)
    assert core.BaseOptions().num_threads == -1


def test_base_options_pb2_round_trip() -> None:
    pytest.importorskip("google.protobuf", reason="protobuf (the 'proto' extra) is absent")
    a = core.BaseOptions(file_content=b"\x00model", num_threads=2)
    message = a.to_pb2()
    assert message.file_content == b"\x00model" and not message.HasField("file_name")
    assert core.BaseOptions.create_from_pb2(message) == a
    assert core.BaseOptions().to_pb2().num_threads == -1


def test_use_coral_says_what_is_missing() -> None:
    with pytest.raises(RuntimeError, match=r"use_coral=True: .*libedgetpu\.so\.1"):
        core.BaseOptions(file_name="m.tflite", use_coral=True)._to_core()


def test_bad_num_threads_and_missing_model() -> None:
    with pytest.raises(TypeError, match="num_threads: expected an int, got str"):
        core.BaseOptions(file_name="m.tflite", num_threads="4")._to_core()  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Set file_name .* or file_content"):
        core.BaseOptions()._to_core()
