"""The bare LiteRT C API through ctypes: the floor audioclf is measured against.

It does what any caller of libLiteRt.so must do for one window and nothing
more: copy the window into a host-memory input buffer and run the compiled
model. Set-up mirrors audioclf's (CPU accelerator, XNNPACK thread count as a
TOML opaque option, 64-byte-aligned host buffers), so a gap between the two is
audioclf's own overhead.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from pathlib import Path

import numpy as np

_ALIGNMENT = 64
_CPU_ACCELERATOR = 1
# TFLite element type numbers -> numpy dtypes (the ones a classifier sees).
_DTYPES = {1: np.float32, 2: np.int32, 3: np.uint8, 4: np.int64, 7: np.int16, 9: np.int8}

_void_p = ctypes.c_void_p
_status = ctypes.c_int
_size = ctypes.c_size_t


class _Layout(ctypes.Structure):
    _fields_ = [
        ("rank", ctypes.c_uint, 7),
        ("has_strides", ctypes.c_uint, 1),
        ("dimensions", ctypes.c_int32 * 8),
        ("strides", ctypes.c_uint32 * 8),
    ]


class _RankedTensorType(ctypes.Structure):
    _fields_ = [("element_type", ctypes.c_int), ("layout", _Layout)]


assert ctypes.sizeof(_Layout) == 68 and ctypes.sizeof(_RankedTensorType) == 72

_P = ctypes.POINTER
# name -> (restype, argtypes); argument order as libLiteRt.so expects it.
_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "LiteRtCreateEnvironment": (_status, [ctypes.c_int, _void_p, _P(_void_p)]),
    "LiteRtDestroyEnvironment": (None, [_void_p]),
    "LiteRtCreateModelFromBuffer": (_status, [_void_p, _void_p, _size, _P(_void_p)]),
    "LiteRtDestroyModel": (None, [_void_p]),
    "LiteRtCreateOptions": (_status, [_P(_void_p)]),
    "LiteRtDestroyOptions": (None, [_void_p]),
    "LiteRtSetOptionsHardwareAccelerators": (_status, [_void_p, ctypes.c_int]),
    "LiteRtCreateOpaqueOptions": (_status, [ctypes.c_char_p, _void_p, _void_p, _P(_void_p)]),
    "LiteRtAddOpaqueOptions": (_status, [_void_p, _void_p]),
    "LiteRtCreateCompiledModel": (_status, [_void_p, _void_p, _void_p, _P(_void_p)]),
    "LiteRtDestroyCompiledModel": (None, [_void_p]),
    "LiteRtGetModelSignature": (_status, [_void_p, _size, _P(_void_p)]),
    "LiteRtGetNumSignatureInputs": (_status, [_void_p, _P(_size)]),
    "LiteRtGetNumSignatureOutputs": (_status, [_void_p, _P(_size)]),
    "LiteRtGetSignatureInputTensorByIndex": (_status, [_void_p, _size, _P(_void_p)]),
    "LiteRtGetSignatureOutputTensorByIndex": (_status, [_void_p, _size, _P(_void_p)]),
    "LiteRtGetRankedTensorType": (_status, [_void_p, _P(_RankedTensorType)]),
    "LiteRtCreateTensorBufferFromHostMemory": (
        _status,
        [_P(_RankedTensorType), _void_p, _size, _void_p, _P(_void_p)],
    ),
    "LiteRtDestroyTensorBuffer": (None, [_void_p]),
    "LiteRtRunCompiledModel": (
        _status,
        [_void_p, _size, _size, _P(_void_p), _size, _P(_void_p)],
    ),
}


def _aligned_empty(shape: tuple[int, ...], dtype: type[np.generic]) -> np.ndarray:
    """An uninitialised array whose data starts on a 64-byte boundary."""
    itemsize = np.dtype(dtype).itemsize
    count = int(np.prod(shape))
    raw = np.zeros(count * itemsize + _ALIGNMENT, dtype=np.uint8)
    start = (-raw.ctypes.data) % _ALIGNMENT
    return raw[start : start + count * itemsize].view(dtype).reshape(shape)


class BareLiteRt:
    """One compiled model with host-memory tensor buffers, run via ctypes."""

    def __init__(self, library: str, model_path: str | Path, num_threads: int) -> None:
        self._lib = ctypes.CDLL(library)
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(self._lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        self._env = _void_p()
        self._model = _void_p()
        self._compiled = _void_p()
        self._buffers: list[_void_p] = []
        # The model reads these bytes for as long as it lives.
        self._model_bytes = Path(model_path).read_bytes()
        try:
            self._setup(num_threads)
        except BaseException:
            self.close()
            raise

    def _check(self, status: int, what: str) -> None:
        if status != 0:
            raise RuntimeError(f"{what} failed with LiteRT status {status}")

    def _setup(self, num_threads: int) -> None:
        lib = self._lib
        self._check(lib.LiteRtCreateEnvironment(0, None, ctypes.byref(self._env)), "env")
        data = ctypes.c_char_p(self._model_bytes)
        self._check(
            lib.LiteRtCreateModelFromBuffer(
                self._env,
                ctypes.cast(data, _void_p),
                len(self._model_bytes),
                ctypes.byref(self._model),
            ),
            "LiteRtCreateModelFromBuffer",
        )
        options = _void_p()
        self._check(lib.LiteRtCreateOptions(ctypes.byref(options)), "LiteRtCreateOptions")
        try:
            self._check(
                lib.LiteRtSetOptionsHardwareAccelerators(options, _CPU_ACCELERATOR),
                "LiteRtSetOptionsHardwareAccelerators",
            )
            self._add_xnnpack_threads(options, num_threads)
            self._check(
                lib.LiteRtCreateCompiledModel(
                    self._env, self._model, options, ctypes.byref(self._compiled)
                ),
                "LiteRtCreateCompiledModel",
            )
        finally:
            lib.LiteRtDestroyOptions(options)

        signature = _void_p()
        self._check(
            lib.LiteRtGetModelSignature(self._model, 0, ctypes.byref(signature)),
            "LiteRtGetModelSignature",
        )
        n_in, n_out = _size(), _size()
        self._check(lib.LiteRtGetNumSignatureInputs(signature, ctypes.byref(n_in)), "inputs")
        self._check(lib.LiteRtGetNumSignatureOutputs(signature, ctypes.byref(n_out)), "outputs")
        self.inputs = [
            self._bind(lib.LiteRtGetSignatureInputTensorByIndex, signature, i)
            for i in range(n_in.value)
        ]
        in_handles = self._buffers[:]
        self.outputs = [
            self._bind(lib.LiteRtGetSignatureOutputTensorByIndex, signature, i)
            for i in range(n_out.value)
        ]
        out_handles = self._buffers[len(in_handles) :]
        self._in_array = (_void_p * len(in_handles))(*in_handles)
        self._out_array = (_void_p * len(out_handles))(*out_handles)
        self._input0_address = self.inputs[0].ctypes.data
        self._input0_bytes = self.inputs[0].nbytes

    def _add_xnnpack_threads(self, options: _void_p, num_threads: int) -> None:
        if num_threads <= 0:
            return
        # The options take ownership of the payload and free() it, so it must
        # come from malloc: use libc's malloc/free, not Python memory.
        libc = ctypes.CDLL(None)
        libc.malloc.restype = _void_p
        libc.malloc.argtypes = [_size]
        toml = f"num_threads = {num_threads}\n".encode() + b"\0"
        payload = libc.malloc(len(toml))
        if not payload:
            raise MemoryError("malloc failed")
        ctypes.memmove(payload, toml, len(toml))
        free_address = ctypes.cast(libc.free, _void_p)
        opaque = _void_p()
        status = self._lib.LiteRtCreateOpaqueOptions(
            b"xnnpack", payload, free_address, ctypes.byref(opaque)
        )
        if status != 0:
            libc.free(ctypes.c_void_p(payload))
        self._check(status, "LiteRtCreateOpaqueOptions(xnnpack)")
        self._check(self._lib.LiteRtAddOpaqueOptions(options, opaque), "LiteRtAddOpaqueOptions")

    def _bind(self, get_tensor: ctypes._CFuncPtr, signature: _void_p, index: int) -> np.ndarray:
        tensor = _void_p()
        self._check(get_tensor(signature, index, ctypes.byref(tensor)), f"tensor {index}")
        ranked = _RankedTensorType()
        self._check(
            self._lib.LiteRtGetRankedTensorType(tensor, ctypes.byref(ranked)),
            "LiteRtGetRankedTensorType",
        )
        dtype = _DTYPES.get(ranked.element_type)
        if dtype is None:
            raise RuntimeError(f"unsupported element type {ranked.element_type}")
        shape = tuple(ranked.layout.dimensions[d] for d in range(ranked.layout.rank))
        host = _aligned_empty(shape, dtype)
        host[...] = 0
        buffer = _void_p()
        self._check(
            self._lib.LiteRtCreateTensorBufferFromHostMemory(
                ctypes.byref(ranked), host.ctypes.data, host.nbytes, None, ctypes.byref(buffer)
            ),
            "LiteRtCreateTensorBufferFromHostMemory",
        )
        self._buffers.append(buffer)
        return host

    def run(self, window: np.ndarray) -> None:
        """Copies a C-contiguous window into input 0 and runs the model."""
        self.make_runner(window)()

    def make_runner(self, window: np.ndarray) -> Callable[[], None]:
        """A zero-argument callable doing exactly ``run(window)``, with every
        argument pre-bound so the timed loop pays no attribute look-ups."""
        if window.nbytes != self._input0_bytes or not window.flags.c_contiguous:
            raise ValueError(f"window: need {self._input0_bytes} contiguous bytes")
        memmove, run = ctypes.memmove, self._lib.LiteRtRunCompiledModel
        dst, src, nbytes = self._input0_address, window.ctypes.data, self._input0_bytes
        compiled, n_in, ins = self._compiled, len(self._in_array), self._in_array
        n_out, outs = len(self._out_array), self._out_array

        def runner() -> None:
            memmove(dst, src, nbytes)
            if run(compiled, 0, n_in, ins, n_out, outs) != 0:
                raise RuntimeError("LiteRtRunCompiledModel failed")

        runner.window = window  # type: ignore[attr-defined]  # keeps src alive
        return runner

    def close(self) -> None:
        lib = self._lib
        for buffer in self._buffers:
            lib.LiteRtDestroyTensorBuffer(buffer)
        self._buffers = []
        if self._compiled:
            lib.LiteRtDestroyCompiledModel(self._compiled)
            self._compiled = _void_p()
        if self._model:
            lib.LiteRtDestroyModel(self._model)
            self._model = _void_p()
        if self._env:
            lib.LiteRtDestroyEnvironment(self._env)
            self._env = _void_p()
