#!/usr/bin/env bash
# Install what the project needs, skipping what is already there.
# Debian packages: Coq, OCaml, findlib and the OCaml libraries of the driver.
# PyPI: this package in editable mode with its test extras.
# Fast no-op when everything is present; every make target runs it first.
set -euo pipefail
cd "$(dirname "$0")/.."

# graphviz draws state diagrams; chromium renders the reports in the browser tests.
DEB_PACKAGES=(coq ocaml-nox ocaml-findlib libyojson-ocaml-dev graphviz chromium)
PY_MODULES=(lark jinja2 pytest hypothesis jsonschema coq_jupyter nbclient nbformat orjson
            dask distributed graphviz rich)

say() { printf 'bootstrap: %s\n' "$*" >&2; }

missing_debs=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
    || missing_debs+=("$pkg")
done

if [ ${#missing_debs[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing ${missing_debs[*]} and this is not a Debian system (no apt-get)."
    say "Install Coq 8.16 and OCaml 4.13 with findlib and yojson by hand, then rerun."
    exit 1
  fi
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  say "installing Debian packages: ${missing_debs[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing_debs[@]}" >/dev/null
fi

if ! command -v coqc >/dev/null 2>&1; then
  say "coqc is still missing after installing Debian's coq; cannot continue."
  exit 1
fi

py_ok=1
python3 - "${PY_MODULES[@]}" <<'PY' || py_ok=0
import importlib.util, sys
missing = [m for m in sys.argv[1:] if importlib.util.find_spec(m) is None]
try:
    import pyspec  # noqa: F401  (the editable install of this project)
except ImportError:
    missing.append("pyspec")
sys.exit(1 if missing else 0)
PY
if [ "$py_ok" -eq 0 ]; then
  say "installing the Python package (editable, with test extras)"
  python3 -m pip install -q -e '.[test]'
fi
