"""What to fix: every scoring rule has a fix hint and a docs link; findings roll up by rule, worst first."""

import re
from pathlib import Path

from paychaos.reporting.fixes import FIXES, SECTIONS, docs_link, fix_for
from paychaos.reporting.rollup import rollup
from paychaos.scoring.registry import all_rules
from tests.reporting.samples import sample_report

SCORING_MD = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"


def test_every_registered_rule_has_a_one_line_fix():
    names = {r.name for r in all_rules()}
    assert names <= set(FIXES), sorted(names - set(FIXES))
    assert set(FIXES) <= names, f"hints for rules that do not exist: {sorted(set(FIXES) - names)}"
    for name in names:
        assert "\n" not in fix_for(name) and 20 < len(fix_for(name)) <= 160, name


def test_docs_links_point_at_headings_that_exist():
    anchors = set()
    for line in SCORING_MD.read_text().splitlines():
        if line.startswith("## "):
            text = re.sub(r"[^\w\- ]", "", line[3:].strip().lower())
            anchors.add(text.replace(" ", "-"))
    assert set(SECTIONS.values()) <= anchors
    for rule in all_rules():
        assert docs_link(rule.name).split("#")[1] in anchors


def test_docs_base_from_env(monkeypatch):
    monkeypatch.setenv("PAYCHAOS_DOCS_URL", "https://example.test/paychaos/docs/")
    assert docs_link("retry.backoff") == ("https://example.test/paychaos/docs/scoring.md"
                                          "#retry-how-the-merchant-retried-the-gateway")


def finding(rule, severity, orders=(), message="m"):
    return {"rule": rule, "dimension": rule.split(".")[0], "severity": severity, "message": message,
            "evidence": {"order_ids": list(orders)}}


def test_rollup_by_rule_worst_first_counting_scenarios_and_orders():
    report = sample_report()
    report["scenarios"][0]["findings"] = [finding("prompt.no_leaks", "major", ["o1", "o2"]),
                                          finding("retry.backoff", "minor"),
                                          finding("prompt.status_right", "info")]
    report["scenarios"][1]["findings"] = [finding("prompt.no_leaks", "major", ["o1"]),
                                          finding("prompt.no_leaks", "critical", ["o3"], "the card"),
                                          finding("integrity.no_double_charge", "critical", ["o9"])]
    rows = rollup(report)
    assert [r["rule"] for r in rows] == ["prompt.no_leaks", "integrity.no_double_charge", "retry.backoff"]
    leaks = rows[0]
    assert leaks["severity"] == "critical" and leaks["message"] == "the card"   # its worst finding speaks
    assert leaks["findings"] == 3 and len(leaks["scenarios"]) == 2
    assert leaks["orders"] == 4          # o1 in two scenarios is two orders
    assert leaks["fix"] == FIXES["prompt.no_leaks"]
    assert all(r["rule"] != "prompt.status_right" for r in rows)   # info is not a thing to fix


def test_the_forged_webhook_fix_fits_every_gateway_not_only_stripe():
    # a WeChat Pay shop (tests/shops/orchid) was told to check a Stripe-Signature it never receives
    hint = fix_for("integrity.rejects_forged_webhooks")
    assert all(sig in hint for sig in ("Stripe-Signature", "Wechatpay-Signature", "Alipay's sign")), hint
