"""Look at a report as a person would: Debian's headless Chromium (never a downloaded browser).

`screenshot(page, png, width, height)` renders the page as it is. `measure(page, width)` opens it over
the DevTools protocol (a pipe, no port) at that viewport and evaluates PROBE in it: the page's scroll
width, the widest element not inside a scroller, where "What to fix" starts, which scenarios show.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
QUIET_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-default-apps", "--disable-extensions", "--hide-scrollbars"]

PROBE = """(() => {
  const doc = document.documentElement, vw = doc.clientWidth;
  let widest = '', right = 0;
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    let clipped = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') { clipped = true; break; }
    }
    if (!clipped && r.width && r.right > right) { right = r.right; widest = el.tagName + '.' + el.className; }
  }
  const fix = document.getElementById('what-to-fix');
  return {scrollWidth: doc.scrollWidth, clientWidth: vw, widest, right, height: doc.scrollHeight,
          fixTop: fix ? fix.getBoundingClientRect().top : null,
          scenariosShown: [...document.querySelectorAll('.scenario')].filter(e => e.offsetParent).map(e => e.id)};
})()"""


class Cdp:
    """Chromium driven over --remote-debugging-pipe (fd 3 in, fd 4 out, NUL-terminated JSON)."""

    def __init__(self, profile: str):
        self.to_chrome_r, self.to_chrome_w = os.pipe()
        self.from_chrome_r, self.from_chrome_w = os.pipe()
        r, w = self.to_chrome_r, self.from_chrome_w
        # the pipe ends become the browser's fds 3 and 4 (bash does the renumbering)
        argv = ["bash", "-c", f'exec "$0" "$@" 3<&{r} 4>&{w}', CHROMIUM, *QUIET_FLAGS,
                f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        self.proc = subprocess.Popen(argv, pass_fds=(r, w), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        os.close(r)
        os.close(w)
        self.out = os.fdopen(self.to_chrome_w, "wb")
        self.inp = os.fdopen(self.from_chrome_r, "rb")
        self.buf = b""
        self.seq = 0

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.seq += 1
        msg = {"id": self.seq, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.out.write(json.dumps(msg).encode() + b"\0")
        self.out.flush()
        while True:
            while b"\0" not in self.buf:
                chunk = os.read(self.inp.fileno(), 1 << 16)
                assert chunk, "chromium closed the debugging pipe"
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.seq:
                assert "error" not in reply, reply
                return reply.get("result") or {}

    def close(self):
        try:
            self.out.close()
            self.inp.close()
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def measure(page: Path, width: int, height: int = 900, *, media: str = "screen", png: Path | None = None,
            clip_top: float = 0, clip_height: float | None = None, extra: str | None = None) -> dict:
    """The page at a width x height viewport (mobile emulation below 500 px): what PROBE reports, and
    under "extra" what the JavaScript expression `extra` gives. With `png`, also a screenshot of the
    page from `clip_top` down (`clip_height`, default one screen)."""
    with tempfile.TemporaryDirectory() as profile:
        cdp = Cdp(profile)
        try:
            target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            cdp.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                            "deviceScaleFactor": 1, "mobile": width < 500},
                     session)
            cdp.call("Emulation.setEmulatedMedia", {"media": media}, session)
            cdp.call("Page.navigate", {"url": page.as_uri()}, session)
            for _ in range(200):
                state = cdp.call("Runtime.evaluate", {"expression": "document.readyState",
                                                      "returnByValue": True}, session)
                if state["result"].get("value") == "complete":
                    break
            got = cdp.call("Runtime.evaluate", {"expression": PROBE, "returnByValue": True}, session)
            if extra is not None:
                more = cdp.call("Runtime.evaluate", {"expression": extra, "returnByValue": True}, session)
                got["result"]["value"]["extra"] = more["result"].get("value")
            if png is not None:
                import base64
                shot = cdp.call("Page.captureScreenshot", {
                    "format": "png", "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": clip_top, "width": width, "height": clip_height or height, "scale": 1}},
                    session)
                png.write_bytes(base64.b64decode(shot["data"]))
            return got["result"]["value"]
        finally:
            cdp.close()


def _run(argv: list[str], timeout: float = 90) -> str:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return out.decode(errors="replace")


def screenshot(page: Path, png: Path, width: int, height: int) -> bytes:
    with tempfile.TemporaryDirectory() as profile:
        _run([CHROMIUM, *QUIET_FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
              f"--window-size={width},{height}", page.as_uri()])
    return png.read_bytes() if png.exists() else b""


def png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
