import html
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from paychaos.cli.cmd_run import repro_of
from paychaos.reporting import SuiteFinished
from paychaos.reporting.entries import measured
from paychaos.reporting.html_report import HtmlReporter
from paychaos.reporting.money import format_money
from paychaos.target import load_target
from tests.reporting.browser import CHROMIUM, measure, png_size, screenshot
from tests.reporting.samples import WHOLE_PAN, journal_record, outage_observations, sample_report


def write(tmp_path, report) -> Path:
    HtmlReporter(tmp_path).handle(SuiteFinished(report))
    return tmp_path / "report.html"


def test_html_is_one_self_contained_file(tmp_path):
    page = write(tmp_path, sample_report()).read_text()
    assert not re.search(r"""(src|href)=["'](https?:|//)""", page)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert WHOLE_PAN not in page and "400000******9995" in page


def test_html_shows_verdict_findings_evidence_and_faulted_timeline(tmp_path):
    page = write(tmp_path, sample_report()).read_text()
    assert "FAILED" in page and 'href="#s-gateway-outage-full"' in page
    assert "prompt.no_leak" in page
    # a journal id in the evidence links to its exchange's row
    assert 'href="#s-gateway-outage-full-j-000001"' in page and 'id="s-gateway-outage-full-j-000001"' in page
    assert page.count('class="fault-mark"') == 3      # three exchanges were faulted
    assert "j-000003 POST /v1/payment_intents → reset · fault: reset" in page
    assert "merchant exited with status 1" in page     # the errored scenario says why
    assert "does not apply" in page                    # a null dimension is not shown as 100


def test_html_tells_forged_and_copied_webhook_deliveries_apart(tmp_path):
    obs = outage_observations()
    genuine = journal_record(7, 2.1, upstream="webhooks", path="/webhooks/stripe", key=None, outcome=None,
                             faults=["webhook_forge"])
    forged = {**journal_record(8, 2.2, upstream="webhooks", path="/webhooks/stripe", key=None, outcome=None,
                               status=400, faults=["webhook_forge"]), "replay_of": "j-000007", "forged": "unsigned"}
    copy = {**journal_record(9, 2.3, upstream="webhooks", path="/webhooks/stripe", key=None, outcome=None,
                             faults=["webhook_duplicate"]), "replay_of": "j-000007"}
    obs.journal += [genuine, forged, copy]
    timeline = measured(obs)["timeline"]
    assert [(r["replay_of"], r["forged"]) for r in timeline[-3:]] == [(None, None), ("j-000007", "unsigned"),
                                                                      ("j-000007", None)]
    report = sample_report()
    report["scenarios"][0]["timeline"] = timeline
    page = write(tmp_path, report).read_text()
    assert "j-000008 POST /webhooks/stripe → 400 · fault: webhook_forge · forged (unsigned), after j-000007" in page
    assert "· copy of j-000007" in page


def test_html_names_the_stripe_host_a_forward_mode_exchange_asked_for(tmp_path):
    obs = outage_observations()
    obs.journal += [{**journal_record(7, 2.1, path="/c/pay/cs_test_1", key=None, outcome=None), "method": "GET",
                     "host": "checkout.stripe.com"}]
    timeline = measured(obs)["timeline"]
    assert timeline[-1]["host"] == "checkout.stripe.com" and timeline[0]["host"] is None
    report = sample_report()
    report["scenarios"][0]["timeline"] = timeline
    page = write(tmp_path, report).read_text()
    assert "<code>GET checkout.stripe.com/c/pay/cs_test_1</code>" in page
    assert "j-000007 GET checkout.stripe.com/c/pay/cs_test_1 → " in page


def test_html_evidence_examples_become_a_small_table(tmp_path):
    report = sample_report()
    examples = [{"order_id": f"ord_{i}", "excerpt": "x" * 400} for i in range(8)]
    report["scenarios"][1]["findings"][0]["evidence"]["examples"] = examples
    page = write(tmp_path, report).read_text()
    assert "<summary>examples (8)</summary>" in page and "… 3 more in report.json" in page
    # long text is clipped in the table, the whole of it behind an expander
    assert re.search(r'<details class="raw"><summary>x{159}…</summary><pre>x{400}</pre></details>', page)
    assert "<td>" + "x" * 400 not in page


def test_html_escapes_what_merchants_said(tmp_path):
    report = sample_report()
    report["scenarios"][1]["checkouts"][0]["message"] = "<script>alert(1)</script>"
    page = write(tmp_path, report).read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page


def long_report() -> dict:
    """What made the old page 3,300 px wide: raw JSON bodies as messages, long unbroken tokens,
    a long scenario name, many exchanges out of time order, evidence holding nested objects."""
    report = sample_report()
    report["repro"] = repro_of(load_target(None), None)
    outage = report["scenarios"][1]
    raw = json.dumps({"error": {"type": "api_error", "message": "x " * 400, "request_log_url": "https://" + "a" * 300}})
    outage["checkouts"][0]["message"] = raw
    outage["checkouts"][1]["currency"] = "jpy"
    outage["checkouts"][1]["amount"] = 2500
    outage["timeline"] = list(reversed(outage["timeline"]))
    outage["timeline"][0]["idempotency_key"] = "k" * 120
    outage["findings"][0]["evidence"]["charge"] = {"id": "ch_" + "z" * 90, "amount": 1299, "currency": "usd",
                                                   "metadata": {"order_id": "ord_1"}}
    report["scenarios"][0]["name"] = "healthy-baseline-" + "with-a-long-name-" * 4
    return report


def test_what_to_fix_is_first_and_rolls_up_by_rule(tmp_path):
    page = write(tmp_path, sample_report()).read_text()
    fix = page.index('id="what-to-fix"')
    assert fix < page.index("<h2>Scorecard</h2>") < page.index('class="card scenario')
    section = page[fix:page.index("</section>", fix)]
    assert section.index("prompt.no_leaks") < section.index("retry.backoff")    # critical before minor
    assert "1 scenario · 1 order · 1 finding" in section
    assert "<b>Fix:</b> Catch gateway errors and show your own message" in section
    assert 'href="docs/scoring.md#prompt-what-the-customer-was-told-and-when"' in section
    assert 'href="#s-gateway-outage-full"' in section
    # scenarios without a verdict are named there too, with the reason
    assert re.search(r'ERROR</span> <a href="#s-merchant-crash">merchant-crash</a>: merchant exited with status 1',
                     section)


def test_failures_first_open_and_passed_collapsed(tmp_path):
    page = write(tmp_path, sample_report()).read_text()
    heads = re.findall(r'<details class="card scenario (\w+)" id="([^"]+)"( open)?>', page)
    assert heads == [("notpass", "s-merchant-crash", " open"), ("notpass", "s-gateway-outage-full", " open"),
                     ("pass", "s-healthy-baseline", "")]
    assert 'id="show-failed" class="filter" checked' in page          # the filter starts on "not passed"
    assert "<script" not in page                                        # and works without a script
    # an all-green report shows everything (collapsed), not an empty page
    green = write(tmp_path, sample_report(min_score=0, with_error=False)).read_text()
    assert 'id="show-all" class="filter" checked' in green and 'scenario notpass' not in green


def test_failing_scenario_says_how_to_reproduce_it(tmp_path):
    page = write(tmp_path, long_report()).read_text()
    outage = page[page.index('id="s-gateway-outage-full"'):]
    repro = html.unescape(outage[outage.index('<pre class="repro">'):outage.index("</pre>", outage.index("repro"))])
    assert "paychaos up scenarios/outage.yaml --seed 1 --backup --webhook-url http://127.0.0.1:$PORT/webhooks/stripe" \
        in repro
    # the order a finding names, replayed with the values the run used
    assert "curl -sS -X POST \"http://127.0.0.1:$PORT/checkout\"" in repro
    assert '"order_id":"ord_2","amount":2500,"currency":"jpy"' in repro
    assert "paychaos run scenarios/outage.yaml" in repro
    assert '<pre class="repro">' not in page[page.index('id="s-healthy-baseline'):]   # passed: no repro


def test_evidence_money_and_exchanges_are_readable(tmp_path):
    page = write(tmp_path, long_report()).read_text()
    assert "{'" not in page and "': " not in page                    # no Python dict reprs
    assert '<table class="kv">' in page
    assert "<th>amount</th><td>12.99 USD</td>" in page                # money in evidence, with its currency
    assert "2,500 JPY" in page and "25.00" not in page.split("2,500 JPY")[0][-200:]   # JPY has no minor unit
    assert "backup: captured 12.99 USD" in page
    ids = re.findall(r'<tr id="s-gateway-outage-full-(j-\d+)"', page)
    assert ids == sorted(ids) and len(ids) == 6                         # exchanges in time order
    assert '<details class="raw"><summary>{"error"' in html.unescape(page)   # the raw body behind an expander


def test_currency_minor_units():
    assert format_money(1299, "usd") == "12.99 USD"
    assert format_money(1200, "JPY") == "1,200 JPY"
    assert format_money(1234, "kwd") == "1.234 KWD"
    assert format_money(1299, None) == "1,299 (minor units)"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_html_in_headless_chromium_fits_and_starts_with_what_to_fix(tmp_path, width, height):
    page = write(tmp_path, long_report())
    seen = measure(page, width, height)
    assert seen["scrollWidth"] <= seen["clientWidth"] == width, seen   # no horizontal page scroll
    assert seen["right"] <= width + 1, seen
    assert seen["fixTop"] < height * 0.6, seen                          # "What to fix" on the first screen
    assert seen["scenariosShown"] == ["s-merchant-crash", "s-gateway-outage-full"]   # the filter hid the pass
    png = screenshot(page, tmp_path / f"report-{width}.png", width, 2400)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png_size(png) == (width, 2400)
    assert len(png) > 40_000  # a blank or unstyled page compresses to a few kB
    keep = os.environ.get("PAYCHAOS_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(tmp_path / f"report-{width}.png", f"{keep}-{width}.png")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_html_prints_every_scenario_without_the_filter(tmp_path):
    page = write(tmp_path, long_report())
    seen = measure(page, 800, 1100, media="print")
    assert "s-healthy-baseline-with-a-long-name-with-a-long-name-with-a-long-name-with-a-long-name-" \
        in seen["scenariosShown"] and len(seen["scenariosShown"]) == 3
    assert seen["scrollWidth"] <= seen["clientWidth"]


def test_templates_ship_as_package_data_and_jinja2_is_a_dependency():
    import tomllib
    from fnmatch import fnmatch

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert any(d.lower().startswith("jinja2") for d in project["project"]["dependencies"])
    patterns = project["tool"]["setuptools"]["package-data"]["*"]
    templates = list((root / "simulator" / "reporting" / "templates").iterdir())
    assert templates and all(any(fnmatch(t.name, p) for p in patterns) for t in templates)


def test_template_autoescapes_every_text(tmp_path):
    report = sample_report()
    report["target"] = '<img src=x onerror="alert(1)">'
    report["scenarios"][1]["findings"][0]["evidence"]["note"] = {"html": "<b>bold</b>"}
    report["scenarios"][1]["findings"][0]["message"] = "</p><script>x</script>"
    page = write(tmp_path, report).read_text()
    assert "<img" not in page and "<b>bold" not in page and "<script" not in page


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_an_all_green_report_is_short_its_scenarios_collapsed(tmp_path):
    page = write(tmp_path, sample_report(min_score=0, with_error=False))
    seen = measure(page, 1440, 900)
    assert seen["scenariosShown"] == ["s-healthy-baseline", "s-gateway-outage-full"]   # filter on "all"
    assert seen["height"] < 1400, seen     # two one-line scenarios, not two full pages
