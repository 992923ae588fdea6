#!/usr/bin/env bash
# Set up paychaos in ./.venv (idempotent): Python deps from pyproject.toml, plus Debian's chromium
# for the HTML report's screenshot test when running as root. Prints only what it does.
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
  .venv/bin/python -c "import simulator, proxies, mitmproxy, stripe"
  .venv/bin/python -c "import locust" 2>/dev/null
  echo "$want" > "$stamp"
fi
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && [ "${PAYCHAOS_NO_CHROMIUM:-}" = "" ]; then
  echo "setup: installing Debian's chromium for the report screenshot test" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) >&2 \
    || echo "setup: chromium could not be installed; the screenshot test will be skipped" >&2
fi
