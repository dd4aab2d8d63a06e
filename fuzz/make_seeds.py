"""Writes the seed corpora of the libFuzzer targets into build/fuzz/seeds/<target>/.

Seeds are generated, not committed: valid models from tests/python/model_builder.py
and tests/data/*.tflite (plus the small models of ../shared when present), their
metadata flatbuffers and zip archives, WAVs in many formats, label and
calibration files, and PCM blocks for the resampler target.

Usage: python fuzz/make_seeds.py [--out DIR]
"""

from __future__ import annotations

import argparse
import io
import math
import struct
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "python"))

import model_builder as mb  # noqa: E402
from model_builder import Head  # noqa: E402

SHARED_MODELS = ROOT.parent / "shared" / "models"
# Larger seeds slow every execution (libFuzzer's max_len follows the largest).
MAX_SEED_BYTES = 64 * 1024

# WAVE_FORMAT_EXTENSIBLE sub-format GUIDs' tail (after the 2-byte format tag).
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
WAVE_FORMAT_PCM, WAVE_FORMAT_FLOAT, WAVE_FORMAT_EXTENSIBLE = 1, 3, 0xFFFE


def _tone(frames: int, channels: int, rate: int) -> list[float]:
    """Interleaved samples of a 440 Hz tone (each channel a little later)."""
    return [
        0.5 * math.sin(2 * math.pi * 440 * (i + 7 * c) / rate)
        for i in range(frames)
        for c in range(channels)
    ]


def _encode(samples: list[float], bits: int, is_float: bool) -> bytes:
    if is_float:
        return struct.pack(f"<{len(samples)}{'f' if bits == 32 else 'd'}", *samples)
    if bits == 8:
        return bytes(min(255, max(0, round(s * 128) + 128)) for s in samples)
    top = (1 << (bits - 1)) - 1
    ints = [min(top, max(-top - 1, round(s * (top + 1)))) for s in samples]
    if bits == 24:
        return b"".join(struct.pack("<i", v)[:3] for v in ints)
    return struct.pack(f"<{len(ints)}{'h' if bits == 16 else 'i'}", *ints)


def wav_bytes(
    *,
    rate: int = 16000,
    channels: int = 1,
    bits: int = 16,
    is_float: bool = False,
    extensible: bool = False,
    frames: int = 400,
    extra_chunks: bool = False,
    samples: list[float] | None = None,
) -> bytes:
    """A RIFF/WAVE file; ``extra_chunks`` adds a LIST chunk (odd size, padded) before data."""
    data = _encode(
        samples if samples is not None else _tone(frames, channels, rate), bits, is_float
    )
    block_align = channels * bits // 8
    tag = WAVE_FORMAT_FLOAT if is_float else WAVE_FORMAT_PCM
    fmt = struct.pack(
        "<HHIIHH",
        WAVE_FORMAT_EXTENSIBLE if extensible else tag,
        channels,
        rate,
        rate * block_align,
        block_align,
        bits,
    )
    if extensible:
        mask = (1 << channels) - 1 if channels <= 18 else 0
        fmt += struct.pack("<HHI", 22, bits, mask) + struct.pack("<H", tag) + _GUID_TAIL
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if is_float:
        chunks += b"fact" + struct.pack("<II", 4, len(data) // block_align)
    if extra_chunks:
        info = b"INFOISFT\x05\x00\x00\x00fuzz\x00"
        chunks += b"LIST" + struct.pack("<I", len(info)) + info + b"\x00" * (len(info) % 2)
    chunks += b"data" + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) % 2)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def mp3_bytes(b1: int, mono: bool, side: int, declared: int, held: int, tags: bool) -> bytes:
    """A first Layer III frame with a Xing/Info header (frames and bytes), filler
    up to `held` stream bytes, and optionally ID3v2, APE and ID3v1 tags."""
    frame = bytes([0xFF, b1, 0x90, 0xC4 if mono else 0x04])
    if not b1 & 1:
        frame += b"\x12\x34"  # CRC
    frame += bytes(side) + b"Info" + struct.pack(">III", 3, declared // 400, declared)
    stream = frame + b"\xaa" * max(0, held - len(frame))
    if not tags:
        return stream
    id3v2 = b"ID3\x04\x00\x00" + bytes([0, 0, 0, 20]) + bytes(20)
    ape = bytes(16) + b"APETAGEX" + struct.pack("<IIII", 2000, 48, 0, 0) + bytes(8)
    return id3v2 + stream + ape + b"TAG" + bytes(125)


def seed_mp3s() -> dict[str, bytes]:
    layouts = {
        "mpeg1_mono": (0xFB, True, 17),
        "mpeg1_stereo": (0xFB, False, 32),
        "mpeg2_mono": (0xF3, True, 9),
        "mpeg25_stereo": (0xE3, False, 17),
        "mpeg1_crc": (0xFA, True, 17),
    }
    seeds = {}
    for name, (b1, mono, side) in layouts.items():
        seeds[f"{name}.mp3"] = mp3_bytes(b1, mono, side, 4000, 4000, tags=False)
        seeds[f"{name}_tagged.mp3"] = mp3_bytes(b1, mono, side, 4000, 4000, tags=True)
    seeds["joined.mp3"] = mp3_bytes(0xFB, True, 17, 2000, 8000, tags=True)
    seeds["cut.mp3"] = mp3_bytes(0xFB, True, 17, 900000, 3000, tags=False)
    return seeds


def seed_wavs() -> dict[str, bytes]:
    wavs = {}
    for bits, is_float in [
        (8, False),
        (16, False),
        (24, False),
        (32, False),
        (32, True),
        (64, True),
    ]:
        kind = "f" if is_float else "s"
        for channels in (1, 2, 3):
            wavs[f"{kind}{bits}_{channels}ch.wav"] = wav_bytes(
                bits=bits, is_float=is_float, channels=channels, frames=160
            )
        wavs[f"{kind}{bits}_ext.wav"] = wav_bytes(
            bits=bits, is_float=is_float, extensible=True, channels=2, frames=120
        )
    wavs["s16_44k_stereo_list.wav"] = wav_bytes(rate=44100, channels=2, extra_chunks=True)
    wavs["s16_odd_frames_list.wav"] = wav_bytes(bits=8, frames=33, extra_chunks=True)
    wavs["s16_empty_data.wav"] = wav_bytes(frames=0)
    wavs["s16_8k.wav"] = wav_bytes(rate=8000, frames=200)
    tone = ROOT / "tests" / "data" / "tiny_tone.wav"
    if tone.is_file() and tone.stat().st_size <= MAX_SEED_BYTES:
        wavs["tiny_tone.wav"] = tone.read_bytes()
    return wavs


def seed_models() -> dict[str, bytes]:
    """Valid models, small and varied: heads, quantization, calibration, zips."""
    calib = ("LOG", 0.1, ["1.0,1.0,0.0", "", "0.9,2.0,-0.5,0.2"])
    labels = ["a", "b", "c"]
    variants: dict[str, tuple[int, list[Head], dict]] = {
        "softmax.tflite": (64, [Head(3, name="h", labels=labels, labels_locale="en")], {}),
        "sigmoid_calibrated.tflite": (
            48,
            [Head(3, name="s", activation="sigmoid", labels=labels, calibration=calib)],
            {},
        ),
        "uint8.tflite": (32, [Head(4, labels=list("wxyz"), quantize=("uint8", 1 / 256, 0))], {}),
        "int8_threshold.tflite": (
            32,
            [Head(2, labels=["x", "y"], quantize=("int8", 1 / 256, -128), score_threshold=0.3)],
            {},
        ),
        "two_heads_deflate.tflite": (
            40,
            [
                Head(2, name="p", labels=["u", "v"], display_names={"fr": ["U", "V"]}),
                Head(3, name="q", activation="none", labels=labels),
            ],
            {"zip_compression": zipfile.ZIP_DEFLATED},
        ),
        "stereo_44k.tflite": (
            64,
            [Head(2, labels=["l", "r"])],
            {"channels": 2, "sample_rate": 44100},
        ),
        "input_1d.tflite": (32, [Head(2, labels=["p", "q"])], {"input_shape_1d": True}),
        "no_rate.tflite": (32, [Head(2, labels=["p", "q"])], {"sample_rate": None}),
        "no_metadata.tflite": (32, [Head(3)], {"with_metadata": False}),
        "no_labels.tflite": (32, [Head(3)], {}),
    }
    models = {
        name: mb.build_model(n, heads, **kwargs) for name, (n, heads, kwargs) in variants.items()
    }
    for path in sorted((ROOT / "tests" / "data").glob("*.tflite")):
        models[path.name] = path.read_bytes()
    if SHARED_MODELS.is_dir():
        for path in sorted(SHARED_MODELS.glob("*.tflite")):
            if path.stat().st_size <= MAX_SEED_BYTES:
                models[f"shared_{path.name}"] = path.read_bytes()
    return models


def _zip(files: dict[str, bytes], compression: int, comment: bytes = b"") -> bytes:
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", compression=compression) as z:
        z.comment = comment
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            z.writestr(info, data)
    return bio.getvalue()


def _label_seed(labels: bytes, calibration: bytes, params: bytes) -> bytes:
    # fuzz_labels reads its parameters (FuzzedDataProvider) from the end.
    return labels + b"\0" + calibration + params


def _pcm_seed(samples: bytes, params: bytes) -> bytes:
    return samples + params


def all_seeds() -> dict[str, dict[str, bytes]]:
    models = seed_models()
    with_metadata = {n: m for n, m in models.items() if mb.metadata_bytes(m) is not None}
    metadata = {f"{n}.m001": mb.metadata_bytes(m) for n, m in with_metadata.items()}
    zips: dict[str, bytes] = {}
    label_files: dict[str, bytes] = {}
    for name, model in with_metadata.items():
        files = mb.zip_files(model)
        if not files:
            continue
        zips[f"{name}.zip"] = model  # the archive after its flatbuffer, as shipped
        zips[f"{name}.stored.zip"] = _zip(files, zipfile.ZIP_STORED)
        zips[f"{name}.deflate.zip"] = _zip(files, zipfile.ZIP_DEFLATED, comment=b"seed")
        label_files.update({f"{name}.{entry}": data for entry, data in files.items()})
    zips["empty.zip"] = _zip({}, zipfile.ZIP_STORED)

    labels: dict[str, bytes] = {}
    calibration = b"1.0,1.0,0.0\n\n0.9,2.0,-0.5,0.2\n"
    for i, (name, data) in enumerate(sorted(label_files.items())):
        if "calibration" in name:
            continue
        params = bytes([i % 3]) + struct.pack("<ff", 0.25, 0.5) + bytes([i, 255 - i, 7])
        labels[f"{name}.seed"] = _label_seed(data, calibration, params)
    labels["crlf.seed"] = _label_seed(b"a\r\nb\r\nc\r\n", calibration, b"\x01" * 12)
    labels["utf8.seed"] = _label_seed("é\nß\n中\n".encode(), b"2,3,4,0.5\n\n1,1,1\n", b"\x02" * 12)

    pcm: dict[str, bytes] = {}
    for i, (bits, is_float) in enumerate([(8, False), (16, False), (24, False), (32, False)]):
        for channels in (1, 2):
            samples = _encode(_tone(256, channels, 16000), bits, is_float)
            pcm[f"s{bits}_{channels}ch.seed"] = _pcm_seed(samples, bytes([i * 37 + channels]) * 16)
    for i in range(8):
        samples = _encode(_tone(512, 1, 48000), 32, True)
        pcm[f"f32_{i}.seed"] = _pcm_seed(samples, bytes((i * 53 + k * 29) % 256 for k in range(16)))

    return {
        "fuzz_tflite_model": models,
        "fuzz_graph_validator": models,
        "fuzz_model_rewriter": models,
        "fuzz_model_metadata": metadata,
        "fuzz_zip_archive": zips,
        "fuzz_wav_reader": seed_wavs(),
        "fuzz_mp3_header": seed_mp3s(),
        "fuzz_labels": labels,
        "fuzz_pcm_resample": pcm,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "fuzz" / "seeds")
    args = parser.parse_args()
    for target, seeds in all_seeds().items():
        directory = args.out / target
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (directory / name).write_bytes(data)
        print(f"{target}: {len(seeds)} seeds in {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
