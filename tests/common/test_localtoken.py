"""localtoken's registry: a helper given only a URL finds the token of the service it belongs to;
a stopped service's addresses are forgotten; a service without a token (a merchant) is ignored."""

from __future__ import annotations

from paychaos.common import localtoken


def test_a_url_finds_its_services_token_by_address():
    info = {"url": "http://127.0.0.1:40001", "control": "http://127.0.0.1:40001/_paychaos",
            "listeners": {"primary": "http://127.0.0.1:40001", "backup": "http://127.0.0.1:40002"},
            "forward": None, "token": "t" * 20}
    localtoken.remember(info)
    try:
        assert localtoken.token_for("http://127.0.0.1:40001/_paychaos/rules") == "t" * 20
        assert localtoken.token_for("http://localhost:40002/_sim/ledger") == "t" * 20
        assert localtoken.token_for("http://127.0.0.1:40003/") is None
    finally:
        localtoken.forget(info)
    assert localtoken.token_for("http://127.0.0.1:40001/") is None


def test_a_service_without_a_token_is_ignored():
    merchant = {"url": "http://127.0.0.1:40011"}
    localtoken.remember(merchant)
    localtoken.forget(merchant)   # no KeyError
    assert localtoken.token_for("http://127.0.0.1:40011") is None
    assert localtoken.headers(None) == {} and localtoken.headers("x") == {"X-Paychaos-Token": "x"}
