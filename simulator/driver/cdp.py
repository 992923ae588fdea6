"""Headless Chromium driven over the DevTools protocol, through a pipe (no port, no extra package).

Why this and not Playwright or Selenium (docs/browser.md has the figures): Debian's `chromium` is the
only browser on the machine and nothing may download another one. Selenium needs Debian's
`chromium-driver` (another package, another process per session); Playwright is a new pip package
with its own Node driver. The DevTools protocol is what both speak underneath; paychaos needs a
dozen of its commands (open a page, evaluate a script, take a screenshot), so it speaks it itself,
over `--remote-debugging-pipe`: file descriptors 3 and 4 of the browser, messages ended by NUL. No
debugging port is opened, so no other user of the machine can drive this browser.

One browser per process (`shared()`, one per forward proxy), started on first use, closed at exit; each customer gets a fresh browser
context (its own cookies and storage) and one tab (`Chromium.new_tab`). The browser resolves no name
but localhost (`--host-resolver-rules`), so a page cannot reach beyond this machine except through a
proxy given with `proxy=` (forward mode: paychaos's own, which never forwards off the machine).
"""

from __future__ import annotations

import atexit
import base64
import fcntl
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable

from paychaos.common import procs

DEFAULT_EXECUTABLES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
WINDOW = (1024, 900)


class BrowserError(RuntimeError):
    """The browser could not be started, died, or did not answer a command in time."""


def find_chromium(explicit: str | None = None) -> str | None:
    """The browser to drive: `explicit`, else $PAYCHAOS_CHROMIUM (only it, when set), else Debian's chromium."""
    chosen = explicit or os.environ.get("PAYCHAOS_CHROMIUM")
    for candidate in ((chosen,) if chosen else (*DEFAULT_EXECUTABLES, shutil.which("chromium"))):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def flags(user_data_dir: str, proxy: str | None = None, ignore_cert_spki: str | None = None) -> list[str]:
    """Chromium's command-line flags: headless, quiet (no background networking), loopback names only."""
    out = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-extensions", "--disable-default-apps", "--disable-quic",
           "--mute-audio", "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication",
           "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
           "--disable-backgrounding-occluded-windows", "--password-store=basic", "--use-mock-keychain",
           f"--window-size={WINDOW[0]},{WINDOW[1]}", f"--user-data-dir={user_data_dir}",
           "--remote-debugging-pipe"]
    if proxy:
        # forward mode: stripe.com names go to paychaos's proxy (which answers them from the local
        # gateway and refuses every other host); loopback stays direct
        out += [f"--proxy-server={proxy}", "--proxy-bypass-list=127.0.0.1;localhost;[::1]"]
    else:
        out.append("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]")
    if ignore_cert_spki:
        out.append(f"--ignore-certificate-errors-spki-list={ignore_cert_spki}")
    return out


def _high_pipe() -> tuple[int, int]:
    """A pipe whose ends are above 9, so the shell's `3<&N 4>&M` never overwrites one with the other."""
    ends = []
    for fd in os.pipe():
        ends.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.close(fd)
    return ends[0], ends[1]


class Chromium:
    """One headless Chromium process and its DevTools pipe."""

    def __init__(self, executable: str | None = None, *, proxy: str | None = None,
                 ignore_cert_spki: str | None = None, command_timeout_s: float = 30.0):
        self.executable = find_chromium(executable)
        if self.executable is None:
            raise BrowserError("no Chromium found (looked for $PAYCHAOS_CHROMIUM, " + ", ".join(DEFAULT_EXECUTABLES)
                               + "); install Debian's chromium package (ci/setup.sh does, as root)")
        self.proxy, self.ignore_cert_spki = proxy, ignore_cert_spki
        self.command_timeout_s = command_timeout_s
        self.started_s = 0.0          # how long start-up took (docs/browser.md)
        self._proc: subprocess.Popen | None = None
        self._dir: str | None = None
        self._to_browser = self._from_browser = -1
        self._write_lock = threading.Lock()
        self._lock = threading.Lock()
        self._next_id = 0
        self._waiting: dict[int, dict] = {}
        self._done = threading.Condition(self._lock)
        self._listeners: dict[str, Callable[[str, dict], None]] = {}
        self._dead: str | None = None
        self._reader: threading.Thread | None = None

    # -- life --------------------------------------------------------------------------------------

    def start(self) -> Chromium:
        t0 = time.perf_counter()
        self._dir = procs.make_temp_dir("paychaos-chromium-")
        to_r, to_w = _high_pipe()       # we write, the browser reads on its fd 3
        from_r, from_w = _high_pipe()   # the browser writes on its fd 4, we read
        argv = [shutil.which("bash") or "/bin/bash", "-c", f'exec "$@" 3<&{to_r} 4>&{from_w} {to_r}<&- {from_w}>&-', "bash",
                self.executable, *flags(self._dir, self.proxy, self.ignore_cert_spki), "about:blank"]
        log = open(os.path.join(self._dir, "chromium.log"), "wb")
        try:
            self._proc = procs.start_process_group(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                                   pass_fds=(to_r, from_w))
        finally:
            log.close()
            os.close(to_r)
            os.close(from_w)
        self._to_browser, self._from_browser = to_w, from_r
        self._reader = threading.Thread(target=self._read, name="chromium-devtools", daemon=True)
        self._reader.start()
        try:
            self.call("Browser.getVersion", timeout_s=60.0)
        except BrowserError:
            tail = self.log_tail()
            self.close()
            raise BrowserError(f"Chromium did not answer on its DevTools pipe: {tail or 'no output'}") from None
        self.started_s = time.perf_counter() - t0
        return self

    def alive(self) -> bool:
        return self._dead is None and self._proc is not None and self._proc.poll() is None

    def log_tail(self, lines: int = 5) -> str:
        try:
            with open(os.path.join(self._dir or "", "chromium.log"), "rb") as fh:
                text = fh.read()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""
        return " | ".join(line for line in text.splitlines()[-lines:] if line.strip())

    def close(self) -> None:
        if self._proc is not None:
            try:
                self.call("Browser.close", timeout_s=3.0)
            except BrowserError:
                pass
            procs.stop_process_group(self._proc, timeout=3.0)
            self._proc = None
        for fd in (self._to_browser, self._from_browser):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._to_browser = self._from_browser = -1
        if self._dir:
            procs.remove_temp_dir(self._dir)
            self._dir = None

    # -- the protocol ---------------------------------------------------------------------------

    def call(self, method: str, params: dict | None = None, *, session: str | None = None,
             timeout_s: float | None = None) -> dict:
        """Send one command; its result (BrowserError on an error answer, a dead browser or no answer)."""
        with self._lock:
            if self._dead:
                raise BrowserError(f"the browser is gone ({self._dead})")
            self._next_id += 1
            ident = self._next_id
            self._waiting[ident] = {}
        try:
            self._write(ident, method, params, session)
        except OSError as exc:
            raise BrowserError(f"cannot write to the browser: {exc}") from None
        deadline = time.monotonic() + (timeout_s or self.command_timeout_s)
        with self._lock:
            while not self._waiting[ident] and self._dead is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._done.wait(min(left, 1.0))
            answer = self._waiting.pop(ident)
        if not answer:
            raise BrowserError(f"{method}: no answer from the browser" + (f" ({self._dead})" if self._dead else ""))
        if "error" in answer:
            raise BrowserError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result") or {}

    def send(self, method: str, params: dict | None = None, *, session: str | None = None) -> None:
        """Send one command without waiting for its answer (safe on the reader thread, in a listener)."""
        with self._lock:
            if self._dead:
                return
            self._next_id += 1
            ident = self._next_id
        try:
            self._write(ident, method, params, session)
        except OSError:
            pass

    def _write(self, ident: int, method: str, params: dict | None, session: str | None) -> None:
        """One command down the pipe, whole (OSError when the browser's end is gone)."""
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        view = memoryview(json.dumps(message).encode() + b"\0")
        with self._write_lock:
            while view:
                view = view[os.write(self._to_browser, view):]

    def listen(self, session: str, callback: Callable[[str, dict], None] | None) -> None:
        """Events of one session go to callback(method, params) (on the reader thread; keep it short)."""
        with self._lock:
            if callback is None:
                self._listeners.pop(session, None)
            else:
                self._listeners[session] = callback

    def _read(self) -> None:
        buffer = b""
        reason = "the browser closed its pipe"
        try:
            while True:
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    break
                buffer += chunk
                while b"\0" in buffer:
                    raw, buffer = buffer.split(b"\0", 1)
                    self._dispatch(raw)
        except OSError as exc:
            reason = f"reading its pipe failed: {exc}"
        with self._lock:
            self._dead = reason
            self._done.notify_all()

    def _dispatch(self, raw: bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            return
        if "id" in message:
            with self._lock:
                if message["id"] in self._waiting:
                    self._waiting[message["id"]] = message
                    self._done.notify_all()
            return
        session = message.get("sessionId")
        with self._lock:
            callback = self._listeners.get(session) if session else None
        if callback is not None:
            try:
                callback(message.get("method", ""), message.get("params") or {})
            except Exception:  # a listener's bug must not stop the reader
                pass

    # -- tabs -------------------------------------------------------------------------------------

    def new_tab(self) -> Tab:
        """A fresh browser context (no cookies, no storage) with one blank tab, attached."""
        context = self.call("Target.createBrowserContext", {"disposeOnDetach": True})["browserContextId"]
        try:
            target = self.call("Target.createTarget", {"url": "about:blank", "browserContextId": context,
                                                       "width": WINDOW[0], "height": WINDOW[1]})["targetId"]
            session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        except BrowserError:
            self._dispose(context)
            raise
        tab = Tab(self, context, target, session)
        self.listen(session, tab._event)
        for method in ("Page.enable", "Runtime.enable"):
            tab.call(method)
        return tab

    def _dispose(self, context: str) -> None:
        try:
            self.call("Target.disposeBrowserContext", {"browserContextId": context}, timeout_s=10.0)
        except BrowserError:
            pass


class Tab:
    """One page in its own browser context. Every wait is bounded; nothing here sleeps unbounded."""

    def __init__(self, browser: Chromium, context: str, target: str, session: str):
        self.browser, self.context, self.target, self.session = browser, context, target, session
        self.dialogs: list[str] = []       # texts of alert()/confirm() the page showed (accepted at once)
        self.console_errors: list[str] = []
        self.routes: dict[str, str] = {}

    def call(self, method: str, params: dict | None = None, timeout_s: float | None = None) -> dict:
        return self.browser.call(method, params, session=self.session, timeout_s=timeout_s)

    def route(self, routes: dict[str, str]) -> None:
        """Requests to each origin of routes go to the origin it maps to instead (the gateway's own address
        -> the proxy listener in front of it), unseen by the page, as the driver's `routes` say."""
        self.routes = {k.rstrip("/"): v.rstrip("/") for k, v in routes.items() if k and v}
        if self.routes:
            self.call("Fetch.enable", {"patterns": [{"urlPattern": origin + "/*"} for origin in self.routes]})
        else:
            self.call("Fetch.disable")

    def _rerouted(self, url: str) -> str:
        for origin, via in self.routes.items():
            if url.startswith(origin + "/") or url == origin:
                return via + url[len(origin):]
        return url

    def _event(self, method: str, params: dict) -> None:
        if method == "Fetch.requestPaused":
            url = (params.get("request") or {}).get("url", "")
            self.browser.send("Fetch.continueRequest", {"requestId": params.get("requestId"),
                                                        "url": self._rerouted(url)}, session=self.session)
        elif method == "Page.javascriptDialogOpening":
            self.dialogs.append(str(params.get("message", "")))
            self.browser.send("Page.handleJavaScriptDialog", {"accept": True}, session=self.session)
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails") or {}
            text = ((details.get("exception") or {}).get("description") or details.get("text") or "")
            self.console_errors.append(str(text)[:300])

    def reset(self, origins: list[str], timeout_s: float = 10.0) -> None:
        """Make this tab a fresh customer's: a blank page, no cookies, and nothing stored (local and session
        storage, IndexedDB, service workers, caches) for the origins the last customer used. Reusing a tab
        spares the renderer process a new browser context starts (most of a customer's cost on a busy machine)."""
        self.call("Page.navigate", {"url": "about:blank"}, timeout_s=timeout_s)
        self.browser.call("Storage.clearCookies", {"browserContextId": self.context}, timeout_s=timeout_s)
        for origin in dict.fromkeys(o.rstrip("/") for o in origins if o):
            self.call("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"}, timeout_s=timeout_s)
        self.dialogs.clear()
        self.console_errors.clear()

    def navigate(self, url: str, timeout_s: float = 30.0) -> str | None:
        """Open url and wait (bounded) until the document has loaded; the browser's error text or None."""
        answer = self.call("Page.navigate", {"url": url}, timeout_s=timeout_s)
        if answer.get("errorText"):
            return str(answer["errorText"])
        self.wait_loaded(timeout_s)
        return None

    def wait_loaded(self, timeout_s: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if self.evaluate("document.readyState") == "complete":
                    return True
            except BrowserError:
                pass   # the page is between documents
            time.sleep(0.05)
        return False

    def evaluate(self, expression: str, *, await_promise: bool = False, timeout_s: float = 15.0):
        """The value of a JavaScript expression in the page (JSON-able values only)."""
        answer = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": await_promise, "userGesture": True},
                           timeout_s=timeout_s)
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            text = ((details.get("exception") or {}).get("description") or details.get("text") or "error")
            raise BrowserError(f"script error in the page: {str(text)[:200]}")
        return (answer.get("result") or {}).get("value")

    def url(self) -> str:
        try:
            return str(self.evaluate("location.href") or "")
        except BrowserError:
            return ""

    def screenshot(self, timeout_s: float = 15.0) -> bytes | None:
        """A JPEG of the page as the customer sees it (None when the browser cannot take one)."""
        try:
            data = self.call("Page.captureScreenshot", {"format": "jpeg", "quality": 60},
                             timeout_s=timeout_s).get("data")
        except BrowserError:
            return None
        return base64.b64decode(data) if data else None

    def close(self) -> None:
        self.browser.listen(self.session, None)
        try:
            self.browser.call("Target.closeTarget", {"targetId": self.target}, timeout_s=10.0)
        except BrowserError:
            pass
        self.browser._dispose(self.context)


_shared: dict[tuple, Chromium] = {}
_shared_lock = threading.Lock()


def shared(proxy: str | None = None, ignore_cert_spki: str | None = None) -> Chromium:
    """This process's browser for this proxy (none: reverse mode), started on first use and again if
    it died. Workers of one run share it; each forward-mode worker (its own proxy) gets its own."""
    key = (proxy, ignore_cert_spki)
    with _shared_lock:
        browser = _shared.get(key)
        if browser is not None and not browser.alive():
            browser.close()
            browser = None
        if browser is None:
            if not _shared:
                atexit.register(close_shared)
            browser = _shared[key] = Chromium(proxy=proxy, ignore_cert_spki=ignore_cert_spki).start()
        return browser


def close_shared() -> None:
    with _shared_lock:
        browsers = list(_shared.values())
        _shared.clear()
    for browser in browsers:
        browser.close()
