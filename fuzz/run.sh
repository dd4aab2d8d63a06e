#!/usr/bin/env bash
# Runs the fuzzers: fuzz/run.sh smoke | long [options]; see fuzz/run.py --help.
# Uses the project's venv (.venv) when there is one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
if [ -x "$here/../.venv/bin/python" ]; then python="$here/../.venv/bin/python"; fi
exec "$python" "$here/run.py" "$@"
