"""The CI templates users copy (ci/templates/): their YAML parses into the jobs a user expects, and
the very shell lines they run install paychaos, start the merchant through the target file, score
the scenarios with --min-score and publish junit.xml + report.html, sharded and merged too.

The "user's repository" is what `paychaos init` writes for the reference merchants plus the built-in
healthy baseline: two small scenarios, so two shards hold one each.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ci.pipelines import GitHub, GitLab, load, user_env

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "ci" / "templates"
GITHUB_SINGLE = TEMPLATES / "github" / "paychaos.yml"
GITHUB_SHARDED = TEMPLATES / "github" / "paychaos-sharded.yml"
GITLAB_SINGLE = TEMPLATES / "gitlab" / "paychaos.gitlab-ci.yml"
GITLAB_SHARDED = TEMPLATES / "gitlab" / "paychaos-sharded.gitlab-ci.yml"
SCENARIOS = {"healthy-baseline", "starter-gateway-blip"}

pytestmark = pytest.mark.slow


def make_repo(path: Path, merchant: str) -> Path:
    path.mkdir(parents=True)
    start = f"{{python}} -m paychaos.cli merchant {merchant} --port {{port}}"
    out = subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "init", "--name", f"{merchant}-shop",
                          "--start", start], cwd=path, stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    shutil.copy(ROOT / "scenarios" / "healthy-baseline.yaml", path / "paychaos" / "scenarios")
    return path


@pytest.fixture(scope="module")
def env():
    return user_env(str(Path(sys.executable).parent))


@pytest.fixture(scope="module")
def resilient_repo(tmp_path_factory):
    return make_repo(tmp_path_factory.mktemp("user") / "repo", "resilient")


@pytest.fixture(scope="module")
def naive_repo(tmp_path_factory):
    return make_repo(tmp_path_factory.mktemp("user") / "repo", "naive")


def report(workspace_artifact: Path) -> dict:
    return json.loads((workspace_artifact / "report.json").read_text())


def cases_of(junit) -> dict:
    return {c.get("name"): c for c in junit.iter("testcase")}


# -- what the files say ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", [GITHUB_SINGLE, GITHUB_SHARDED])
def test_github_workflows_install_run_with_min_score_and_publish(path):
    wf = load(path)
    assert "pull_request" in (wf.get("on") or wf.get(True))   # PyYAML reads the key `on` as True
    assert wf["permissions"]["checks"] == "write"
    steps = [s for job in wf["jobs"].values() for s in job["steps"]]
    runs = " ".join(s.get("run", "") for s in steps)
    assert 'pip install "$PAYCHAOS_PIP_SPEC"' in runs and '--min-score "$PAYCHAOS_MIN_SCORE"' in runs
    uses = [s["uses"].split("@")[0] for s in steps if "uses" in s]
    assert "actions/upload-artifact" in uses and "mikepenz/action-junit-report" in uses
    for s in steps:
        if "uses" in s and s["uses"].startswith(("actions/upload", "mikepenz/")):
            assert s["if"] == "${{ always() }}", "a failing suite must still publish its reports"


@pytest.mark.parametrize("path", [GITHUB_SINGLE, GITHUB_SHARDED, GITLAB_SINGLE, GITLAB_SHARDED])
def test_templates_install_paychaos_from_its_repository_pinned_at_this_release(path):
    """Not a bare `paychaos` from an index (paychaos is not published there: that name could be anyone's);
    the repository at the tag of this version, and the comment says how to pin otherwise."""
    from paychaos import __version__
    doc = load(path)
    spec = (doc.get("env") or doc.get("variables"))["PAYCHAOS_PIP_SPEC"]
    assert spec.startswith("paychaos @ git+https://") and spec.endswith(f"/paychaos@v{__version__}")
    text = path.read_text()
    assert "pin" in text and "a commit" in text and ".whl" in text


def test_github_sharded_matrix_and_merge():
    wf = load(GITHUB_SHARDED)
    shard, merge = wf["jobs"]["shard"], wf["jobs"]["merge"]
    assert shard["strategy"]["matrix"]["shard"] == [1, 2] and shard["strategy"]["fail-fast"] is False
    assert merge["needs"] == "shard" and merge["if"] == "${{ !cancelled() }}"
    assert any("paychaos merge" in s.get("run", "") for s in merge["steps"])


def test_gitlab_templates_publish_junit_and_html_even_on_failure():
    single = GitLab(GITLAB_SINGLE, Path("."), Path("."), {}).jobs()
    sharded = GitLab(GITLAB_SHARDED, Path("."), Path("."), {}).jobs()
    assert set(single) == {"paychaos"} and set(sharded) == {"paychaos-shard", "paychaos-merge"}
    for job in (single["paychaos"], sharded["paychaos-merge"]):
        assert job["artifacts"]["when"] == "always"
        assert job["artifacts"]["reports"]["junit"] == "paychaos-report/junit.xml"
        assert "paychaos-report/" in job["artifacts"]["paths"]
    assert "--min-score" in single["paychaos"]["script"][0]
    assert sharded["paychaos-shard"]["parallel"] == 2
    assert '--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"' in sharded["paychaos-shard"]["script"][0]
    assert sharded["paychaos-merge"]["when"] == "always" and sharded["paychaos-merge"]["stage"] == ".post"


# -- what the commands do -------------------------------------------------------------------------
def test_github_workflow_scores_the_resilient_merchant(resilient_repo, env, tmp_path):
    gh = GitHub(GITHUB_SINGLE, resilient_repo, tmp_path, env)
    run = gh.run_job("paychaos")
    assert run.returncode == 0, run.text
    assert "PASSED: 2 passed, 0 failed" in run.text
    assert set(cases_of(run.junit[0])) == SCENARIOS
    published = tmp_path / "artifacts" / "paychaos-report"
    assert {p.name for p in published.iterdir()} >= {"report.html", "junit.xml", "report.json"}
    assert report(published)["min_score"] == 80 and report(published)["target"] == "resilient-shop"


def test_github_sharded_workflow_still_publishes_and_merges_failing_shards(naive_repo, env, tmp_path):
    """Against the naive merchant (no idempotency, no webhook dedup) both shards fail; each still
    uploads its reports, and the merge job turns them into one failing verdict with JUnit failures."""
    gh = GitHub(GITHUB_SHARDED, naive_repo, tmp_path, env)
    shards = [gh.run_job("shard", cell) for cell in gh.matrix_cells("shard")]
    assert [s.returncode for s in shards] == [1, 1], [s.text for s in shards]
    one, two = (report(tmp_path / "artifacts" / f"paychaos-shard-{k}") for k in (1, 2))
    assert [s["name"] for s in one["scenarios"]] == ["healthy-baseline"]
    assert [s["name"] for s in two["scenarios"]] == ["starter-gateway-blip"]
    assert gh.condition(gh.workflow["jobs"]["merge"]["if"], failed=True)
    merge = gh.run_job("merge")
    assert merge.returncode == 1, merge.text
    assert "FAILED: 0 passed, 2 failed" in merge.text
    merged = report(tmp_path / "artifacts" / "paychaos-report")
    assert merged["passed"] is False and merged["target"] == "naive-shop"
    assert {c.find("failure") is not None for c in cases_of(merge.junit[0]).values()} == {True}
    assert "no_double_fulfilment" in (tmp_path / "artifacts" / "paychaos-report" / "report.html").read_text()


def test_gitlab_job_scores_the_resilient_merchant(resilient_repo, env, tmp_path):
    gl = GitLab(GITLAB_SINGLE, resilient_repo, tmp_path, env)
    run = gl.run_job("paychaos")
    assert run.returncode == 0, run.text
    assert "Requirement already satisfied: paychaos" in run.text   # the install line ran (offline here)
    assert set(cases_of(run.junit[0])) == SCENARIOS
    stored = tmp_path / "artifacts" / "paychaos-only" / "paychaos-report"
    assert (stored / "report.html").read_text().count("PASSED") >= 1


def test_gitlab_parallel_shards_then_merge(resilient_repo, env, tmp_path):
    gl = GitLab(GITLAB_SHARDED, resilient_repo, tmp_path, env)
    total = gl.jobs()["paychaos-shard"]["parallel"]
    shards = [gl.run_job("paychaos-shard", node) for node in range(1, total + 1)]
    assert [s.returncode for s in shards] == [0, 0], [s.text for s in shards]
    assert all("1 passed, 0 failed" in s.text for s in shards)
    merge = gl.run_job("paychaos-merge")
    assert merge.returncode == 0, merge.text
    assert "merged 2 report(s)" in merge.text
    assert set(cases_of(merge.junit[0])) == SCENARIOS
    merged = report(tmp_path / "artifacts" / "paychaos-merge-only" / "paychaos-report")
    assert merged["passed"] is True and merged["counts"]["scenarios"] == 2


# -- the baseline: the last main-branch report ----------------------------------------------------
@pytest.mark.parametrize("path", [GITHUB_SINGLE, GITHUB_SHARDED])
def test_github_workflows_keep_main_report_as_the_baseline(path):
    wf = load(path)
    steps = [s for job in wf["jobs"].values() for s in job["steps"]]
    restore = next(s for s in steps if s.get("uses", "").startswith("actions/cache/restore"))
    save = next(s for s in steps if s.get("uses", "").startswith("actions/cache/save"))
    assert restore["if"] == "${{ github.event_name == 'pull_request' }}"
    assert save["if"] == "${{ always() && github.ref == 'refs/heads/main' }}"    # a failing main run too
    assert restore["with"]["restore-keys"] == "paychaos-baseline-" and save["with"]["key"].startswith(
        "paychaos-baseline-")
    assert any('"${baseline[@]}"' in s.get("run", "") for s in steps)


def test_github_pull_request_is_compared_with_the_last_main_report(resilient_repo, env, tmp_path):
    cache = tmp_path / "actions-cache"
    main = GitHub(GITHUB_SINGLE, resilient_repo, tmp_path / "main", env, event="push", ref="refs/heads/main",
                  run_id=7, cache=cache)
    first = main.run_job("paychaos")
    assert first.returncode == 0, first.text
    assert "Since the baseline" not in first.text                           # main has nothing to compare with
    assert (cache / "paychaos-baseline-7" / "report.json").is_file()
    pr = GitHub(GITHUB_SINGLE, resilient_repo, tmp_path / "pr", env, run_id=8, cache=cache)
    second = pr.run_job("paychaos")
    assert second.returncode == 0, second.text
    assert "Since the baseline: 0 new, 0 fixed" in second.text
    props = {p.get("name"): p.get("value") for p in second.junit[0].iter("property")}
    assert props["baseline.new"] == "0" and props["baseline.file"] == "paychaos-baseline/report.json"
    assert not (cache / "paychaos-baseline-8").exists()                     # a pull request saves nothing


def test_gitlab_merge_request_fetches_the_default_branch_report(resilient_repo, env, tmp_path):
    """The baseline line asks GitLab's artifacts API for the default branch's report.json; here a
    local HTTP server on 127.0.0.1 stands in for that API."""
    import functools
    import http.server
    import threading

    api = tmp_path / "api"
    stored = api / "projects" / "42" / "jobs" / "artifacts" / "main" / "raw" / "paychaos-report"
    stored.mkdir(parents=True)
    seen = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers.get("JOB-TOKEN")))
            super().do_GET()

        def log_message(self, *args):
            pass

    gl_main = GitLab(GITLAB_SINGLE, resilient_repo, tmp_path / "main", env)
    first = gl_main.run_job("paychaos")
    assert first.returncode == 0, first.text
    shutil.copy(tmp_path / "main" / "artifacts" / "paychaos-only" / "paychaos-report" / "report.json", stored)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(api)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        mr_env = dict(env, CI_DEFAULT_BRANCH="main", CI_COMMIT_REF_NAME="fix-retries", CI_PROJECT_ID="42",
                      CI_API_V4_URL=f"http://127.0.0.1:{server.server_address[1]}", CI_JOB_TOKEN="job-token",
                      CI_JOB_NAME="paychaos")
        mr = GitLab(GITLAB_SINGLE, resilient_repo, tmp_path / "mr", mr_env).run_job("paychaos")
    finally:
        server.shutdown()
        server.server_close()
    assert mr.returncode == 0, mr.text
    assert seen == [("/projects/42/jobs/artifacts/main/raw/paychaos-report/report.json?job=paychaos", "job-token")]
    assert "Since the baseline: 0 new, 0 fixed" in mr.text


# -- browser mode ---------------------------------------------------------------------------------
def make_willow_repo(path: Path) -> Path:
    """A user's repository whose shop has its own checkout page (Willow, with Cedar's server side) and a
    target file in browser mode: the templates must give it a browser and score what its page shows."""
    shops = ROOT / "tests" / "shops"
    for rel in ("tests/__init__.py", "tests/shops/__init__.py", "tests/shops/browser_shop.py",
                "tests/shops/shop_main.py"):
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, path / rel)
    for shop in ("cedar", "willow"):
        shutil.copytree(shops / shop, path / "tests" / "shops" / shop, ignore=shutil.ignore_patterns("__pycache__"))
    (path / "paychaos" / "scenarios").mkdir(parents=True)
    target = (shops / "willow" / "target.yaml").read_text().replace('cwd: "../../.."', 'cwd: ".."')
    (path / "paychaos" / "target.yaml").write_text(target)
    for name in ("healthy-baseline", "three-ds-failed"):
        shutil.copy(ROOT / "scenarios" / f"{name}.yaml", path / "paychaos" / "scenarios")
    return path


@pytest.fixture(scope="module")
def willow_repo(tmp_path_factory):
    from paychaos.driver.cdp import find_chromium
    if find_chromium() is None:
        pytest.skip("no Chromium on this machine")
    return make_willow_repo(tmp_path_factory.mktemp("user") / "repo")


@pytest.mark.parametrize("platform,template", [(GitHub, GITHUB_SINGLE), (GitLab, GITLAB_SINGLE)])
def test_the_single_job_templates_run_browser_mode(willow_repo, env, tmp_path, platform, template):
    job = platform(template, willow_repo, tmp_path, env).run_job("paychaos")
    assert job.returncode == 0, job.text
    assert "PASSED: 2 passed, 0 failed" in job.text
    assert set(cases_of(job.junit[0])) == {"healthy-baseline", "three-ds-failed"}
    store = tmp_path / "artifacts"
    published = next(p.parent for p in store.rglob("report.json"))
    failed_3ds = next(s for s in report(published)["scenarios"] if s["name"] == "three-ds-failed")
    assert {c["message"] for c in failed_3ds["checkouts"]} == {
        "Your payment did not go through. Please try again, or use another payment method."}   # the page's words
    assert "data:image/jpeg;base64," in (published / "report.html").read_text()   # the page at the end
