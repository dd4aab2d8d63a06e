"""audioclf._runtime: the LiteRT version range and the filter on LiteRT's log lines."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from audioclf import _runtime
from audioclf._runtime import LITERT_RANGE, check_litert_version, quiet_litert
from conftest import DATA

TINY = str(DATA / "tiny_two_heads.tflite")


@pytest.mark.parametrize("version", ["2.1.6", "2.2.0", "2.3.0", "2.10.1", "2.1.6.post1"])
def test_versions_in_range_pass(version: str) -> None:
    check_litert_version(version)


@pytest.mark.parametrize("version", ["2.0.3", "2.1.0", "2.1.5", "1.4.0", "3.0.0", "nightly"])
def test_versions_out_of_range_name_the_version_and_the_range(version: str) -> None:
    with pytest.raises(RuntimeError) as caught:
        check_litert_version(version)
    message = str(caught.value)
    assert f"ai-edge-litert {version} is installed" in message
    assert LITERT_RANGE in message and "pip install" in message


def test_the_installed_runtime_is_in_range() -> None:
    check_litert_version()  # the test environment's own ai-edge-litert


def test_the_version_read_beside_the_package_is_the_installed_one() -> None:
    import importlib.metadata

    assert _runtime._version_beside_package() == importlib.metadata.version("ai-edge-litert")


def test_a_version_beside_the_package_is_read_from_its_dist_info(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = tmp_path / "ai_edge_litert"
    package.mkdir()
    (package / "__init__.py").write_text("")
    info = tmp_path / "ai_edge_litert-2.1.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: ai-edge-litert\nVersion: 2.1.3\n\nVersion: 9.9\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "ai_edge_litert", raising=False)
    assert _runtime._version_beside_package() == "2.1.3"
    assert _runtime._installed_version() == "2.1.3"
    # Two dist-infos beside it are ambiguous: importlib.metadata decides.
    (tmp_path / "ai_edge_litert-2.3.0.dist-info").mkdir()
    assert _runtime._version_beside_package() is None


def test_import_and_create_leave_slow_modules_unimported() -> None:
    # importlib.metadata (40 ms) and asyncio (20 ms) were most of audioclf's
    # own import time; neither is needed to load a model and classify.
    proc = run_python(
        f"""
        import sys
        import numpy as np
        from audioclf import AudioClassifier
        classifier = AudioClassifier.create_from_file({TINY!r})
        classifier.classify(np.zeros(classifier.window_frames, np.float32))
        print(sorted(m for m in ("importlib.metadata", "asyncio") if m in sys.modules))
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_an_old_installed_runtime_is_refused_before_loading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(_runtime.ENV_VAR, raising=False)
    monkeypatch.setattr(_runtime, "_installed_version", lambda: "2.1.3")
    with pytest.raises(RuntimeError, match=r"ai-edge-litert 2\.1\.3 is installed"):
        _runtime.find_litert_library()
    # An explicit library is the caller's choice and is not checked.
    assert _runtime.find_litert_library("/opt/libLiteRt.so") == "/opt/libLiteRt.so"


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != _runtime.LOGS_ENV}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**environment, **env},
    )


CREATE_CLASSIFY_CLOSE = f"""
    import numpy as np
    from audioclf import AudioClassifier
    classifier = AudioClassifier.create_from_file({TINY!r})
    result = classifier.classify(np.zeros(classifier.window_frames, np.float32))
    windows = classifier.classify_clip(np.zeros(16000, np.float32), workers=2)
    print(len(windows), result.classifications[0].head_name)
    classifier.close()
"""


def test_create_classify_close_prints_nothing_on_stderr() -> None:
    proc = run_python(CREATE_CLASSIFY_CLOSE)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["10", "loudness"]
    assert proc.stderr == ""


def test_a_classifier_left_open_at_exit_prints_nothing_either() -> None:
    proc = run_python(CREATE_CLASSIFY_CLOSE.replace("classifier.close()", "d = classifier"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_the_environment_variable_shows_litert_logs() -> None:
    proc = run_python(CREATE_CLASSIFY_CLOSE, AUDIOCLF_LITERT_LOGS="1")
    assert proc.returncode == 0, proc.stderr
    assert "INFO: " in proc.stderr and "XNNPACK" in proc.stderr


def test_set_litert_logging_shows_litert_logs() -> None:
    code = "\n    import audioclf\n    audioclf.set_litert_logging(True)" + CREATE_CLASSIFY_CLOSE
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert "INFO: " in proc.stderr and "XNNPACK" in proc.stderr


def test_noise_is_dropped_and_everything_else_kept(capfd: pytest.CaptureFixture[str]) -> None:
    with quiet_litert():
        os.write(2, b"INFO: [environment.cc:36] Creating LiteRT environment\n")
        os.write(2, b"WARNING: [gpu_registry.cc:160] GPU accelerator could not be loaded\n")
        os.write(2, b"I0000 00:00:1700000000.0 1 a.cc:1] glog info\n")
        os.write(2, b"ERROR: the model is broken\n")
        os.write(2, b"ERROR: model identifier 'M\0\0\0', should be 'TFL3'\n")  # NULs too
        os.write(2, b"WARNING:root:a Python logging line\n")
    kept = (
        "ERROR: the model is broken\nERROR: model identifier 'M\0\0\0', should be 'TFL3'\n"
        "WARNING:root:a Python logging line\n"
    )
    assert capfd.readouterr().err == kept


def test_a_native_abort_shows_what_litert_wrote() -> None:
    proc = run_python(
        """
        import os
        from audioclf._runtime import quiet_litert
        with quiet_litert():
            os.write(2, b"INFO: loading\\nF0000 00:00:1.0 1 model.cc:9] Check failed: ok\\n")
            os.abort()
        """
    )
    assert proc.returncode == -6  # SIGABRT
    assert "the process ended while LiteRT was running" in proc.stderr
    assert "INFO: loading" in proc.stderr
    assert "Check failed: ok" in proc.stderr


def test_callbacks_inside_a_capture_print_normally(capfd: pytest.CaptureFixture[str]) -> None:
    printed = _runtime.with_real_stderr(lambda: os.write(2, b"INFO: from a callback\n"))
    with quiet_litert():
        printed()
    assert capfd.readouterr().err == "INFO: from a callback\n"
