"""Finds libLiteRt.so: explicit path, then $AUDIOCLF_LITERT_LIBRARY, then the
library shipped inside the installed ``ai_edge_litert`` package."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

ENV_VAR = "AUDIOCLF_LITERT_LIBRARY"


def find_litert_library(explicit: str | None = None) -> str:
    """Returns the path of libLiteRt.so to load, or raises RuntimeError."""
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
                return str(candidate)
    raise RuntimeError(
        "cannot find libLiteRt.so: install the 'ai-edge-litert' package "
        f"(pip install ai-edge-litert), set {ENV_VAR}, or pass litert_library"
    )
