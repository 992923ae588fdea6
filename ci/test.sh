#!/usr/bin/env bash
# The test suite (what CI runs). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
.venv/bin/ruff check .
# Two workers (pytest-xdist; the tests bind port 0 and use their own temp dirs): the machine has 2 cores.
exec .venv/bin/python -m pytest -q -n "${PAYCHAOS_TEST_WORKERS:-2}" "$@"
