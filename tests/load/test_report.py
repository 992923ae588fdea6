import json
import os
import re
import shutil
from pathlib import Path

import pytest

from paychaos.load import metrics, report_html, report_json, series, verdict
from paychaos.reporting.html_style import CSS
from tests.load.test_metrics import _scenario
from tests.reporting.browser import CHROMIUM, measure, png_size, screenshot


def _report(tmp_path, errors=()):
    events, journal, ledgers = _scenario(tmp_path)
    events.checkouts[0]["message"] = "card 4242424242424242 was refused"
    m = metrics.compute(events, journal, ledgers)
    return {"run": {"profile": "brownout", "summary": "s", "target": "t.yaml", "users": 5, "duration_s": 30,
                    "workers": 0, "proxies": 1, "threshold": 70, "report_dir": str(tmp_path)},
            "metrics": m, "verdict": verdict.judge(m, events.checkouts), "series": series.build(events, journal),
            "errors": list(errors), "checkouts_sample": events.checkouts[:1]}


def test_html_report_is_self_contained_with_three_shaded_charts_and_every_phase(tmp_path):
    page = report_html.render(_report(tmp_path, ["the merchant exited with status 1 mid-run"]))
    assert page.count("<svg") == 3
    for title in ("Checkout success rate", "Customer latency", "Gateway call rate"):
        assert title in page
    for phase in ("healthy", "outage", "recovery"):
        assert page.count(f"<title>{phase}</title>") == 3     # shaded in each chart
    assert 'fill="#f8d7d3"' in page                            # the faulted phase is shaded red
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "the merchant exited with status 1 mid-run" in page


def test_json_report_masks_card_numbers(tmp_path):
    path = report_json.write(tmp_path / "report.json", _report(tmp_path))
    text = path.read_text()
    assert "4242424242424242" not in text and "424242******4242" in text
    assert json.loads(text)["metrics"]["phases"][1]["name"] == "outage"


# --- the page as a person sees it: Debian's headless Chromium at 1440 and 390 px, and printed --------

LONG = "A" * 60 + " gateway said: " + '{"error": {"message": "' + "x" * 300 + '"}}'


def _long_report(tmp_path) -> dict:
    """A failing run with long texts: a long phase name, a long error, long findings."""
    report = _report(tmp_path, [f"the merchant exited with status 1 mid-run: {LONG}"])
    report["metrics"]["phases"][1]["name"] = "brownout-30pct-5xx-on-the-primary-gateway-for-a-long-while"
    report["verdict"]["findings"].append({"rule": "prompt.no_leaks", "dimension": "prompt", "severity": "critical",
                                          "message": f"phase 'outage': raw gateway JSON shown: {LONG}",
                                          "evidence": {"phase": "outage"}})
    report["verdict"].update(passed=False, threshold=70)
    report["failures"] = [f"Locust users crashed during the run: {LONG}"]
    report["run"].update(interrupted=True, ran_s=12.4, started_at=1_700_000_000)
    return report


def _page(tmp_path, report=None) -> Path:
    return report_html.write(tmp_path / "report.html", report or _long_report(tmp_path))


PHASE_COLUMNS = "[...document.querySelectorAll('table.phases thead th')].filter(e => e.offsetParent).length"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_load_report_in_headless_chromium_fits_without_sideways_scroll(tmp_path, width, height):
    page = _page(tmp_path)
    text = page.read_text()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    table_fits = "(t => t.offsetWidth <= t.parentElement.clientWidth)(document.querySelector('table.phases'))"
    seen = measure(page, width, height, extra=f"[{PHASE_COLUMNS}, {table_fits}]")
    assert seen["scrollWidth"] <= seen["clientWidth"] == width, seen   # no horizontal page scroll
    assert seen["right"] <= width + 1, seen                             # nothing sticks out of the page
    assert seen["fixTop"] is not None and seen["fixTop"] < seen["height"] / 2, seen  # what to fix comes early
    # all 13 columns on a desktop; on a phone the optional ones go (report.json has them)
    # the phase table fits its card, no scrolling inside its box either
    assert seen["extra"] == [13 if width > 700 else 6, True], seen
    png = screenshot(page, tmp_path / f"load-{width}.png", width, 2400)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png_size(png) == (width, 2400)
    assert len(png) > 40_000  # a blank or unstyled page compresses to a few kB
    keep = os.environ.get("PAYCHAOS_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(tmp_path / f"load-{width}.png", f"{keep}-load-{width}.png")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_load_report_prints_every_column_and_chart_within_the_page(tmp_path):
    page = _page(tmp_path)
    charts = "[...document.querySelectorAll('svg.chart')].map(e => Math.round(e.getBoundingClientRect().right))"
    seen = measure(page, 800, 1100, media="print", extra=f"[{PHASE_COLUMNS}, {charts}]")
    assert seen["scrollWidth"] <= seen["clientWidth"], seen
    columns, chart_rights = seen["extra"]
    assert columns == 13 and len(chart_rights) == 3 and max(chart_rights) <= 800, seen


def test_both_reports_share_one_stylesheet_and_frame(tmp_path):
    from paychaos.reporting import SuiteFinished
    from paychaos.reporting.html_report import HtmlReporter
    from tests.reporting.samples import sample_report

    suite_dir = tmp_path / "suite"
    HtmlReporter(suite_dir).handle(SuiteFinished(sample_report()))
    load_page = _page(tmp_path).read_text()

    def style(page: str) -> str:
        return re.search(r"<style>(.*?)</style>", page, re.S).group(1)

    assert style(load_page) == style((suite_dir / "report.html").read_text()) == CSS
    assert "@media print" in CSS and "@media (max-width:700px)" in CSS
    assert "<script" not in load_page and "<link" not in load_page


def test_load_report_says_why_it_failed_and_what_to_fix_first(tmp_path):
    text = _page(tmp_path).read_text()
    assert "FAILED" in text and "required 70" in text
    assert "ran <b>12.4 s of 30 s</b> planned (interrupted)" in text
    assert text.index('id="what-to-fix"') < text.index('id="phases"') < text.index('id="over-time"')
    fixes = text[text.index('id="what-to-fix"'):text.index('id="dimensions"')]
    first = re.search(r'<li class="fixrow (\w+)">.*?<code>([^<]+)</code>', fixes, re.S)
    assert first.groups() == ("critical", "prompt.no_leaks")                 # the worst rule first
    assert "Catch gateway errors and show your own message" in fixes          # the rule's fix hint
    assert "Locust users crashed during the run" in text


def test_load_report_escapes_what_the_merchant_said(tmp_path):
    report = _long_report(tmp_path)
    report["verdict"]["findings"][0]["message"] = "</p><script>alert(1)</script>"
    report["run"]["target"] = '<img src=x onerror="alert(1)">'
    text = _page(tmp_path, report).read_text()
    assert "<script" not in text and "<img" not in text


def test_load_report_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    path = report_html.write(tmp_path / "report.html", _long_report(tmp_path))
    before = path.read_bytes()

    def broken(_report):
        raise RuntimeError("rendering broke")

    monkeypatch.setattr(report_html, "render", broken)
    with pytest.raises(RuntimeError):
        report_html.write(path, _long_report(tmp_path))
    assert path.read_bytes() == before                                        # the old report, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl", "report.html"]   # no temporary left


def test_every_load_rule_has_a_fix_that_the_report_shows():
    source = Path(verdict.__file__).read_text()
    named = set(re.findall(r'_finding\("([a-z_]+)"', source))
    assert named and named == set(verdict.FIXES), sorted(named ^ set(verdict.FIXES))
    rows = report_html.what_to_fix([
        {"rule": "no_retry_storm", "dimension": "retry", "severity": "minor", "message": "3.2x", "evidence": {"phase": "b"}},
        {"rule": "backup_gateway_used", "dimension": "fallback", "severity": "major", "message": "never",
         "evidence": {"phase": "full-outage"}},
        {"rule": "retry.idempotency_key", "dimension": "retry", "severity": "major", "message": "no key",
         "evidence": {"phase": "full-outage", "order_ids": ["o1", "o2"]}}])
    assert [r["rule"] for r in rows] == ["backup_gateway_used", "retry.idempotency_key", "no_retry_storm"]
    assert rows[0]["fix"] == verdict.FIXES["backup_gateway_used"] and rows[0]["docs"].startswith("docs/load.md#")
    assert rows[1]["docs"].startswith("docs/scoring.md#") and rows[1]["orders"] == 2


@pytest.mark.parametrize("columns", [100, 60])
def test_console_summary_fits_the_terminal_and_says_what_to_fix(tmp_path, monkeypatch, columns):
    from paychaos.cli.cmd_load import summary

    monkeypatch.setenv("COLUMNS", str(columns))
    report = _long_report(tmp_path)
    lines = summary(report).splitlines()
    assert all(len(line) <= columns for line in lines[:-1]), lines       # the last line is the report's path
    head = "paychaos load brownout: 5 users, ran 12.4s of 30s (interrupted)"
    assert (lines[0] if columns >= len(head) else lines[0] + " " + lines[1].strip()) == head
    assert lines[-1] == f"  report: {tmp_path}/report.html"
    fix = next(i for i, line in enumerate(lines) if line.startswith("  what to fix (1 rule(s), worst first"))
    assert lines[fix + 1].split()[:2] == ["CRITICAL", "prompt.no_leaks"]
    assert lines[fix + 2].strip().startswith("fix: Catch gateway errors")
    phase_rows = [line for line in lines if "brownout-30pct" in line]
    assert len(phase_rows) == 1 and "20" in phase_rows[0] and "0%" in phase_rows[0]
