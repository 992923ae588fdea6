"""Reports of a suite run, one module per format, each listening to the same events.

`events`   what the run tells reporters (suite started, scenario started, checkout done, ...)
`entries`  one report.json scenario entry built from a score and its observations
`suite`    the whole report and its one verdict (exit code, report.json and junit.xml agree)
`console`, `json_report`, `junit`, `html_report`   the reporters; they do not know each other
`fanout`   hands each event to every reporter, one at a time
"""

from simulator.reporting.events import (
    CheckoutDone,
    ScenarioFinished,
    ScenarioStarted,
    SuiteFinished,
    SuiteStarted,
)
from simulator.reporting.fanout import Fanout, Reporter

__all__ = ["CheckoutDone", "Fanout", "Reporter", "ScenarioFinished", "ScenarioStarted",
           "SuiteFinished", "SuiteStarted"]
