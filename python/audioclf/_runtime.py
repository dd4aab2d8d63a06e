"""The LiteRT runtime: where libLiteRt.so is, whether its version works, and its logs.

``find_litert_library`` finds the library (explicit path, then
$AUDIOCLF_LITERT_LIBRARY, then the one inside the installed ``ai_edge_litert``
package, whose version it checks).

LiteRT writes INFO/WARNING lines to fd 2 on every load, compile and close, and
its C API has no switch for them. ``quiet_litert()`` points fd 2 at a pipe
while LiteRT runs; a small watcher process reads it and hands back only the
error and fatal lines, which are re-printed on ``sys.stderr``. Because the
watcher outlives a crash, a native abort is never silent: if the process dies
while LiteRT runs, the watcher prints everything LiteRT wrote.
``set_litert_logging(True)`` or AUDIOCLF_LITERT_LOGS=1 lets every line through.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.util
import os
import select
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ParamSpec, TypeVar

ENV_VAR = "AUDIOCLF_LITERT_LIBRARY"
LOGS_ENV = "AUDIOCLF_LITERT_LOGS"
LITERT_PACKAGE = "ai-edge-litert"
# Seen on this machine: 2.0.2/2.0.3 ship no libLiteRt.so, 2.1.0, 2.1.1, 2.1.3, 2.1.4 abort
# on load, 2.1.5 cannot load a model (status 501); 2.1.6-2.3.0 work.
LITERT_MIN = (2, 1, 6)
LITERT_BELOW = (3,)  # a new major version may change the C ABI
LITERT_RANGE = ">=2.1.6,<3"
P = ParamSpec("P")
R = TypeVar("R")


def find_litert_library(explicit: str | None = None) -> str:
    """Returns the path of libLiteRt.so to load, or raises RuntimeError.

    The library of the ``ai_edge_litert`` package must be of a version in
    LITERT_RANGE; an explicit path or $AUDIOCLF_LITERT_LIBRARY is trusted.
    """
    if explicit:
        return explicit
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return from_env
    # find_spec locates the package without importing it (its import pulls
    # in TensorFlow-sized Python modules we do not need).
    spec = importlib.util.find_spec("ai_edge_litert")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "libLiteRt.so"
            if candidate.is_file():
                check_litert_version()
                return str(candidate)
    found = _installed_version()
    if found is not None:
        check_litert_version(found)  # an old release without the library says why
    raise RuntimeError(
        "cannot find libLiteRt.so: install the 'ai-edge-litert' package "
        f"(pip install 'ai-edge-litert{LITERT_RANGE}'), set {ENV_VAR}, or pass litert_library"
    )


def _installed_version() -> str | None:
    """The installed ai-edge-litert's version: from the dist-info beside the
    package, else through importlib.metadata (40 ms to import, so only then)."""
    found = _version_beside_package()
    if found is not None:
        return found
    import importlib.metadata

    try:
        return importlib.metadata.version(LITERT_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


def _version_beside_package() -> str | None:
    """The Version header of the one ai_edge_litert-*.dist-info next to the
    package that imports as ai_edge_litert; None when there is not exactly one."""
    spec = importlib.util.find_spec("ai_edge_litert")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        infos = list(Path(location).parent.glob("ai_edge_litert-*.dist-info"))
        if len(infos) != 1:
            continue
        try:
            text = (infos[0] / "METADATA").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            if not line:
                break  # the headers end at the first blank line
            if line.startswith("Version:"):
                return line.partition(":")[2].strip() or None
    return None


def _release(version: str) -> tuple[int, ...]:
    """The leading numbers of a version string: '2.1.6rc1' -> (2, 1, 6)."""
    numbers = []
    for part in version.split("."):
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        numbers.append(int(digits))
        if len(digits) != len(part):
            break
    return tuple(numbers)


def check_litert_version(version: str | None = None) -> None:
    """Raises RuntimeError unless ai-edge-litert ``version`` (default: the installed one)
    is in LITERT_RANGE. An unknown version (no package metadata) passes."""
    version = _installed_version() if version is None else version
    if version is None:
        return
    release = _release(version)
    if not release or not LITERT_MIN <= release < LITERT_BELOW:
        raise RuntimeError(
            f"ai-edge-litert {version} is installed, but audioclf needs ai-edge-litert"
            f"{LITERT_RANGE} (older releases lack libLiteRt.so, abort on load or fail to "
            f"start): pip install 'ai-edge-litert{LITERT_RANGE}'"
        )


# --- LiteRT's log lines ------------------------------------------------------------

_logging = os.environ.get(LOGS_ENV, "") not in ("", "0")


def set_litert_logging(enabled: bool) -> None:
    """Shows (True) or hides (False, the default) LiteRT's INFO and WARNING lines.

    Error and fatal lines are always shown. The default comes from
    $AUDIOCLF_LITERT_LOGS (1: show).
    """
    global _logging
    _logging = bool(enabled)


def litert_logging() -> bool:
    """Whether LiteRT's INFO and WARNING lines are shown."""
    return _logging


# The watcher reads fd 2's text in segments, each ended by MARKER + mode +
# b"\n" (MARKER holds a per-process token: LiteRT's lines may hold NULs):
# v answers with every line, q with all but the NOISE lines, as
# b"<length>\n<lines>". After x (quiet) or X (all), sent at exit, it writes
# lines straight to its own stderr (the terminal it was started on) until EOF.
# Lines left at EOF before that (the process died while LiteRT ran) are all
# written there, noise included: they may say why.
_WATCHER = r"""
import collections, os, re, sys
MARKER = b"\0audioclf:" + sys.argv[1].encode() + b":"
# LiteRT's INFO/WARNING/VERBOSE lines (its own and absl's format), and the
# "Note:" lines mpg123 writes while libsndfile probes a file that is not MP3.
NOISE = re.compile(rb"^((INFO|WARNING|VERBOSE|DEBUG): |[IWV]\d{4} \d\d:\d\d:\d\d|Note: )")
lines = collections.deque(maxlen=2000)
pending, at_exit = b"", None
def shown(mode):
    return b"".join(x for x in lines if mode in b"vX" or not NOISE.match(x))
while True:
    chunk = os.read(0, 65536)
    if not chunk:
        break
    pending += chunk
    while b"\n" in pending:
        line, pending = pending.split(b"\n", 1)
        text, marker, mode = line.partition(MARKER)
        if text:
            lines.append(text + b"\n")
        if marker and mode in b"xX":
            at_exit = mode
        elif marker:
            answer = shown(mode)
            try:
                os.write(1, b"%d\n" % len(answer) + answer)
            except OSError:  # the process is gone
                pass
        if at_exit is not None:
            os.write(2, shown(at_exit))
        if marker or at_exit is not None:
            lines.clear()
if pending:
    lines.append(pending + b"\n")
if at_exit is not None:
    os.write(2, shown(at_exit))
elif lines:
    os.write(2, b"audioclf: the process ended while LiteRT was running; LiteRT wrote:\n")
    os.write(2, b"".join(lines))
"""
_ANSWER_TIMEOUT_SECONDS = 10.0


class _Capture:
    """fd 2 -> the watcher's pipe while at least one quiet_litert() block runs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.watcher: subprocess.Popen[bytes] | None = None
        self.saved_fd: int | None = None
        self.exiting = False
        self.exit_registered = False
        self.token = os.urandom(8).hex()

    def begin(self) -> None:
        with self.lock:
            self.depth += 1
            if self.depth > 1 or self.exiting:
                return
            watcher = self._watcher()
            if watcher is None or watcher.stdin is None:
                return
            try:
                sys.stderr.flush()
                self.saved_fd = os.dup(2)
                os.dup2(watcher.stdin.fileno(), 2)
            except (OSError, ValueError):  # no fd 2 to redirect: nothing to hide
                self._close_saved()

    def end(self) -> None:
        with self.lock:
            self.depth -= 1
            if self.depth > 0 or self.saved_fd is None:
                return
            os.dup2(self.saved_fd, 2)
            self._close_saved()
            shown = self._flush(b"v" if _logging else b"q")
        if shown:
            sys.stderr.write(shown.decode("utf-8", "backslashreplace"))
            sys.stderr.flush()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """The real fd 2 back for the block (Python code called from inside LiteRT calls)."""
        saved = self.saved_fd
        watcher = self.watcher
        if saved is None or watcher is None or watcher.stdin is None:
            yield
            return
        sys.stderr.flush()
        os.dup2(saved, 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(watcher.stdin.fileno(), 2)

    def _close_saved(self) -> None:
        if self.saved_fd is not None:
            os.close(self.saved_fd)
            self.saved_fd = None

    def at_exit(self) -> None:
        """fd 2 -> the watcher for good: models released at exit log there too."""
        with self.lock:
            watcher = self.watcher
            if self.saved_fd is not None or watcher is None or watcher.poll() is not None:
                return
            assert watcher.stdin is not None
            try:
                sys.stderr.flush()
                watcher.stdin.write(self._marker(b"X" if _logging else b"x"))
                os.dup2(watcher.stdin.fileno(), 2)
            except (OSError, ValueError):
                return
            self.exiting = True

    def _watcher(self) -> subprocess.Popen[bytes] | None:
        if self.watcher is not None and self.watcher.poll() is None:
            return self.watcher
        if not self.exit_registered:
            atexit.register(self.at_exit)
            self.exit_registered = True
        try:
            self.watcher = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _WATCHER, self.token],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                bufsize=0,
            )
        except OSError:  # cannot start it: LiteRT's lines are left alone
            self.watcher = None
        return self.watcher

    def _marker(self, mode: bytes) -> bytes:
        return b"\0audioclf:" + self.token.encode() + b":" + mode + b"\n"

    def _flush(self, mode: bytes) -> bytes:
        """Ends the segment; returns the lines the watcher says to show."""
        watcher = self.watcher
        assert watcher is not None and watcher.stdin is not None and watcher.stdout is not None
        try:
            watcher.stdin.write(self._marker(mode))
            head = self._read_line(watcher.stdout.fileno())
            size = int(head)
            data = b""
            while len(data) < size:
                chunk = os.read(watcher.stdout.fileno(), size - len(data))
                if not chunk:
                    break
                data += chunk
            return data
        except (OSError, ValueError):  # the watcher is gone: start another next time
            watcher.kill()
            self.watcher = None
            return b""

    @staticmethod
    def _read_line(fd: int) -> bytes:
        line = b""
        while not line.endswith(b"\n"):
            ready, _, _ = select.select([fd], [], [], _ANSWER_TIMEOUT_SECONDS)
            chunk = os.read(fd, 1) if ready else b""
            if not chunk:
                raise OSError("the LiteRT log watcher did not answer")
            line += chunk
        return line


_capture = _Capture()


@contextlib.contextmanager
def quiet_litert() -> Iterator[None]:
    """Hides LiteRT's INFO/WARNING lines on fd 2 during the block (see the module doc).

    Nested and concurrent blocks share one capture. While it runs, whatever
    else writes to fd 2 directly is filtered too (Python's ``sys.stderr`` is
    not, once ``keep_python_stderr()`` has been called).
    """
    if _logging:
        yield
        return
    _capture.begin()
    try:
        yield
    finally:
        _capture.end()


def with_real_stderr(function: Callable[P, R]) -> Callable[P, R]:
    """Wraps a callback run inside a quiet_litert() block so that what it prints shows."""

    @functools.wraps(function)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        with _capture.paused():
            return function(*args, **kwargs)

    return wrapped


def keep_python_stderr() -> None:
    """Gives ``sys.stderr`` its own copy of fd 2, so that quiet_litert() leaves
    Python's messages alone (for the command line, which captures for its whole run)."""
    stream = sys.stderr
    try:
        if stream is None or stream.fileno() != 2:
            return
        stream.flush()
        kept = os.dup(2)
    except (OSError, ValueError, AttributeError):
        return
    encoding = getattr(stream, "encoding", None) or "utf-8"
    sys.stderr = open(kept, "w", encoding=encoding, errors="backslashreplace", buffering=1)
