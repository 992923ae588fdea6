"""The runner: Sessions (gateways + proxy + merchant, one per worker) that run scenarios and collect
the four observations, and `run_suite` that spreads scenarios over workers.
"""

from paychaos.runner.session import Session, SessionError
from paychaos.runner.suite import check_runnable, run_suite

__all__ = ["Session", "SessionError", "check_runnable", "run_suite"]
