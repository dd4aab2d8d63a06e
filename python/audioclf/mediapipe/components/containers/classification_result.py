"""ClassificationResult: every head's categories for one window, and where it starts."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from audioclf._core import Classifications

__all__ = ["ClassificationResult", "Classifications"]


@dataclasses.dataclass
class ClassificationResult:
    """One window's result: ``classifications`` (one per head, in head order)
    and ``timestamp_ms``, where the window starts in the audio."""

    classifications: Sequence[Classifications]
    timestamp_ms: int | None = None
