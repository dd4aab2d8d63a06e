#!/usr/bin/env bash
# Rebuilds samples/speech_whistle_chord.wav: about 7 s, 16 kHz mono 16-bit.
# Speech from espeak-ng, then a rising whistle, a beep pair and a plucked
# chord synthesised with sox. Needs: apt-get install espeak-ng sox
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fmt=(-r 16000 -c 1 -b 16)

espeak-ng -v en-us -s 150 -w "$tmp/speech.wav" \
  "Hello. This is a short test recording for audio classification."
sox "$tmp/speech.wav" "${fmt[@]}" "$tmp/a.wav" norm -3
sox -n "${fmt[@]}" "$tmp/b.wav" synth 1.5 sine 1500-2600 vol 0.4 fade 0.05 1.5 0.1
sox -n "${fmt[@]}" "$tmp/c.wav" synth 0.25 sine 1000 vol 0.4 pad 0 0.15 repeat 1
sox -n "${fmt[@]}" "$tmp/d.wav" \
  synth 1.5 pluck C3 pluck E3 pluck G3 pluck C4 vol 0.5 fade 0 1.5 1.0
sox "$tmp/a.wav" "$tmp/b.wav" "$tmp/c.wav" "$tmp/d.wav" "${fmt[@]}" speech_whistle_chord.wav
soxi speech_whistle_chord.wav
