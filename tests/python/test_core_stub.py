"""The .pyi of the compiled module names everything the module exports."""

from __future__ import annotations

import re
from pathlib import Path

import audioclf
from audioclf import _core


def test_stub_covers_the_module() -> None:
    stub = (Path(audioclf.__file__).parent / "_core.pyi").read_text()
    declared = set(re.findall(r"^(?:class|def) (\w+)", stub, flags=re.MULTILINE))
    exported = {name for name in dir(_core) if not name.startswith("_")}
    assert exported - declared == set()
    assert declared - exported == set()
