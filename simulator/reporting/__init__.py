"""Reports of a suite run, one module per format, each listening to the same events.

`events`   what the run tells reporters (suite started, scenario started, checkout done, ...)
`entries`  one report.json scenario entry built from a score and its observations
`suite`    the whole report and its one verdict (exit code, report.json and junit.xml agree)
`console`, `json_report`, `junit`, `html_report`   the reporters; they do not know each other
`fanout`   hands each event to every reporter, one at a time
`rollup`, `fixes`   "what to fix": findings by rule, worst first, with a one-line fix per rule
`baseline` findings new / fixed / unchanged since an earlier report.json (--baseline)
`repro`    the shell steps that reproduce a failing scenario by hand
`money`    minor units shown with their currency; `html_timeline` the SVG timeline;
           `html_style` the stylesheet; `templates/report.html.j2` the page
"""

from paychaos.reporting.events import (
    CheckoutDone,
    ScenarioFinished,
    ScenarioStarted,
    SuiteFinished,
    SuiteStarted,
)
from paychaos.reporting.fanout import Fanout, Reporter

__all__ = ["CheckoutDone", "Fanout", "Reporter", "ScenarioFinished", "ScenarioStarted",
           "SuiteFinished", "SuiteStarted"]
