"""BaseOptions: which model a task runs, as MediaPipe's ``BaseOptions``."""

from __future__ import annotations

import dataclasses
import enum
import os

from audioclf import _core
from audioclf._runtime import find_litert_library


class ModelFileNotFoundError(FileNotFoundError, RuntimeError):
    """A model path that names no file.

    Both a FileNotFoundError and a RuntimeError: MediaPipe releases differ in
    which of the two they raise, and code written for either catches it.
    """


@dataclasses.dataclass
class BaseOptions:
    """The model: a file path or its bytes (bytes win when both are set).

    ``delegate`` is accepted for compatibility; audioclf runs on the CPU
    (XNNPACK), so ``Delegate.GPU`` is refused.
    """

    class Delegate(enum.Enum):
        CPU = 0
        GPU = 1

    model_asset_path: str | os.PathLike[str] | None = None
    model_asset_buffer: bytes | None = None
    delegate: Delegate | None = None

    def _to_core(self) -> _core.BaseOptions:
        """The core's BaseOptions; raises for a missing model or a GPU delegate."""
        if self.delegate is not None and self.delegate != BaseOptions.Delegate.CPU:
            raise ValueError(
                f"base_options.delegate: audioclf runs on the CPU only, got {self.delegate}"
            )
        library = find_litert_library()
        if self.model_asset_buffer is not None:
            if not isinstance(self.model_asset_buffer, (bytes, bytearray, memoryview)):
                raise TypeError(
                    "base_options.model_asset_buffer: expected bytes, got "
                    f"{type(self.model_asset_buffer).__name__}"
                )
            return _core.BaseOptions(
                file_content=bytes(self.model_asset_buffer), litert_library=library
            )
        if self.model_asset_path is None:
            raise ValueError("base_options: set model_asset_path or model_asset_buffer")
        path = os.path.abspath(os.fspath(self.model_asset_path))
        if not os.path.isfile(path):
            raise ModelFileNotFoundError(f"Unable to open file at {path}: no such model file")
        return _core.BaseOptions(file_name=path, litert_library=library)
