"""paychaos pytest plugin (registered through the pytest11 entry point).

- Scenario files are collected as tests when the project opts in, one test per scenario, passing at
  its threshold (or at `--paychaos-min-score`); the failure text lists the findings. Collected:
  `*.yaml`/`*.yml` under a directory named by the ini option `paychaos_scenarios`; with
  `paychaos_autodetect = true`, also files elsewhere whose top level holds `name`, `cause` and
  `faults`, or `name` and a paychaos cause. Without either, no YAML file is ever touched.
- Fixtures for hand-written tests: `paychaos_gateway`, `paychaos_proxy`, `paychaos_merchant`
  (one runner Session per pytest process, so per xdist worker: every service on port 0, its own
  work and mitmproxy conf directory; gateways and rules reset before each test, the merchant
  restarted) and `chaos`, a context manager that injects fault rules through the proxy's control API.
  `paychaos_target` (session scope) names the merchant's target file; each of these can be
  overridden by a fixture of the same name in the project's conftest.py.

Never import locust here: it monkey-patches the process with gevent. No `--host` option and no
fixture named `session`/`fastsession` either: Locust's own pytest plugin owns those names.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest


# -- options ------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("paychaos_scenarios", type="paths", default=[],
                  help="directories whose *.yaml files are paychaos scenarios, collected as tests")
    parser.addini("paychaos_autodetect", type="bool", default=False,
                  help="also collect YAML files outside paychaos_scenarios whose top level has name, cause and "
                       "faults (default: false)")
    parser.addini("paychaos_target", default="",
                  help="target file (or built-in target name) scenario tests and fixtures run against "
                       "(default: the built-in resilient merchant)")
    group = parser.getgroup("paychaos", "paychaos payment chaos scenarios")
    group.addoption("--paychaos-target", metavar="FILE", default=None,
                    help="target file (or built-in target name) to run against (overrides the ini option)")
    group.addoption("--paychaos-min-score", metavar="N", type=float, default=None,
                    help="score every scenario test must reach (default: each scenario's threshold)")


# -- scenario files as tests --------------------------------------------------------------------
def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    config = parent.config
    dirs = [Path(d) for d in config.getini("paychaos_scenarios")]
    named = any(file_path.is_relative_to(d) for d in dirs)
    if named or (config.getini("paychaos_autodetect") and looks_like_scenario(file_path)):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def looks_like_scenario(path: Path) -> bool:
    """A mapping whose top level has name, cause and faults (or name and a paychaos cause, as a
    fault-free baseline has). Anything unreadable is not ours."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "cause" not in text:
        return False  # cheap test first: most YAML in a repo is not a scenario
    from paychaos.common.errors import InputError
    from paychaos.common.strict_yaml import parse_yaml
    try:
        data = parse_yaml(text, file=str(path))  # bounded: an alias bomb in a repo's YAML costs nothing
    except InputError:
        return False
    if not isinstance(data, dict) or not {"name", "cause"} <= set(data):
        return False
    from paychaos.scenario.model import Cause
    return "faults" in data or data["cause"] in {c.value for c in Cause}


class ScenarioFile(pytest.File):
    def collect(self):
        from paychaos.common.errors import InputError
        from paychaos.scenario.load import load_scenario_file
        try:
            scenario = load_scenario_file(str(self.path))
        except InputError as exc:  # the user meant a scenario: say what is wrong, as a failing test
            yield ScenarioItem.from_parent(self, name=self.path.stem, scenario=None, problem=str(exc))
            return
        yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario, problem=None)


class ScenarioFailed(Exception):
    """A scenario short of its required score, or one that could not run."""


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario, problem: str | None, **kwargs):
        super().__init__(**kwargs)
        self.scenario = scenario
        self.problem = problem
        if scenario is not None:
            self.add_marker(pytest.mark.paychaos(cause=str(scenario.cause)))

    def runtest(self) -> None:
        if self.problem:
            raise ScenarioFailed(f"invalid scenario file: {self.problem}")
        from paychaos.reporting.entries import scenario_entry
        from paychaos.runner import check_runnable
        from paychaos.scoring import score

        session = _runner_session(self.config)
        check_runnable([self.scenario], session.target)
        obs = session.run(self.scenario)
        entry = scenario_entry(score(obs).to_dict(), obs, min_score=self.config.getoption("paychaos_min_score"))
        self.user_properties.append(("paychaos_score", entry["score"]["total"]))
        if not entry["passed"]:
            raise ScenarioFailed(failure_text(entry))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        from paychaos.common.errors import InputError
        from paychaos.runner import SessionError
        if isinstance(excinfo.value, InputError):
            return f"paychaos: {excinfo.value}"
        if isinstance(excinfo.value, SessionError):
            return f"paychaos could not start its services: {excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, 0, f"paychaos scenario {self.name}"


def failure_text(entry: dict) -> str:
    from paychaos.reporting.junit import finding_line, score_line
    lines = [f"{entry['name']} ({entry.get('cause')}): {score_line(entry)}"]
    if entry.get("error"):
        lines.append(f"error: {entry['error']}")
    lines += [f"inconclusive: {reason}" for reason in entry.get("inconclusive") or []]
    lines += [finding_line(f) for f in entry.get("findings") or []]
    return "\n".join(lines)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "paychaos(cause): a paychaos scenario collected from a YAML file")


# -- services for hand-written tests ------------------------------------------------------------
def _http(method: str, url: str, body: dict | None = None, timeout: float = 10.0, token: str | None = None):
    """One call to /_sim or /_paychaos, with the service's token (X-Paychaos-Token) when it has one."""
    import requests
    resp = requests.request(method, url, json=body, timeout=timeout,
                            headers={"X-Paychaos-Token": token} if token else None)
    return resp.status_code, (resp.json() if resp.content else None)


_SESSION_KEY = pytest.StashKey["RunnerSession"]()


class RunnerSession:
    """One runner Session (gateways, proxy, merchant) per pytest process, i.e. per xdist worker,
    started on first use and closed when the test session ends. Scenario tests and the fixtures
    share it."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.session = None
        self.target_file: str | None = None

    def configured_target(self) -> str | None:
        """--paychaos-target, else the ini option, else None (the built-in resilient merchant)."""
        return self.config.getoption("paychaos_target") or self.config.getini("paychaos_target") or None

    def _project_path(self, target: str | None) -> str | None:
        """A relative target path is the project's (pytest's rootdir), wherever pytest was started;
        a built-in target's name stays a name."""
        if target and not Path(target).is_absolute() and not Path(target).exists():
            beside_ini = Path(self.config.rootpath, target)
            if beside_ini.exists():
                return str(beside_ini)
        return target

    def get(self, target_file: str | None = None):
        """The session, started on first use against `target_file` (the configured one by default).
        Scenario files always run against the configured target; a `paychaos_target` fixture that
        names another one is refused rather than silently ignored."""
        wanted = self._project_path(target_file if target_file is not None else self.configured_target())
        if self.session is not None:
            if wanted != self.target_file:
                from paychaos.common.errors import InputError
                raise InputError(f"the paychaos_target fixture names {wanted or 'the built-in resilient merchant'}"
                                 f", but this pytest process already runs against "
                                 f"{self.target_file or 'the built-in resilient merchant'}",
                                 file="paychaos_target", valid="one target per pytest run: scenario files use "
                                 "--paychaos-target or the paychaos_target ini option; give the fixture the same")
            return self.session
        from paychaos.runner import Session
        from paychaos.target import load_target
        workerinput = getattr(self.config, "workerinput", {})
        worker = workerinput.get("workerid", "gw0")
        target = load_target(wanted)
        target.check_workers(int(workerinput.get("workercount", 1)), flag="pytest -n (xdist)")
        session = Session(target, worker=int("".join(filter(str.isdigit, worker)) or 0))
        session.__enter__()
        self.session, self.target_file = session, wanted
        return self.session

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_SESSION_KEY] = RunnerSession(session.config)


def pytest_sessionfinish(session: pytest.Session) -> None:
    holder = session.config.stash.get(_SESSION_KEY, None)
    if holder is not None:
        holder.close()


def _runner_session(config: pytest.Config, target_file: str | None = None):
    return config.stash[_SESSION_KEY].get(target_file)


@dataclass
class Gateway:
    """The fake Stripe gateway: `url` is its API base (point the stripe SDK's api_base at it
    directly, or at `paychaos_proxy.url` to go through the faults). `backup_url`: the backup gateway.
    `token` / `backup_token`: what their `/_sim` wants in X-Paychaos-Token (sent by the methods here)."""

    url: str
    backup_url: str | None = None
    token: str | None = field(default=None, repr=False)
    backup_token: str | None = field(default=None, repr=False)

    def ledger(self, backup: bool = False) -> dict:
        url, token = (self.backup_url, self.backup_token) if backup else (self.url, self.token)
        return _http("GET", url + "/_sim/ledger", token=token)[1]

    def reset(self) -> None:
        for url, token in ((self.url, self.token), (self.backup_url, self.backup_token)):
            if url:
                _http("POST", url + "/_sim/reset", {}, token=token)


@dataclass
class Proxy:
    """The fault-injecting proxy: `url` is the listener in front of the primary gateway,
    `listeners` has `primary`, `backup` and `webhooks`; `token` is what its control API wants in
    X-Paychaos-Token (sent by the methods here)."""

    url: str
    control: str
    journal_path: str
    listeners: dict = field(default_factory=dict)
    token: str | None = field(default=None, repr=False)
    _journal_start: int = 0

    def set_rules(self, rules: list[dict], *, seed: int = 1, scenario: str | None = None) -> dict:
        """Replace the fault rules (as in a scenario file's `faults`); a bad rule raises InputError."""
        from paychaos.common.errors import InputError
        status, body = _http("PUT", self.control, {"rules": rules, "seed": seed, "scenario": scenario},
                             token=self.token)
        if status != 200:
            raise InputError(((body or {}).get("error") or {}).get("message") or f"HTTP {status}",
                             file="chaos rule")
        return body

    def rules(self) -> dict:
        return _http("GET", self.control, token=self.token)[1]

    def clear(self) -> None:
        _http("DELETE", self.control, token=self.token)

    def journal(self) -> list[dict]:
        """The exchanges journaled since this test started (cards masked)."""
        path = Path(self.journal_path)
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines[self._journal_start:] if line.strip()]

    def reset(self) -> None:
        self.clear()
        path = Path(self.journal_path)
        self._journal_start = len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


@dataclass
class Merchant:
    """The merchant of the target (the built-in resilient one by default), started afresh for each
    test, its gateway calls going through `paychaos_proxy`."""

    url: str
    target: str


def _control_url(info: dict) -> str:
    control = (info.get("control") or info["url"]).rstrip("/")
    return control + ("/rules" if control.endswith("/_paychaos") else "/_paychaos/rules")


@pytest.fixture(scope="session")
def paychaos_target(request) -> str | None:
    """The target file (or built-in target name) the fixtures' merchant runs from: --paychaos-target,
    else the ini option paychaos_target, else None (the built-in resilient merchant). Override it in
    conftest.py to point the fixtures at your shop:

        @pytest.fixture(scope="session")
        def paychaos_target():
            return "paychaos/target.yaml"
    """
    return request.config.stash[_SESSION_KEY].configured_target()


@pytest.fixture(scope="session")
def _paychaos_session(request, paychaos_target):
    from paychaos.common.errors import InputError
    try:
        return _runner_session(request.config, str(paychaos_target) if paychaos_target is not None else None)
    except InputError as exc:   # a bad or conflicting target: the message, not a traceback into paychaos
        pytest.fail(f"paychaos: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def _paychaos_gateway_service(_paychaos_session) -> Gateway:
    s = _paychaos_session
    return Gateway(s.primary.url, s.backup.url if s.backup else None, token=s.primary.info.get("token"),
                   backup_token=s.backup.info.get("token") if s.backup else None)


@pytest.fixture(scope="session")
def _paychaos_proxy_service(_paychaos_session) -> Proxy:
    info = _paychaos_session.proxy.info
    return Proxy(url=info["url"], control=_control_url(info), journal_path=info.get("journal") or "",
                 listeners=info.get("listeners") or {"primary": info["url"]}, token=info.get("token"))


@pytest.fixture
def paychaos_gateway(_paychaos_gateway_service) -> Gateway:
    """The fake Stripe gateway, shared by the session, its state cleared before each test."""
    _paychaos_gateway_service.reset()
    return _paychaos_gateway_service


@pytest.fixture
def paychaos_proxy(_paychaos_proxy_service, paychaos_gateway):
    """The fault proxy in front of `paychaos_gateway`: no rules and a fresh journal view per test."""
    _paychaos_proxy_service.reset()
    yield _paychaos_proxy_service
    _paychaos_proxy_service.clear()


@pytest.fixture
def paychaos_merchant(_paychaos_session, paychaos_proxy) -> Merchant:
    """The target's merchant, restarted for each test (so no circuit breaker or order carries over)."""
    session = _paychaos_session
    session.restart_merchant()
    return Merchant(session.base_url, session.target.name)


@pytest.fixture
def chaos(paychaos_proxy):
    """`with chaos("http_error", status=503, match={"path": "/v1/payment_intents*"}, times=2): ...`

    Keyword arguments that are rule keys (match, probability, window, times, every, id) go to the
    rule, the others are the fault's parameters. `chaos.rules([...])` takes whole rules as in a
    scenario file. The rules are cleared when the block ends.
    """
    return Chaos(paychaos_proxy)


RULE_KEYS = ("match", "probability", "window", "times", "every", "id")


class Chaos:
    def __init__(self, proxy: Proxy):
        self.proxy = proxy

    def __call__(self, fault: str, **kwargs):
        rule = {"fault": fault, "params": {k: v for k, v in kwargs.items() if k not in RULE_KEYS}}
        rule.update({k: v for k, v in kwargs.items() if k in RULE_KEYS})
        return self.rules([rule])

    @contextlib.contextmanager
    def rules(self, rules: list[dict], *, seed: int = 1):
        self.proxy.set_rules(rules, seed=seed, scenario="pytest")
        try:
            yield self.proxy
        finally:
            self.proxy.clear()
