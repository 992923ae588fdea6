#!/usr/bin/env bash
# Set up paychaos in ./.venv (idempotent): Python deps from pyproject.toml, plus Debian's chromium
# for browser mode (checkout.flow browser) and the HTML report's screenshot test when running as root. Prints only what it does.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
stamp=.venv/.paychaos-installed
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$PY" -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing paychaos and its dependencies into .venv" >&2
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v "is ignored: it is neither" >&2 || true
  # The editable install maps simulator/ to `paychaos` with a finder placed after Python's own; a shop
  # folder named paychaos/ (what `paychaos init` writes) in the working directory would then shadow it as
  # a namespace package. This .pth moves the finder first. Dev checkouts only: a wheel has no finder.
  site=$(.venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  printf '%s\n' "import sys; [sys.meta_path.insert(0, sys.meta_path.pop(i)) for i, f in enumerate(list(sys.meta_path)) if getattr(f, '__module__', '').startswith('__editable___paychaos')]" \
    > "$site/paychaos_editable_first.pth"
  venv_python=$PWD/.venv/bin/python
  shadow=$(mktemp -d) && mkdir "$shadow/paychaos"
  (cd "$shadow" && "$venv_python" -c "import paychaos, paychaos.proxies, paychaos.scenarios, mitmproxy, stripe; paychaos.__version__")
  rm -rf "$shadow"
  .venv/bin/python -c "import locust" 2>/dev/null
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
