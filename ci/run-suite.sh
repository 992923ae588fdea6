#!/usr/bin/env bash
# The main job: the built-in scenario suite against the built-in resilient merchant.
# Extra arguments go to `paychaos run`.
set -euo pipefail
cd "$(dirname "$0")/.."
PAYCHAOS_NO_APT=${PAYCHAOS_NO_APT:-1} bash ci/setup.sh
exec .venv/bin/paychaos run "$@"
