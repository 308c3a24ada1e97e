#!/usr/bin/env bash
# Makes sure the system packages the tests need are there before `npm test` runs them: the Python
# modules of the trainer tests and reference decoders (torch, torchvision, onnx, numpy, pytest,
# pydicom), imported by the interpreter EMBOLUS_PYTHON names (default: /usr/bin/python3 if present),
# and the programs the browser and hospital-integration tests drive (Debian's chromium; DCMTK,
# dicom3tools and Orthanc with its DICOMweb plugin as DICOM peers).
#
#  - all present: one line, exit 0;
#  - missing, on Debian/Ubuntu as root: installs the Debian packages with apt-get, checks again;
#  - otherwise: says exactly what to run, exit 1.
#
# EMBOLUS_SYSTEM_DEPS=check only checks (never installs); =skip skips the check.
# Uses shell builtins, `id`, `dpkg`, `apt-get` and the interpreter only, so it runs on a bare machine.
set -euo pipefail

# Default: Debian's interpreter where it exists (apt installs into it; a pyenv or venv python3
# earlier on PATH would not see the packages), else python3 on PATH. Same rule as the runner's.
if [ -n "${EMBOLUS_PYTHON:-}" ]; then PY="$EMBOLUS_PYTHON"; elif [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
MODE="${EMBOLUS_SYSTEM_DEPS:-install}"
# Python module : Debian package.
REQUIRED=(torch:python3-torch torchvision:python3-torchvision onnx:python3-onnx numpy:python3-numpy
  pytest:python3-pytest pydicom:python3-pydicom)
# Programs, as Debian packages (checked with dpkg): the browser tests' chromium, the DICOM peers and
# poppler-utils (pdftotext, pdfimages: the report PDF tests read it with them).
PROGRAMS=(chromium dcmtk dicom3tools orthanc orthanc-dicomweb poppler-utils)

# Prints the interpreter's kind (`system`: Debian's, where apt installs; `other`: a venv, pyenv,
# conda…; `absent`), then one missing Debian package per line. find_spec does not import: fast.
PROBE='
import importlib.util, sys
print("system" if sys.prefix == sys.base_prefix == "/usr" else "other")
for entry in sys.argv[1:]:
    module, package = entry.split(":")
    if importlib.util.find_spec(module) is None:
        print(package)
'

KIND=absent
MISSING=()
probe() {
  KIND=absent
  MISSING=()
  local out line first=1
  if ! command -v "$PY" >/dev/null 2>&1 || ! out="$("$PY" -c "$PROBE" "${REQUIRED[@]}" 2>/dev/null)"; then
    MISSING=(python3)
    for line in "${REQUIRED[@]}"; do MISSING+=("${line#*:}"); done
    for line in "${PROGRAMS[@]}"; do dpkg -s "$line" >/dev/null 2>&1 || MISSING+=("$line"); done
    return
  fi
  while IFS= read -r line; do
    if [ $first = 1 ]; then KIND="$line"; first=0; elif [ -n "$line" ]; then MISSING+=("$line"); fi
  done <<<"$out"
  for line in "${PROGRAMS[@]}"; do
    dpkg -s "$line" >/dev/null 2>&1 || MISSING+=("$line")
  done
}

# The Debian orthanc package starts a system daemon on the default ports (4242, 8042); the tests
# start their own Orthanc on free loopback ports with a temporary configuration, so stop it.
stop_orthanc_daemon() {
  (systemctl disable --now orthanc || service orthanc stop || true) >/dev/null 2>&1 || true
}

say() { printf '%s\n' "$*" >&2; }

if [ "$MODE" = skip ]; then
  say "system packages: check skipped (EMBOLUS_SYSTEM_DEPS=skip)"
  exit 0
fi
case "$MODE" in install | check) ;; *) say "error: EMBOLUS_SYSTEM_DEPS must be install, check or skip"; exit 1 ;; esac

probe
if [ ${#MISSING[@]} -eq 0 ]; then
  say "system packages: ok ($PY has torch, torchvision, onnx, numpy, pytest, pydicom; ${PROGRAMS[*]} installed)"
  exit 0
fi

has_apt=0
command -v apt-get >/dev/null 2>&1 && has_apt=1
is_root=0
[ "$(id -u 2>/dev/null || echo 1)" = 0 ] && is_root=1
tried=0
# apt installs into Debian's own interpreter only: no use for a venv or pyenv python.
if [ "$MODE" = install ] && [ "$KIND" != other ] && [ $has_apt = 1 ] && [ $is_root = 1 ]; then
  say "system packages: installing ${MISSING[*]} with apt-get"
  tried=1
  if DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${MISSING[@]}"; then
    stop_orthanc_daemon
    probe
    if [ ${#MISSING[@]} -eq 0 ]; then
      say "system packages: ok (installed)"
      exit 0
    fi
  fi
fi

sudo=""
[ $is_root = 1 ] || sudo="sudo "
say "error: the tests need Debian packages that $PY cannot use: ${MISSING[*]}"
[ $tried = 1 ] && say "apt-get could not install them (see its output above)."
if [ "$KIND" = other ]; then
  say "$PY is not the system interpreter that apt installs into (a venv, pyenv or conda Python?)."
  say "Either point EMBOLUS_PYTHON at Debian's, after installing the packages:"
  say "  ${sudo}apt-get install -y --no-install-recommends ${MISSING[*]}"
  say "  EMBOLUS_PYTHON=/usr/bin/python3 npm test"
  say "or install torch, torchvision, onnx, numpy, pytest and pydicom into $PY."
elif [ $has_apt = 1 ]; then
  say "Install them, then run npm test again:"
  say "  ${sudo}apt-get install -y --no-install-recommends ${MISSING[*]}"
else
  say "There is no apt-get here: give EMBOLUS_PYTHON a Python 3 with torch>=1.13, torchvision, onnx, numpy, pytest and pydicom."
fi
say "(EMBOLUS_SYSTEM_DEPS=skip runs the tests anyway; the trainer tests will then fail.)"
exit 1
