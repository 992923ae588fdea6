"""`paychaos load` as a user runs it: bad input and broken targets exit 2 with a clear message."""

import json
import subprocess
import sys
import textwrap

import pytest

from paychaos.common.ports import free_port


def _paychaos(*args, timeout=120):
    return subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "load", *args], capture_output=True,
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
    # The built-in resilient merchant, ended a second after the first checkout reached the events file
    # (not a fixed time after it starts: on a busy machine Locust may take longer than that to begin).
    events = report_dir / "events.jsonl"
    script = ("{python} -m paychaos.cli merchant resilient --port {port} & m=$!; "
              f"until grep -qs checkout '{events}'; do sleep 0.2; done; sleep 1; kill $m; wait $m; exit 3")
    target = tmp_path / "dying.yaml"
    target.write_text(textwrap.dedent("""\
        name: dying-shop
        start:
          command: ["sh", "-c", SCRIPT]""").replace("SCRIPT", json.dumps(script)) + textwrap.dedent("""\

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


def test_a_run_where_no_user_checked_out_or_users_crashed_is_a_failure_with_their_error():
    """What makes a load run fail whatever its score (orchestrate._user_failures, one function)."""
    from paychaos.load.orchestrate import _user_failures

    class Events:
        def __init__(self, checkouts):
            self.checkouts = checkouts

    log = ("[2026-12-02 16:00:00] worker/ERROR/locust.user.task: boom\nTraceback (most recent call last):\n"
           '  File "x.py", line 3, in on_start\nAttributeError: Invalid configuration for faker locale `xx_XX`\n')
    [none] = _user_failures(Events([]), log)
    assert none.startswith("no checkout was recorded in any phase") and "xx_XX" in none
    [crashed] = _user_failures(Events([{"order_id": "o1"}]), log)
    assert crashed.startswith("Locust users crashed during the run") and "xx_XX" in crashed
    assert _user_failures(Events([{"order_id": "o1"}]), "[INFO] all good\n") == []


def test_without_the_load_extra_paychaos_load_says_which_extra_to_install(tmp_path):
    """Locust is optional (`paychaos[load]`): hidden from the interpreter, `paychaos load` exits 2 saying so."""
    hide = ("import sys, importlib.abc\n"
            "class Hide(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'locust' or name.startswith('locust.'):\n"
            "            raise ModuleNotFoundError(name)\n"
            "sys.meta_path.insert(0, Hide())\n"
            "from paychaos.cli import main\n"
            "sys.exit(main(['load', 'steady', '--report-dir', sys.argv[1]]))\n")
    done = subprocess.run([sys.executable, "-c", hide, str(tmp_path / "r")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2, done.stderr
    assert "pip install 'paychaos[load]'" in done.stderr and "Traceback" not in done.stderr
