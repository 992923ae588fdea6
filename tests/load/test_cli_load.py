"""`paychaos load` as a user runs it: bad input and broken targets exit 2 with a clear message."""

import json
import subprocess
import sys
import textwrap

import pytest

from simulator.common.netsafety import free_port


def _paychaos(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "simulator.cli", "load", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_unknown_profile_names_the_valid_ones(tmp_path):
    done = _paychaos("brownot", "--report-dir", str(tmp_path))
    assert done.returncode == 2
    assert "PROFILE: unknown load profile 'brownot'; did you mean 'brownout'?" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_users_is_an_input_error(tmp_path):
    done = _paychaos("steady", "--users", "0", "--report-dir", str(tmp_path))
    assert done.returncode == 2 and "--users" in done.stderr and "Traceback" not in done.stderr


def test_unreachable_target_exits_2_naming_the_file_and_field(tmp_path, report_dir):
    target = tmp_path / "shop.yaml"
    target.write_text(textwrap.dedent(f"""\
        name: shop
        base_url: "http://127.0.0.1:{free_port()}"
        checkout: {{path: /checkout, outcome: {{status: "$.status"}}}}
        """))
    done = _paychaos("steady", "--target", str(target), "--report-dir", str(report_dir))
    assert done.returncode == 2
    assert f"{target}: base_url: nothing answers at http://127.0.0.1:" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_started_merchant_on_a_fixed_port_behind_two_proxies_exits_2(tmp_path, report_dir):
    target = tmp_path / "shop.yaml"
    marker = tmp_path / "merchant-started"
    target.write_text(textwrap.dedent(f"""\
        name: shop
        start: {{command: ["{{python}}", "-c", "open('{marker}', 'w').close()"]}}
        base_url: "http://127.0.0.1:8000"
        checkout: {{path: /checkout, outcome: {{status: "$.status"}}}}
        """))
    done = _paychaos("steady", "--target", str(target), "--proxies", "2", "--report-dir", str(report_dir))
    assert done.returncode == 2, done.stderr
    assert f"{target}: base_url: 'http://127.0.0.1:8000' is one fixed address, but --proxies asks for 2" in done.stderr
    assert "Traceback" not in done.stderr and not marker.exists()


@pytest.mark.slow
def test_merchant_dying_mid_run_exits_2_and_keeps_what_was_measured(tmp_path, report_dir):
    # The built-in resilient merchant, ended by `timeout` 6 s after it starts.
    target = tmp_path / "dying.yaml"
    target.write_text(textwrap.dedent("""\
        name: dying-shop
        start:
          command: ["timeout", "6", "{python}", "-m", "simulator.cli", "merchant", "resilient", "--port", "{port}"]
          env: {STRIPE_API_BASE: "{gateway_url}", STRIPE_BACKUP_API_BASE: "{backup_gateway_url}",
                STRIPE_WEBHOOK_SECRET: "{webhook_secret}"}
          ready: {path: /health, timeout_s: 20}
        base_url: "http://127.0.0.1:{port}"
        checkout:
          path: /checkout
          json: {order_id: "{order.id}", amount: "{order.amount}", currency: "{order.currency}",
                 payment_method: "{payment.token}", customer: {name: "{customer.name}", email: "{customer.email}"}}
          outcome: {status: "$.status", message: "$.message", alternatives: "$.alternatives"}
        """))
    done = _paychaos("steady", "--target", str(target), "--users", "3", "--duration", "30",
                     "--report-dir", str(report_dir))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "the merchant at http://127.0.0.1:" in done.stderr and "exited with status" in done.stderr
    assert "partial report in" in done.stderr and "Traceback" not in done.stderr
    report = json.loads((report_dir / "report.json").read_text())
    assert report["errors"] and report["metrics"]["phases"][0]["checkouts"] > 0
    assert (report_dir / "report.html").exists()


@pytest.mark.slow
def test_a_run_where_every_user_crashes_fails_and_shows_the_users_error(report_dir):
    """Users that never complete a checkout (a faker locale that does not exist): exit 1 with their error,
    never a pass on a score computed from nothing."""
    done = _paychaos("steady", "--duration", "4", "--users", "2", "--locale", "xx_XX",
                     "--report-dir", str(report_dir))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED: no checkout was recorded" in done.stderr and "xx_XX" in done.stderr
    report = json.loads((report_dir / "report.json").read_text())
    assert report["failures"] and "PASSED" not in done.stdout
