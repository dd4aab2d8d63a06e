"""Embedding results: one vector per head, per window."""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["Embedding", "EmbeddingResult"]


@dataclasses.dataclass
class Embedding:
    """One head's embedding: float64 values, or uint8 when quantized."""

    embedding: np.ndarray
    head_index: int | None = None
    head_name: str | None = None


@dataclasses.dataclass
class EmbeddingResult:
    """One window's embeddings (one per head) and where the window starts."""

    embeddings: list[Embedding]
    timestamp_ms: int | None = None
