"""MP3 files whose Xing/Info header does not cover them (the core's
mp3_header): files joined end to end decode only as far as the first one's
header says, and a file cut short claims audio it lacks. Both warn
TruncatedAudioWarning naming the file, or are a ValueError with strict=True."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from audioclf import (
    AudioClassifier,
    AudioClassifierOptions,
    AudioEmbedder,
    AudioEmbedderOptions,
    BaseOptions,
    TruncatedAudioWarning,
)
from audioclf._core import read_mp3_header
from model_builder import Head, build_model, embedding_head

sf = pytest.importorskip("soundfile")
if "MP3" not in sf.available_formats():
    pytest.skip("this libsndfile cannot write MP3", allow_module_level=True)

RATE = 48000
SECONDS = 10
WINDOW = 48000  # one second at the file's rate: no resampling
MODEL = build_model(WINDOW, [Head(3, name="h", labels=["a", "b", "c"])], sample_rate=RATE)


@pytest.fixture(scope="module")
def mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10 s of 48 kHz mono, encoded by libsndfile (LAME writes an Info header)."""
    path = tmp_path_factory.mktemp("mp3") / "one.mp3"
    rng = np.random.default_rng(5)
    sf.write(path, (0.1 * rng.standard_normal(RATE * SECONDS)).astype(np.float32), RATE)
    return path


def classifier() -> AudioClassifier:
    return AudioClassifier.create_from_options(
        AudioClassifierOptions(base_options=BaseOptions(file_content=MODEL))
    )


def decoded_seconds(path: Path) -> float:
    frames = 0
    with sf.SoundFile(path) as f:
        while len(block := f.read(65536)) > 0:
            frames += len(block)
    return frames / RATE


def test_an_encoder_written_header_covers_its_file(mp3: Path) -> None:
    header = read_mp3_header(str(mp3))
    assert header.found
    assert header.sample_rate == RATE and header.samples_per_frame == 1152
    # 10 s in 1152-sample frames, plus the Info frame and the encoder's padding.
    assert 417 <= header.declared_frames <= 421
    assert header.first_frame == 0
    assert header.stream_bytes == mp3.stat().st_size == header.declared_bytes
    assert header.describe_mismatch(str(mp3)) == ""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        windows = classifier().classify_file(mp3)
    assert len(windows) == SECONDS


def test_joined_files_warn_that_only_the_first_is_decoded(mp3: Path, tmp_path: Path) -> None:
    joined = tmp_path / "joined.mp3"
    joined.write_bytes(mp3.read_bytes() * 3)
    # The premise: libsndfile stops where the first header says.
    assert decoded_seconds(joined) == pytest.approx(SECONDS, abs=0.1)
    header = read_mp3_header(str(joined))
    assert header.stream_bytes == 3 * header.declared_bytes
    with pytest.warns(TruncatedAudioWarning) as caught:
        windows = classifier().classify_file(joined)
    message = str(caught[0].message)
    assert message.startswith(
        f"MP3 file '{joined}' holds {3 * header.declared_bytes} bytes of audio, but its "
        f"Xing/Info header declares {header.declared_bytes} bytes (10.0 s)"
    )
    assert "joined end to end" in message
    assert len(windows) == SECONDS
    with pytest.raises(ValueError, match=r"joined\.mp3' holds .* joined end to end"):
        classifier().classify_file(joined, strict=True)
    with pytest.raises(ValueError, match="joined end to end"):
        list(classifier().iter_file(joined, strict=True))
    embedder = AudioEmbedder.create_from_options(
        AudioEmbedderOptions(
            base_options=BaseOptions(
                file_content=build_model(WINDOW, [embedding_head(4)], sample_rate=RATE)
            )
        )
    )
    with pytest.warns(TruncatedAudioWarning, match="joined end to end"):
        assert len(list(embedder.iter_file(joined))) == SECONDS
    with pytest.raises(ValueError, match="joined end to end"):
        list(embedder.iter_file(joined, strict=True))


def test_a_file_cut_short_warns_truncated(mp3: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp3"
    data = mp3.read_bytes()
    cut.write_bytes(data[: len(data) // 4])
    with pytest.warns(TruncatedAudioWarning) as caught:
        windows = classifier().classify_file(cut)
    assert str(caught[0].message) == (
        f"MP3 file '{cut}' is truncated: its Xing/Info header declares {len(data)} bytes "
        f"(10.0 s), the file holds {len(data) // 4}"
    )
    assert len(windows) == 3  # the 2.5 s that are there, the last padded
    with pytest.raises(ValueError, match=r"cut\.mp3' is truncated"):
        classifier().classify_file(cut, strict=True)


def test_tags_around_the_stream_are_not_counted(mp3: Path, tmp_path: Path) -> None:
    data = mp3.read_bytes()
    id3v2 = b"ID3\x04\x00\x00" + bytes([0, 0, 2, 0]) + b"\0" * 256  # 256-byte body
    ape_items = b"\0" * 100
    ape_footer = (
        b"APETAGEX"
        + (2000).to_bytes(4, "little")
        + (len(ape_items) + 32).to_bytes(4, "little")
        + (0).to_bytes(4, "little")
        + (0).to_bytes(4, "little")
        + b"\0" * 8
    )
    id3v1 = b"TAG" + b"\0" * 125
    tagged = tmp_path / "tagged.mp3"
    tagged.write_bytes(id3v2 + data + ape_items + ape_footer + id3v1)
    header = read_mp3_header(str(tagged))
    assert header.first_frame == len(id3v2)
    assert header.stream_bytes == len(data)
    assert header.describe_mismatch(str(tagged)) == ""


def test_files_without_a_header_are_not_judged(tmp_path: Path) -> None:
    noise = tmp_path / "noise.mp3"
    noise.write_bytes(bytes(range(256)) * 64)
    header = read_mp3_header(str(noise))
    assert not header.found and header.declared_bytes == 0
    assert header.describe_mismatch(str(noise)) == ""
    with pytest.raises(ValueError, match=r"MP3 file '.*missing\.mp3'"):
        read_mp3_header(str(tmp_path / "missing.mp3"))
    with pytest.raises(ValueError, match="MP3 file '.*' is a directory"):
        read_mp3_header(str(tmp_path))
