#!/usr/bin/env bash
# The newest supported Python beside the main run's 3.11 (what .ci/run does after ci/test.sh): a
# focused part of the suite on Python 3.13 in its own venv (.venv-3.13). Why a part: the whole suite
# on a second interpreter would double CI's time on two cores (docs/ci.md, "Pythons"); this part
# covers what differs between Pythons: the wheel and its installs (and `paychaos run` from them), the
# CLI and its input checks, the scenario and target loaders, the proxy (mitmproxy) and gateway
# (aiohttp) end to end, the runner's sessions and Ctrl-C, the pytest plugin. Not in it, run on 3.11
# by ci/test.sh: the whole built-in suite twice (tests/suite: scoring thresholds, plain Python over
# the runner the part already drives), the loader fuzzing (tests/scenario/test_loader_fuzz.py: the
# loaders' checks are in tests/scenario and tests/cli), the import-layer rules (tests/test_layers.py:
# static reading of the source).
# No Python 3.13 on the machine: says so and exits 0. Extra arguments replace the part given here.
set -euo pipefail
cd "$(dirname "$0")/.."
want=3.13
source ci/find-python.sh
py=$(find_python "$want")
if [ -z "$py" ]; then
  echo "test-newest: no Python $want found (python$want on PATH, or pyenv); skipped"
  exit 0
fi
PYTHON=$py PAYCHAOS_VENV=.venv-$want PAYCHAOS_NO_APT=1 bash ci/setup.sh
part=(
  tests/packaging
  tests/cli
  tests/common
  tests/scenario --ignore=tests/scenario/test_loader_fuzz.py
  tests/plugin
  tests/proxies/test_cli.py
  tests/proxies/test_gateway_semantics.py
  tests/gateway/test_payment_intents.py
  tests/gateway/test_webhooks.py
  tests/runner/test_session.py
)
if [ $# -gt 0 ]; then part=("$@"); fi
echo "test-newest: $("$py" --version) on ${part[*]}"
exec ".venv-$want/bin/python" -m pytest -q -n "${PAYCHAOS_TEST_WORKERS:-2}" "${part[@]}"
