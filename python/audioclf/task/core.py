"""Names of ``tflite_support.task.core``."""

from __future__ import annotations

import ctypes
import dataclasses
import os
from typing import Any

from audioclf import _core
from audioclf._runtime import find_litert_library
from audioclf.task.proto import messages

__all__ = ["BaseOptions"]

_EDGETPU_LIBRARY = "libedgetpu.so.1"


@dataclasses.dataclass
class BaseOptions:
    """The model (``file_name`` or ``file_content``; content wins) and how it runs."""

    file_name: str | os.PathLike[str] | None = None
    file_content: bytes | None = None
    num_threads: int | None = -1
    use_coral: bool | None = None

    def to_pb2(self) -> Any:
        name = None if self.file_name is None else os.fspath(self.file_name)
        return messages().BaseOptions(
            file_name=name,
            file_content=self.file_content,
            num_threads=self.num_threads,
            use_coral=self.use_coral,
        )

    @classmethod
    def create_from_pb2(cls, pb2_obj: Any) -> BaseOptions:
        return cls(
            file_name=pb2_obj.file_name if pb2_obj.HasField("file_name") else None,
            file_content=pb2_obj.file_content if pb2_obj.HasField("file_content") else None,
            num_threads=pb2_obj.num_threads,
            use_coral=pb2_obj.use_coral if pb2_obj.HasField("use_coral") else None,
        )

    def _to_core(self) -> _core.BaseOptions:
        if not self.file_content and not self.file_name:
            # tflite-support's wording first: its users match on it.
            raise ValueError(
                "base_options: ExternalFile must specify at least one of 'file_content', "
                "'file_name' or 'file_descriptor_meta'. Set file_name (a .tflite path) or "
                "file_content (its bytes)."
            )
        if self.use_coral:
            _require_edgetpu()
        threads = -1 if self.num_threads is None else self.num_threads
        if not isinstance(threads, int) or isinstance(threads, bool):
            raise TypeError(
                f"base_options.num_threads: expected an int, got {type(threads).__name__}"
            )
        return _core.BaseOptions(
            file_name=None if self.file_name is None else os.fspath(self.file_name),
            file_content=self.file_content or None,
            num_threads=threads,
            litert_library=find_litert_library(),
        )


def _require_edgetpu() -> None:
    """Raises why use_coral=True cannot be honoured on this machine."""
    try:
        ctypes.CDLL(_EDGETPU_LIBRARY)
    except OSError as error:
        raise RuntimeError(
            f"base_options.use_coral=True: the Edge TPU runtime {_EDGETPU_LIBRARY} is not "
            f"installed ({error}); install Coral's libedgetpu1-std package and plug in the "
            "device, or set use_coral=False to run on the CPU"
        ) from None
    raise RuntimeError(
        f"base_options.use_coral=True: {_EDGETPU_LIBRARY} is installed, but audioclf runs "
        "models through LiteRT's CPU path, which has no Edge TPU delegate; set "
        "use_coral=False (an Edge TPU model needs the tflite-support runtime)"
    )
