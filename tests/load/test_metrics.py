"""Per-phase metrics from an events file, journal records and ledgers written as the real parts write them."""

import json

from paychaos.load import metrics, series, verdict
from paychaos.load.events import read_events

T0 = 1_700_000_000.0
OUTAGE = [{"fault": "http_error", "params": {"status": 503}, "match": {"upstream": "primary"}}]


def _checkout(i, t, status="paid", elapsed=0.05, message=None, alternatives=()):
    return {"type": "checkout", "order_id": f"o{i}", "t": T0 + t, "elapsed_s": elapsed, "status": status,
            "message": message, "alternatives": list(alternatives), "amount": 1000}


def _call(t, upstream="primary"):
    return {"direction": "to_gateway", "upstream": upstream, "t_start": T0 + t, "method": "POST",
            "path": "/v1/payment_intents"}


def _charge(order, amount=1000, refunded=0):
    return {"metadata": {"order_id": order}, "amount_captured": amount, "amount_refunded": refunded}


def _write_events(tmp_path, checkouts):
    lines = [
        {"type": "run", "t": T0, "profile": "t", "phases": []},
        {"type": "phase", "t": T0, "name": "healthy", "rules": [], "control": [{"url": "c", "status": 200}]},
        {"type": "phase", "t": T0 + 10, "name": "outage", "rules": OUTAGE, "control": [{"url": "c", "status": 200}]},
        {"type": "phase", "t": T0 + 20, "name": "recovery", "rules": [], "control": [{"url": "c", "status": 200}]},
        *checkouts,
        {"type": "end", "t": T0 + 30},
        {"type": "totals", "t": T0 + 31, "by_worker": {"w1": 3, "w2": len(checkouts) - 3}, "checkouts": len(checkouts)},
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{\"type\": \"checkout\", \"t\"")  # torn last line
    return read_events(path)


def _scenario(tmp_path):
    checkouts = [_checkout(i, i * 0.5) for i in range(20)]                        # healthy: 20 paid
    checkouts += [_checkout(100 + i, 10 + i * 0.5, "failed", 0.2, "Card payments are temporarily unavailable.",
                            ["alipay"]) for i in range(20)]                       # outage: all fail
    checkouts += [_checkout(200 + i, 20 + i * 0.5, "failed" if i < 6 else "paid") for i in range(20)]
    journal = [_call(i * 0.5) for i in range(20)]
    journal += [_call(10 + i * 0.5) for i in range(10)]           # the primary is called early in the outage
    journal += [_call(10 + i * 0.5, "backup") for i in range(20)]
    journal += [_call(20 + i * 0.5) for i in range(20)]
    journal += [{"direction": "to_merchant", "upstream": "webhooks", "t_start": T0 + 1}]  # not a gateway call
    ledgers = {"primary": {"charges": [_charge(f"o{i}") for i in range(20)]
                          + [_charge(f"o{200 + i}") for i in range(6, 20)]
                          + [_charge("o5")]                                            # o5 charged twice
                          + [_charge("o101")]},                                        # told failed, charged
               "backup": {"charges": [_charge("o202", refunded=1000)]}}               # refunded: no money
    return _write_events(tmp_path, checkouts), journal, ledgers


def test_each_phase_gets_its_success_rate_latency_and_calls_per_checkout(tmp_path):
    events, journal, ledgers = _scenario(tmp_path)
    m = metrics.compute(events, journal, ledgers)
    healthy, outage, recovery = m["phases"]
    assert [p["name"] for p in m["phases"]] == ["healthy", "outage", "recovery"]
    assert (healthy["checkouts"], healthy["success_rate"]) == (20, 1.0)
    assert (outage["checkouts"], outage["success_rate"]) == (20, 0.0)
    assert recovery["success_rate"] == 0.7
    assert healthy["latency_ms"]["p50"] == 50.0 and outage["latency_ms"]["p99"] == 200.0
    assert healthy["gateway_calls_per_checkout"] == 1.0
    assert outage["gateway_calls"] == {"primary": 10, "backup": 20, "total": 30, "browser": 0}
    assert m["totals"]["checkouts"] == 60 and m["totals"]["merged_checkouts_reported"] == 60


def test_double_and_orphan_charges_come_from_the_ledgers(tmp_path):
    events, journal, ledgers = _scenario(tmp_path)
    m = metrics.compute(events, journal, ledgers)
    healthy, outage, recovery = m["phases"]
    assert (healthy["double_charges"], healthy["integrity_examples"]["double"]) == (1, ["o5"])
    assert (outage["orphan_charges"], outage["integrity_examples"]["orphan"]) == (1, ["o101"])
    assert recovery["double_charges"] == recovery["orphan_charges"] == 0
    assert m["totals"]["ledger_charged_orders"] == 20 + 1 + 14


def test_dead_primary_falling_off_and_time_to_recover(tmp_path):
    events, journal, ledgers = _scenario(tmp_path)
    healthy, outage, recovery = metrics.compute(events, journal, ledgers)["phases"]
    assert outage["primary_falls_off"] == {"first_half_primary_calls_per_checkout": 1.0,
                                           "second_half_primary_calls_per_checkout": 0.0, "fell_off": True}
    assert healthy["primary_falls_off"] is None and healthy["recovery"] is None
    # The first six recovery checkouts fail; a 2 s window of >= 90 % paid starts at 3.0 s.
    assert recovery["recovery"] == {"recovered": True, "time_to_recover_s": 3.0, "goal_success_rate": 0.9}


def test_percentiles_are_exact_nearest_rank():
    values = list(range(1, 101))
    assert metrics.percentile(values, 50) == 50
    assert metrics.percentile(values, 95) == 95
    assert metrics.percentile(values, 99) == 99
    assert metrics.percentile([7.0], 99) == 7.0 and metrics.percentile([], 50) is None


def test_verdict_takes_the_weakest_of_load_rules_and_each_phases_suite_score(tmp_path):
    events, journal, ledgers = _scenario(tmp_path)
    m = metrics.compute(events, journal, ledgers)
    m["phases"][1]["gateway_calls"]["backup"] = 0          # as if the backup had never been tried
    suite = [{"phase": "healthy", "cause": "healthy", "findings": [],
              "score": {"total": 100.0, "prompt": 100.0, "retry": None, "fallback": None, "integrity": 100.0}},
             {"phase": "outage", "cause": "gateway_outage",
              "score": {"total": 85.0, "prompt": 90.0, "retry": 100.0, "fallback": 100.0, "integrity": 100.0},
              "findings": [{"rule": "prompt.next_step", "dimension": "prompt", "severity": "minor",
                            "message": "2 failed answers leave the customer without a next step",
                            "evidence": {"order_ids": ["o101"]}}]}]
    v = verdict.judge(m, events.checkouts, suite)
    assert v["score"]["prompt"] == 90.0                     # the outage phase's suite score
    assert v["score"]["fallback"] == 70.0                   # load rule: dead primary, backup never tried (major)
    assert v["score"]["retry"] == 100.0                     # the primary fell off, no storm
    assert v["score"]["total"] == round((sum([90.0, 100.0, 70.0, 100.0]) / 4 + 70.0) / 2, 1)
    rules = {f["rule"] for f in v["findings"]}
    assert {"backup_gateway_used", "prompt.next_step"} <= rules
    assert any(f["message"].startswith("phase 'outage': ") for f in v["findings"])


def test_series_buckets_success_and_call_rates_over_time(tmp_path):
    events, journal, _ = _scenario(tmp_path)
    s = series.build(events, journal)
    assert s["width_s"] == 0.5
    first = s["buckets"][0]
    assert first["checkouts"] == 1 and first["success_rate"] == 1.0 and first["primary_calls_per_s"] == 2.0
    outage_bucket = s["buckets"][int(15 / 0.5)]
    assert outage_bucket["success_rate"] == 0.0 and outage_bucket["backup_calls_per_s"] == 2.0


def test_the_customers_browser_calls_are_not_the_merchants_gateway_calls(tmp_path):
    """client_secret and redirect flows: the browser's confirm (publishable key), 3-D Secure and hosted
    pages go through the proxy too; calls per checkout (retry amplification) counts the merchant's only."""
    events, journal, ledgers = _scenario(tmp_path)
    browser = [
        {**_call(0.1), "path": "/v1/payment_intents/pi_1/confirm", "request": {"key": "pk_test_x"}},
        {**_call(0.2), "method": "GET", "path": "/_3ds/pi_1"},
        {**_call(0.3), "method": "GET", "path": "/pay/cs_test_1"},
        {**_call(0.4), "path": "/v1/payment_pages/cs_test_1/confirm"},
    ]
    m = metrics.compute(events, journal + browser, ledgers)
    healthy = m["phases"][0]
    assert healthy["gateway_calls"] == {"primary": 20, "backup": 0, "total": 20, "browser": 4}
    assert healthy["gateway_calls_per_checkout"] == 1.0
    assert m["totals"]["gateway_calls"] == 70 and m["totals"]["browser_calls"] == 4
    assert series.build(events, journal + browser)["buckets"][0]["primary_calls_per_s"] == 2.0


def test_an_inconclusive_verdict_carries_its_reasons(tmp_path):
    events, journal, ledgers = _scenario(tmp_path)
    v = verdict.judge(metrics.compute(events, journal, ledgers), events.checkouts, [], inconclusive=["nobody confirmed"])
    assert v["inconclusive"] == ["nobody confirmed"] and v["score"]["total"] is not None
    assert verdict.judge(metrics.compute(events, journal, ledgers), events.checkouts)["inconclusive"] == []
