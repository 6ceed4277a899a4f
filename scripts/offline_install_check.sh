#!/usr/bin/env bash
# Proves the offline (LGWAN) install path works:
#  1. build a wheelhouse for this platform (kouiki wheel + every dependency),
#  2. install it into a NEW venv with `pip install --no-index` (no network), run kouiki from it,
#  3. download the Windows (win_amd64, CPython 3.11) wheels of every dependency — fails if one has no wheel.
# Run by .ci/run; takes about a minute with a warm pip cache.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# pip's stderr is kept quiet on success and shown (without the index-location noise) when a step fails.
show_err() { grep -v '^WARNING: Location' "$work/pip.err" >&2 || true; exit 1; }
deps=$(.venv/bin/python -c "import tomllib;print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))")

echo "[offline] building wheelhouse"
.venv/bin/python -m pip wheel -q --no-deps -w "$work/wheelhouse" . 2>"$work/pip.err" || show_err
# shellcheck disable=SC2086
echo "$deps" > "$work/requirements.txt"
.venv/bin/python -m pip download -q -d "$work/wheelhouse" -r "$work/requirements.txt" 2>"$work/pip.err" || show_err

echo "[offline] installing with --no-index into a fresh venv"
"$PY" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --no-index --find-links "$work/wheelhouse" kouiki 2>"$work/pip.err" || show_err
out=$(cd "$work" && KOUIKI_DATA_DIR="$work/data" "$work/venv/bin/kouiki" municipalities show 293636 --json)
echo "$out" | grep -q '"population_2020": 31177' || { echo "[offline] installed kouiki gave: $out" >&2; exit 1; }
(cd "$work" && KOUIKI_DATA_DIR="$work/data" "$work/venv/bin/kouiki" regions show 弘前圏域 --json) | grep -q '"西目屋村"'
echo "[offline] OK: the wheel carries its data; kouiki runs from a --no-index install"

echo "[offline] checking that every dependency has a Windows wheel (win_amd64, CPython 3.11)"
# pip evaluates environment markers against THIS machine, so select the requirements a Windows PC would install
# (e.g. uvloop is Linux/macOS only) before asking for Windows wheels.
.venv/bin/python scripts/requirements_for.py windows > "$work/requirements-win.txt"
"$work/venv/bin/python" -m pip download -q -d "$work/win" --only-binary=:all: --platform win_amd64 \
  --python-version 3.11 -r "$work/requirements-win.txt" 2>"$work/pip.err" || show_err
echo "[offline] OK: $(ls "$work/win" | wc -l) Windows wheels resolved"
