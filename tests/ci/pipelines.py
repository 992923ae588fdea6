"""Run the jobs of the CI templates here, the way GitHub Actions and GitLab CI would run them.

The shell lines (`run:` / `before_script:` + `script:`) are executed as written, with bash, in a
fresh copy of the user's repository per job (per matrix cell / parallel node) and with the
template's variables. Only the platform's own steps are stood in for: checkout (the copy),
setup-python (this interpreter), artifact upload/download (a local store), and the JUnit test
report (parsed: it must be a JUnit file with one testcase per scenario).
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import yaml

GITLAB_RESERVED = {"stages", "variables", "include", "default", "workflow", "image", "services",
                   "before_script", "after_script", "cache"}
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class JobRun:
    name: str
    returncode: int = 0
    output: list[str] = field(default_factory=list)
    junit: list[ET.Element] = field(default_factory=list)   # test reports the job published
    commands: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.output)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def shell(script: str, *, cwd: Path, env: dict, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def parse_junit(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites" and root.find("testsuite") is not None, f"{path} is not JUnit XML"
    return root


# -- GitHub Actions -----------------------------------------------------------------------------
class GitHub:
    """`event` and `ref` say what triggered the run (a pull request by default, or a push to main);
    the Actions cache (actions/cache/restore and save) is a directory shared by every run given the
    same `cache` path, as GitHub shares the default branch's caches with pull requests."""

    def __init__(self, workflow: Path, repo: Path, work: Path, base_env: dict, *, event: str = "pull_request",
                 ref: str = "refs/pull/1/merge", run_id: int = 1, cache: Path | None = None,
                 pins: dict | None = None):
        self.workflow = load(workflow)
        self.repo, self.work, self.base_env = repo, work, base_env
        self.pins = PINS if pins is None else pins
        self.artifacts = work / "artifacts"
        self.github = {"event_name": event, "ref": ref, "run_id": str(run_id), "sha": f"{run_id:040x}"}
        self.cache = cache or work / "actions-cache"

    def matrix_cells(self, job: str) -> list[dict]:
        matrix = (self.workflow["jobs"][job].get("strategy") or {}).get("matrix") or {}
        if not matrix:
            return [{}]
        (key, values), = matrix.items()   # the templates use one matrix dimension
        return [{key: v} for v in values]

    def run_job(self, job: str, matrix: dict | None = None) -> JobRun:
        spec = self.workflow["jobs"][job]
        cells = self.matrix_cells(job)
        ctx = {"matrix": matrix or {}, "strategy": {"job-total": len(cells),
                                                      "job-index": cells.index(matrix or {})},
               "github": self.github}
        workspace = self._workspace(f"{job}-{'-'.join(map(str, (matrix or {}).values())) or 'only'}")
        env = dict(self.base_env)
        for scope in (self.workflow.get("env") or {}, spec.get("env") or {}, self.pins):
            env.update({k: self.expr(str(v), ctx, env) for k, v in scope.items()})
        shell_default = ((spec.get("defaults") or {}).get("run") or {}).get("shell")
        assert shell_default == "bash", "run steps must use bash (pipefail) on every runner"
        result = JobRun(job)
        failed = False
        for step in spec["steps"]:
            condition = step.get("if", "success()")
            if not self.condition(str(condition), failed):
                continue
            step_env = dict(env)
            step_env.update({k: self.expr(str(v), ctx, env) for k, v in (step.get("env") or {}).items()})
            if "run" in step:
                assert "${{" not in step["run"], "expressions belong in env:, not in the script"
                result.commands.append(step["run"])
                out = shell(step["run"], cwd=workspace, env=step_env)
                result.output.append(out.stdout + out.stderr)
                if out.returncode:
                    failed, result.returncode = True, out.returncode
            else:
                self.action(step, {k: self.expr(str(v), ctx, env) for k, v in (step.get("with") or {}).items()},
                            workspace, result)
        return result

    def condition(self, text: str, failed: bool) -> bool:
        """The conditions the templates use: status functions, `github.X == 'v'`, joined by &&."""
        text = _EXPR.sub(lambda m: m.group(1), text).strip()
        known = {"success()": not failed, "always()": True, "!cancelled()": True, "failure()": failed}
        parts = [p.strip() for p in text.split("&&")]
        results = []
        for part in parts:
            compare = re.fullmatch(r"github\.(\w+)\s*==\s*'([^']*)'", part)
            if compare:
                assert compare.group(1) in self.github, f"unknown github.{compare.group(1)}"
                results.append(self.github[compare.group(1)] == compare.group(2))
            else:
                assert part in known, f"condition {part!r} is not one the templates are tested with"
                results.append(known[part])
        if not any(p in known and p != "success()" for p in parts):   # GitHub adds success() unless a
            results.append(not failed)                                  # status function is given
        return all(results)

    def expr(self, text: str, ctx: dict, env: dict) -> str:
        def value(m: re.Match) -> str:
            scope, _, name = m.group(1).partition(".")
            source = env if scope == "env" else ctx.get(scope)
            assert source is not None and name in source, f"unknown expression {m.group(0)}"
            return str(source[name])
        return _EXPR.sub(value, text)

    def action(self, step: dict, with_: dict, workspace: Path, result: JobRun) -> None:
        uses = step["uses"].split("@")[0]
        if uses == "actions/checkout":
            pass   # the workspace is a fresh copy of the repository
        elif uses == "actions/setup-python":
            assert with_["python-version"].startswith("3.1"), with_
        elif uses == "actions/upload-artifact":
            src = workspace / with_["path"]
            if src.exists():
                shutil.copytree(src, self.artifacts / with_["name"], dirs_exist_ok=True)
        elif uses == "actions/download-artifact":
            for art in sorted(self.artifacts.iterdir()):
                if fnmatch.fnmatch(art.name, with_.get("pattern", "*")):
                    shutil.copytree(art, workspace / with_["path"] / art.name)
        elif uses == "actions/cache/restore":
            entries = sorted(self.cache.glob("*"), key=lambda p: p.stat().st_mtime_ns) if self.cache.exists() else []
            exact = [e for e in entries if e.name == with_["key"]]
            prefixes = [k.strip() for k in str(with_.get("restore-keys") or "").splitlines() if k.strip()]
            found = exact or [e for e in entries if any(e.name.startswith(p) for p in prefixes)]
            if found:   # the newest match, as the cache action picks it
                shutil.copytree(found[-1], workspace / with_["path"], dirs_exist_ok=True)
        elif uses == "actions/cache/save":
            src, dest = workspace / with_["path"], self.cache / with_["key"]
            if src.exists() and not dest.exists():   # cache entries are immutable
                shutil.copytree(src, dest)
        elif uses == "mikepenz/action-junit-report":
            result.junit.append(parse_junit(workspace / with_["report_paths"]))
        else:
            raise AssertionError(f"action {uses} is not one the templates are tested with")

    def _workspace(self, name: str) -> Path:
        ws = self.work / "runners" / name
        shutil.copytree(self.repo, ws)
        return ws


# -- GitLab CI ----------------------------------------------------------------------------------
class GitLab:
    def __init__(self, template: Path, repo: Path, work: Path, base_env: dict, *, pins: dict | None = None):
        self.config = load(template)
        self.repo, self.work, self.base_env = repo, work, base_env
        self.pins = PINS if pins is None else pins
        self.artifacts: dict[str, list[Path]] = {}

    def jobs(self) -> dict[str, dict]:
        return {name: self.resolve(name) for name in self.config
                if name not in GITLAB_RESERVED and not name.startswith(".")}

    def resolve(self, name: str) -> dict:
        job = dict(self.config[name])
        parent = job.pop("extends", None)
        if parent:
            base = self.resolve(parent)
            base.update(job)
            job = base
        return job

    def run_job(self, name: str, node: int | None = None) -> JobRun:
        job = self.resolve(name)
        env = dict(self.base_env)
        env.update({k: str(v) for k, v in (self.config.get("variables") or {}).items()})
        env.update({k: str(v) for k, v in (job.get("variables") or {}).items()})
        env.update(self.pins)   # project CI/CD variables override the file's
        if job.get("parallel"):
            env.update(CI_NODE_INDEX=str(node), CI_NODE_TOTAL=str(job["parallel"]))
        workspace = self.work / "runners" / f"{name}-{node or 'only'}"
        shutil.copytree(self.repo, workspace)
        for need in job.get("needs") or []:
            need_name = need["job"] if isinstance(need, dict) else need
            if not isinstance(need, dict) or need.get("artifacts", True):
                for stored in self.artifacts.get(need_name, []):
                    shutil.copytree(stored, workspace, dirs_exist_ok=True)
        lines = list(job.get("before_script") or []) + list(job["script"])
        result = JobRun(f"{name} {node or ''}".strip(), commands=lines)
        out = shell("\n".join(lines), cwd=workspace, env=env)
        result.output.append(out.stdout + out.stderr)
        result.returncode = out.returncode
        artifacts = job.get("artifacts") or {}
        if artifacts and (out.returncode == 0 or artifacts.get("when") in ("always", "on_failure")):
            store = self.work / "artifacts" / f"{name}-{node or 'only'}"
            for path in artifacts.get("paths") or []:
                if (workspace / path).exists():
                    shutil.copytree(workspace / path, store / path, dirs_exist_ok=True)
            self.artifacts.setdefault(name, []).append(store)
            junit = (artifacts.get("reports") or {}).get("junit")
            if junit:
                result.junit.append(parse_junit(workspace / junit))
        return result


# The user's pin, as an edited line (GitHub) or a project CI/CD variable (GitLab) sets it: here the
# paychaos under test, already installed, which pip (offline) finds satisfied. The templates' own
# default, the repository at a tag, needs the network (checked as text in test_templates.py).
PINS = {"PAYCHAOS_PIP_SPEC": "paychaos"}


def user_env(path_first: str) -> dict:
    """The environment a CI runner gives the job: this paychaos first on PATH, pip offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAYCHAOS_", "CI_", "GITHUB_"))}
    env["PATH"] = path_first + os.pathsep + env.get("PATH", "")
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", NO_COLOR="1")
    return env
