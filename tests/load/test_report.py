import json

from paychaos.load import metrics, report_html, report_json, series, verdict
from tests.load.test_metrics import _scenario


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
