"""End to end: a fixed-port target with several workers is refused before anything starts, and the
merchant runs in the target's `start.cwd`."""

from __future__ import annotations

import subprocess
import sys

from paychaos.common.ports import free_port
from paychaos.runner.merchant import MerchantProcess
from paychaos.target import load_target

FIXED_PORT = """\
name: fixed-port
start:
  command: ["{python}", "-c", "open('merchant-started', 'w').close()"]
base_url: "http://127.0.0.1:8000"
checkout:
  path: /checkout
  json: {order_id: "{order.id}"}
  outcome: {status: "$.status"}
"""


def test_paychaos_run_refuses_a_fixed_port_with_two_workers_before_starting_anything(tmp_path):
    target = tmp_path / "fixed-port.yaml"
    target.write_text(FIXED_PORT, encoding="utf-8")
    out = subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "run", "-n", "2", "--target", str(target)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith(f"paychaos run: error: {target}: base_url: 'http://127.0.0.1:8000' is one "
                                 "fixed address, but -n/--workers asks for 2 workers"), out.stderr
    assert not (tmp_path / "merchant-started").exists() and not (tmp_path / "paychaos-report").exists()


def test_the_merchant_runs_in_the_targets_cwd(tmp_path):
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "only-here.txt").write_text("served from the shop folder")
    (tmp_path / "targets").mkdir()
    path = tmp_path / "targets" / "t.yaml"
    path.write_text(FIXED_PORT.replace('  command: ["{python}", "-c", "open(\'merchant-started\', \'w\').close()"]',
                                       '  command: ["{python}", "-m", "http.server", "{port}", "--bind", "127.0.0.1"]\n'
                                       "  cwd: ../shop\n  ready: {path: /only-here.txt, timeout_s: 20}"))
    start = load_target(str(path)).start
    assert start.cwd == str(shop)
    port = free_port()
    argv = [a.replace("{python}", sys.executable).replace("{port}", str(port)) for a in start.command]
    merchant = MerchantProcess(argv, {}, f"http://127.0.0.1:{port}", ready_path=start.ready_path,
                               ready_timeout_s=start.ready_timeout_s, cwd=start.cwd)
    try:
        merchant.start()  # ready only when /only-here.txt answers 2xx: the server's folder is shop/
        assert merchant.alive()
    finally:
        merchant.stop()
    assert not merchant.alive()
