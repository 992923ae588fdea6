#!/usr/bin/env bash
# The lower bounds pyproject.toml states, installed and tested (what .ci/run does after ci/test-newest.sh):
# paychaos[test] with every dependency pinned at its lower bound (ci/constraints-lowest.txt) on Python 3.12
# in its own venv (.venv-3.12-lowest), then ruff and a focused part of the suite, one piece per
# dependency whose oldest release could differ: the wheel built with the oldest setuptools and run from
# a base install (every base dependency), the resilient merchant (requests), the proxy (mitmproxy,
# orjson), the gateway (aiohttp) through the oldest stripe SDK, the WeChat Pay fake through its SDK
# (cryptography), scenario loading and customers (PyYAML, Faker), the reports (Jinja2), the property
# tests (hypothesis), the CLI's input checks. Small on purpose: docs/ci.md, "Pythons" says why a part.
# No Python 3.12 on the machine: says so and exits 0. Extra arguments replace the part given here.
set -euo pipefail
cd "$(dirname "$0")/.."
want=3.12
source ci/find-python.sh
py=$(find_python "$want")
if [ -z "$py" ]; then
  echo "test-lowest: no Python $want found (python$want on PATH, or pyenv); skipped"
  exit 0
fi
venv=.venv-$want-lowest
PYTHON=$py PAYCHAOS_VENV=$venv PAYCHAOS_CONSTRAINTS=ci/constraints-lowest.txt PAYCHAOS_EXTRAS=test \
  PAYCHAOS_NO_APT=1 bash ci/setup.sh
part=(
  tests/packaging/test_bounds.py
  tests/packaging/test_wheel.py
  --deselect tests/packaging/test_wheel.py::test_with_the_load_extra_such_a_project_runs_once_locusts_plugin_is_turned_off
  tests/merchants/test_resilient.py
  tests/merchants/test_policies.py
  tests/proxies/test_gateway_semantics.py
  tests/proxies/test_journal_fields.py
  tests/gateway/test_payment_intents.py
  tests/gateway/test_webhooks.py
  tests/gateway_wechatpay/test_sdk.py
  tests/scenario/test_builtin_suite.py
  tests/scenario/test_cards.py
  tests/reporting/test_json_and_junit.py
  tests/reporting/test_html_report.py
  tests/common
  tests/cli/test_flags.py
)
if [ $# -gt 0 ]; then part=("$@"); fi
echo "test-lowest: $("$py" --version), dependencies at their lower bounds, on ${part[*]}"
"$venv/bin/ruff" check .
exec "$venv/bin/python" -m pytest -q -n "${PAYCHAOS_TEST_WORKERS:-2}" "${part[@]}"
