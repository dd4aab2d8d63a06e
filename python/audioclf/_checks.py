"""Argument checks at the Python boundary: every bad value is a ValueError (or
TypeError) naming the argument, never a ZeroDivisionError, OverflowError or
pybind11 cast error from deeper down."""

from __future__ import annotations

import math
import operator
import os
import stat

from audioclf._core import limits


def int_arg(value: object, name: str, low: int, high: int) -> int:
    """``value`` as an int in [low, high]."""
    if isinstance(value, bool):
        raise TypeError(f"{name}: expected an integer, got bool")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}") from None
    if not low <= number <= high:
        raise ValueError(f"{name}: must be in {low}..{high}, got {number}")
    return number


def sample_rate_arg(value: object, name: str = "sample_rate") -> int:
    return int_arg(value, name, limits.MIN_SAMPLE_RATE, limits.MAX_SAMPLE_RATE)


def max_workers() -> int:
    return limits.MAX_WORKERS_PER_CORE * (os.cpu_count() or 1)


def workers_arg(value: object) -> int:
    return int_arg(value, "workers", 0, max_workers())


def finite_arg(value: object, name: str) -> float:
    """``value`` as a finite float."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name}: must be finite, got {number}")
    return number


def path_arg(path: str | os.PathLike[str], name: str) -> str:
    """A path as str, without NUL bytes (which the OS would cut it at)."""
    text = os.fspath(path)
    if not isinstance(text, str):
        raise TypeError(f"{name}: expected a str path, got {type(text).__name__}")
    if "\0" in text:
        raise ValueError(f"{name}: the path contains a NUL byte")
    return text


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular_file(path: str, what: str) -> None:
    """Raises ValueError unless ``path`` is a regular file: opening a FIFO blocks."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise ValueError(f"{what} '{path}' cannot be opened: {error.strerror}") from error
    if not stat.S_ISREG(mode):
        raise ValueError(f"{what} '{path}' is {_kind(mode)}, not a regular file")
