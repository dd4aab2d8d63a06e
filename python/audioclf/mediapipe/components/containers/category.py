"""Category: one class of a head's result (index, score, category_name, display_name).

The core's own type: results are read in place, not copied into Python objects
(a YAMNet window has 521 of them).
"""

from __future__ import annotations

from audioclf._core import Category

__all__ = ["Category"]
