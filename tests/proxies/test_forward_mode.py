"""Forward mode: an unmodified stripe-SDK script, changed only by its environment, pays and is
declined through paychaos while addressing https://api.stripe.com (answered locally, never the internet);
the environment keeps the app's own PYTHONPATH."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from paychaos.gateway.testing import get_ledger, running_gateway
from paychaos.proxies.forward import SITECUSTOMIZE_DIR, forward_env
from paychaos.proxies.testing import running_proxy, set_rules
from tests.proxies.conftest import journal_of

APP = textwrap.dedent("""
    import os, stripe
    stripe.api_key = os.environ["STRIPE_API_KEY"]          # the default api_base: https://api.stripe.com
    try:
        pi = stripe.PaymentIntent.create(amount=1299, currency="usd", payment_method="pm_card_visa",
                                         confirm=True, metadata={"order_id": "ord_9"})
        print("paid", pi.status)
    except stripe.CardError as e:
        print("declined", e.code, e.error.decline_code, e.error.payment_intent["status"])
""")


@pytest.fixture(scope="module")
def fwd_gateway():
    with running_gateway() as gw:   # the real fake gateway: a decline is a decline in its ledger
        yield gw


@pytest.fixture(scope="module")
def forward_proxy(fwd_gateway, tmp_path_factory):
    base = tmp_path_factory.mktemp("fwd")
    with running_proxy({"primary": fwd_gateway.url}, journal=base / "j.jsonl", forward=True,
                       confdir=base / "conf") as svc:
        yield svc


# The same app, importing a module of its own that only its PYTHONPATH finds.
APP_WITH_OWN_MODULE = "import shop_settings\n" + APP.replace('"ord_9"', "shop_settings.ORDER_ID")


def run_app(tmp_path, proxy, app: str = APP) -> str:
    script = tmp_path / "app.py"
    script.write_text(app)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCHAOS")}
    env.update(forward_env(proxy.info["forward"], proxy.info["ca_cert"]), STRIPE_API_KEY="sk_test_fwd")
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_ready_line_offers_forward_url_and_ca(forward_proxy):
    assert forward_proxy.info["forward"].startswith("http://127.0.0.1:")
    assert os.path.exists(forward_proxy.info["ca_cert"])


def test_unmodified_stripe_app_pays_then_is_declined(forward_proxy, fwd_gateway, tmp_path):
    control = forward_proxy.info["control"]
    set_rules(control, [], scenario="fwd-pay")
    assert run_app(tmp_path, forward_proxy) == "paid succeeded"
    assert get_ledger(fwd_gateway.url)["requests"]["by_endpoint"].get("POST /v1/payment_intents") == 1
    rec = journal_of(forward_proxy, "fwd-pay")[0]
    assert rec["upstream"] == "primary" and rec["request"]["metadata"] == {"order_id": "ord_9"}

    set_rules(control, [{"fault": "decline", "params": {"decline_code": "insufficient_funds"}}],
              scenario="fwd-decline")
    assert run_app(tmp_path, forward_proxy) == "declined card_declined insufficient_funds requires_payment_method"
    rec = journal_of(forward_proxy, "fwd-decline")[0]
    assert rec["status"] == 402 and rec["response"]["error"]["decline_code"] == "insufficient_funds"
    assert get_ledger(fwd_gateway.url)["money"]["by_metadata"]["order_id"]["ord_9"]["charges"] == 1  # paid once


def test_other_hosts_are_never_forwarded(forward_proxy):
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
                          "-x", forward_proxy.info["forward"], "--cacert", forward_proxy.info["ca_cert"],
                          "https://example.com/"], capture_output=True, text=True, timeout=30)
    assert out.stdout == "403"


def test_an_app_keeps_its_own_pythonpath_and_still_trusts_paychaos(forward_proxy, tmp_path, monkeypatch):
    lib = tmp_path / "app-lib"
    lib.mkdir()
    (lib / "shop_settings.py").write_text('ORDER_ID = "ord_own_path"\n')
    monkeypatch.setenv("PYTHONPATH", str(lib))
    set_rules(forward_proxy.info["control"], [], scenario="fwd-own-path")
    assert run_app(tmp_path, forward_proxy, APP_WITH_OWN_MODULE) == "paid succeeded"
    assert journal_of(forward_proxy, "fwd-own-path")[0]["request"]["metadata"] == {"order_id": "ord_own_path"}


def env_path(**kwargs) -> str:
    return forward_env("http://127.0.0.1:8080", "/tmp/ca.pem", **kwargs)["PYTHONPATH"]


def test_forward_env_puts_its_dir_in_front_of_the_pythonpath_it_finds(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["/app/src", "/app/lib"]))
    assert env_path() == os.pathsep.join([SITECUSTOMIZE_DIR, "/app/src", "/app/lib"])


def test_forward_env_without_a_pythonpath_adds_no_empty_entry(monkeypatch):
    monkeypatch.delenv("PYTHONPATH", raising=False)
    assert env_path() == SITECUSTOMIZE_DIR
    monkeypatch.setenv("PYTHONPATH", "")
    assert env_path() == SITECUSTOMIZE_DIR


def test_forward_env_takes_an_explicit_pythonpath_and_never_repeats_its_dir(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/not/this/one")
    assert env_path(pythonpath="/app") == os.pathsep.join([SITECUSTOMIZE_DIR, "/app"])
    assert env_path(pythonpath="") == SITECUSTOMIZE_DIR
    assert env_path(pythonpath=env_path(pythonpath="/app")) == os.pathsep.join([SITECUSTOMIZE_DIR, "/app"])
