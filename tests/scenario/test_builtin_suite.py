"""The built-in suite: loads cleanly, covers every cause of DESIGN.md's table, stays small."""

from __future__ import annotations

from paychaos.scenario.load import load_scenarios
from paychaos.scenario.model import Cause


def test_the_built_in_suite_covers_every_cause_with_small_mixed_scenarios():
    suite = load_scenarios()
    assert len(suite) >= 15
    assert {s.cause for s in suite} == set(Cause)
    for sc in suite:
        assert sc.description and sc.expect.prompt, sc.name
        assert set(sc.customers.locales) == {"en_US", "zh_CN"}, sc.name
        assert 3 <= sc.customers.count <= 8, sc.name
        windows = [f.window.end_s for f in sc.faults if f.window and f.window.end_s]
        assert all(end <= 10 for end in windows), sc.name


def test_every_row_of_the_cause_table_has_its_faults_or_actions():
    suite = load_scenarios()
    faults = {f.fault for s in suite for f in s.faults}
    assert {"http_error", "refused", "reset", "latency", "hang", "slow_body", "response_lost", "decline",
            "auth_error", "rate_limit", "malformed", "webhook_delay", "webhook_duplicate",
            "webhook_reorder", "webhook_drop", "webhook_forge"} <= faults
    actions = {str(a) for s in suite for a in s.actions}
    assert {"double_submit", "cancel_after_pay", "typo_card", "expired_card", "wrong_cvc"} <= actions
    cards = {t for s in suite for t in s.customers.cards}
    assert {"pm_card_visa_chargeDeclinedInsufficientFunds", "pm_card_chargeDeclinedRestrictedCard",
            "pm_card_chargeDeclinedExpiredCard", "pm_card_chargeDeclinedIncorrectCvc"} <= cards


def test_browser_only_scenarios_are_left_out_of_the_built_in_suite_for_other_flows(capsys):
    """A server-flow target's built-in suite leaves out what cannot happen to it (and says so); a
    redirect target keeps everything; a client-secret target drops only the Checkout Session's expiry."""
    from paychaos.cli.cmd_run import _for_flow
    from paychaos.scenario.load import load_scenarios

    suite = load_scenarios(None)
    names = {s.name for s in suite}
    browser_only = {"checkout-expired", "async-payment-settles", "async-payment-fails"}
    assert browser_only <= names
    assert {s.name for s in _for_flow(suite, "server")} == names - browser_only
    assert "checkout-expired (redirect)" in capsys.readouterr().out
    assert {s.name for s in _for_flow(suite, "client_secret")} == names - {"checkout-expired"}
    assert {s.name for s in _for_flow(suite, "redirect")} == names


def test_a_dialects_set_leaves_out_the_qr_scenarios_for_a_shop_of_another_flow(capsys):
    """`paychaos run --target T alipay` on a barcode (server-flow) shop does not run the QR-expiry scenario,
    and says so; a QR shop gets it."""
    from paychaos.cli.cmd_run import _for_flow
    from paychaos.scenario.load import load_scenarios
    from paychaos.scenario.model import flows_of

    for dialect, qr_only, redirect_only in (
            ("alipay", {"alipay-qr-expired"}, {"alipay-closed-pay-again"}),   # and alipay-sign-error: not redirect
            ("wechatpay", {"wechatpay-qr-walk-away", "wechatpay-qr-expired"}, set())):
        chosen = load_scenarios([dialect])
        names = {s.name for s in chosen}
        assert qr_only <= names and redirect_only <= names
        assert {s.name for s in chosen if flows_of(s) == ("qr",)} == qr_only
        assert {s.name for s in chosen if flows_of(s) == ("redirect",)} == redirect_only
        assert {s.name for s in _for_flow(chosen, "server")} == names - qr_only - redirect_only
        assert f"{sorted(qr_only)[0]} (qr)" in capsys.readouterr().out
        assert {s.name for s in _for_flow(chosen, "qr")} == names - redirect_only
        not_redirect = {"alipay-sign-error"} if dialect == "alipay" else set()
        assert {s.name for s in _for_flow(chosen, "redirect")} == names - qr_only - not_redirect
