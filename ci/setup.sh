#!/usr/bin/env bash
# Set up paychaos in ./.venv (idempotent): Python deps from pyproject.toml, plus Debian's chromium
# for browser mode (checkout.flow browser) and the HTML report's screenshot test when running as root. Prints only what it does.
# PYTHON=python3.13 PAYCHAOS_VENV=.venv-3.13 sets up another interpreter's venv beside it;
# PAYCHAOS_CONSTRAINTS=ci/constraints-lowest.txt installs with that constraints file (pip -c), and
# PAYCHAOS_EXTRAS=test other extras than dev (ci/test-lowest.sh does both).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${PAYCHAOS_VENV:-.venv}
CONSTRAINTS=${PAYCHAOS_CONSTRAINTS:-}
EXTRAS=${PAYCHAOS_EXTRAS:-dev}
constrain=()
if [ -n "$CONSTRAINTS" ]; then constrain=(-c "$CONSTRAINTS"); fi
stamp=$VENV/.paychaos-installed
# Strict editable install: build/__editable__.* holds links to the sources, on sys.path as a real
# `paychaos` package, so a folder named paychaos/ in the working directory (`paychaos init` writes
# one) cannot shadow it as a namespace package, as it does setuptools' default finder. New files
# need a reinstall, so the stamp covers the list of source files as well as pyproject.toml.
want=$( (echo "$EXTRAS"; cat pyproject.toml ${CONSTRAINTS:+"$CONSTRAINTS"}; find simulator proxies scenarios -type f ! -path '*/__pycache__/*' | LC_ALL=C sort) \
        | sha256sum | cut -c1-16)
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV ($("$PY" --version))" >&2
  "$PY" -m venv "$VENV"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing paychaos and its dependencies into $VENV" >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check "${constrain[@]}" -e ".[$EXTRAS]" --config-settings editable_mode=strict 2>&1 \
    | grep -v "is ignored: it is neither" >&2 || true
  "$VENV/bin/python" -c "import paychaos, paychaos.proxies, paychaos.scenarios, mitmproxy, stripe"
  if [ "$EXTRAS" = dev ]; then "$VENV/bin/python" -c "import locust" 2>/dev/null; fi
  echo "$want" > "$stamp"
fi
# Debian packages for browser mode and the report screenshot test (chromium: driven headless over the DevTools
# protocol, no Python package needed; a CJK font for Chinese prompts) and the
# benchmarks (wrk). Only as root and only what is missing; the tests skip what cannot be installed.
want_pkgs=()
command -v chromium >/dev/null 2>&1 || want_pkgs+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || want_pkgs+=(fonts-wqy-microhei)
command -v wrk >/dev/null 2>&1 || want_pkgs+=(wrk)
if [ ${#want_pkgs[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && [ "${PAYCHAOS_NO_APT:-}" = "" ]; then
  echo "setup: installing Debian packages: ${want_pkgs[*]}" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want_pkgs[@]}" >/dev/null) >&2 \
    || echo "setup: could not install ${want_pkgs[*]}; the tests that need them will be skipped" >&2
fi
