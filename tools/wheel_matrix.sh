#!/usr/bin/env bash
# Builds the sdist and a manylinux wheel (from the sdist), then installs the
# wheel into clean venvs for each Python x numpy cell and runs the Python
# tests against the installed wheel (not the source tree; the C++ suite
# needs a source build and is deselected).
#
#   tools/wheel_matrix.sh [OUT]    OUT default: /tmp/audioclf-wheel-matrix
#
# Needs: pyenv's Pythons (~/.pyenv/versions/3.X*), patchelf (apt) for
# auditwheel, and PyPI. CPU heavy: one cell at a time, builds with -j2.
# Prints one line per cell: python, numpy, pass/fail/skip counts.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${1:-/tmp/audioclf-wheel-matrix}
pythons=${PYTHONS:-"3.9 3.10 3.11 3.12 3.13"}
rm -rf "$out" && mkdir -p "$out/dist" "$out/wheelhouse"
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}

pyenv_python() {  # the newest pyenv build of a minor version
  ls -d "$HOME"/.pyenv/versions/"$1".* 2>/dev/null | sort -V | tail -1 | sed 's|$|/bin/python|'
}

tools="$out/tools-venv"
"$(pyenv_python 3.11)" -m venv "$tools"
"$tools/bin/pip" install -q --upgrade pip build auditwheel

echo "== sdist, then a wheel built from it"
"$tools/bin/python" -m build --sdist --outdir "$out/dist" . >"$out/build-sdist.log" 2>&1
sdist=$(ls "$out"/dist/audioclf-*.tar.gz)
"$tools/bin/python" -m build --wheel --outdir "$out/dist" "$sdist" >"$out/build-wheel.log" 2>&1
raw=$(ls "$out"/dist/audioclf-*.whl)
"$tools/bin/auditwheel" repair -w "$out/wheelhouse" "$raw" >"$out/auditwheel.log" 2>&1
wheel=$(ls "$out"/wheelhouse/audioclf-*.whl)
echo "sdist: $(basename "$sdist") $(du -k "$sdist" | cut -f1) KB"
echo "wheel: $(basename "$wheel") $(du -k "$wheel" | cut -f1) KB"
"$tools/bin/auditwheel" show "$wheel" | tr '\n' ' ' | sed 's/  */ /g'; echo

echo "== cells (python numpy: result)"
for py in $pythons; do
  for numpy in "numpy<2" "numpy>=2"; do
    interpreter=$(pyenv_python "$py")
    cell="py$py-$( [ "$numpy" = "numpy<2" ] && echo np1 || echo np2 )"
    venv="$out/$cell"
    if [ ! -x "$interpreter" ]; then echo "$cell: skip (no Python $py)"; continue; fi
    "$interpreter" -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip >/dev/null 2>&1
    start=$(date +%s.%N)
    if ! "$venv/bin/pip" install -q --only-binary=numpy "$wheel" "$numpy" >"$out/$cell-install.log" 2>&1; then
      why=$(grep -m1 -E "requires a different Python|No matching distribution|ERROR" \
        "$out/$cell-install.log" || true)
      echo "$cell: not installable: $why"
      continue
    fi
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    # The test extra's packages, then the tests, run from the tree but importing
    # the installed wheel (the package is under python/, not on sys.path).
    "$venv/bin/pip" install -q "pytest>=7" "flatbuffers>=23.5" "soundfile>=0.12" "soxr>=0.3" \
      "sounddevice>=0.4" "matplotlib>=3.5" >>"$out/$cell-install.log" 2>&1
    versions=$("$venv/bin/python" -c "import numpy, importlib.metadata as m, audioclf; \
print(f'numpy {numpy.__version__}, ai-edge-litert {m.version(\"ai-edge-litert\")}, \
audioclf from {audioclf.__file__}')")
    set +e
    (cd "$root" && "$venv/bin/python" -m pytest tests/python -q -p no:cacheprovider \
      --deselect tests/python/test_cpp_suite.py) >"$out/$cell-pytest.log" 2>&1
    set -e
    summary=$(tail -1 "$out/$cell-pytest.log")
    echo "$cell: install ${seconds%???????}s; $versions; $summary"
  done
done
