"""Shared fixtures: where ../shared is, and tiny models built on the fly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SHARED = ROOT.parent / "shared"
DATA = ROOT / "tests" / "data"

sys.path.insert(0, str(HERE))  # model_builder


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the project's shared test data is not beside it)")
    return path


def golden(name: str) -> list[dict]:
    return json.loads(shared_path("golden", name).read_text())


@pytest.fixture
def data_dir() -> Path:
    return DATA
