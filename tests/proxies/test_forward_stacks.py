"""Forward mode in one key (issue 12): the environment `start.forward: true` gives an app
(`paychaos.proxies.forward.app_env`, what the runner calls) routes every common stack through a real
paychaos proxy to https://api.stripe.com, answered by the real fake gateway: Python requests, httpx,
aiohttp, urllib, the stripe SDK (its default client, httpx and aiohttp), curl, Node (https and, when
installed, stripe-node), Go and Java. Each program only addresses https://api.stripe.com; the journal shows
its PaymentIntent arrived, with the program's own order id, so a stack the environment misses fails.
Node, Go and Java are skipped when the machine lacks them; stripe-node when `npm install -g stripe` was not run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from paychaos.gateway.testing import running_gateway
from paychaos.proxies.forward import (
    NODE_SHIM,
    SITECUSTOMIZE_DIR,
    TRUSTSTORE_NAME,
    app_env,
    java_flags,
    java_truststore,
    node_require,
    shim_dir,
)
from paychaos.proxies.testing import running_proxy, set_rules
from tests.proxies.conftest import journal_of

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk_test_forward"
FORM = "amount=1299&currency=usd&metadata[order_id]={order}"
API = "https://api.stripe.com/v1/payment_intents"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    base = tmp_path_factory.mktemp("fwd-stacks")
    with running_gateway() as gw, running_proxy({"primary": gw.url}, journal=base / "j.jsonl", forward=True,
                                                confdir=base / "conf") as proxy:
        yield proxy


def run(stack, name: str, argv: list[str], *, own_env: dict | None = None, cwd=None) -> str:
    """Run one program with the environment `start.forward: true` gives; its PaymentIntent's journal record."""
    set_rules(stack.info["control"], [], scenario=f"fwd-{name}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCHAOS")}
    env.update(app_env(stack.info["forward"], stack.info["ca_cert"], {"STRIPE_API_KEY": KEY, **(own_env or {})}))
    out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, cwd=cwd)
    assert out.returncode == 0, out.stdout + out.stderr
    records = journal_of(stack, f"fwd-{name}", timeout=30)
    assert records, f"{name}: nothing reached paychaos: {out.stdout}{out.stderr}"
    rec = records[0]
    assert rec["method"] == "POST" and rec["path"] == "/v1/payment_intents" and rec["status"] == 200, rec
    assert rec["request"]["metadata"] == {"order_id": name}
    return out.stdout.strip()


PYTHON_PROGRAMS = {
    "requests": """
        import os, requests
        r = requests.post(API, data=FORM.encode(), auth=(KEY, ""),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        print(r.status_code)
    """,
    "httpx": """
        import httpx
        r = httpx.post(API, content=FORM.encode(), auth=(KEY, ""),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
        print(r.status_code)
    """,
    "aiohttp": """
        import asyncio, base64, aiohttp
        async def main():
            auth = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
            async with aiohttp.ClientSession() as s:   # no trust_env: the shim makes it the default
                async with s.post(API, data=FORM.encode(), headers={
                        "Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"}) as r:
                    print(r.status)
        asyncio.run(main())
    """,
    "urllib": """
        import base64, urllib.request
        req = urllib.request.Request(API, data=FORM.encode(), headers={
            "Authorization": "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()})
        print(urllib.request.urlopen(req, timeout=30).status)
    """,
    "stripe": """
        import stripe
        stripe.api_key = KEY                           # the default base URL: https://api.stripe.com
        print(stripe.PaymentIntent.create(amount=1299, currency="usd", metadata={"order_id": ORDER}).status)
    """,
    "stripe-httpx": """
        import asyncio, stripe
        async def main():
            client = stripe.StripeClient(KEY, http_client=stripe.HTTPXClient())
            pi = await client.v1.payment_intents.create_async(
                params={"amount": 1299, "currency": "usd", "metadata": {"order_id": ORDER}})
            print(pi.status)
        asyncio.run(main())
    """,
    "stripe-aiohttp": """
        import asyncio, stripe
        async def main():
            client = stripe.StripeClient(KEY, http_client=stripe.AIOHTTPClient())
            pi = await client.v1.payment_intents.create_async(
                params={"amount": 1299, "currency": "usd", "metadata": {"order_id": ORDER}})
            print(pi.status)
        asyncio.run(main())
    """,
}


@pytest.mark.parametrize("name", list(PYTHON_PROGRAMS))
def test_python_stacks(stack, tmp_path, name):
    head = f"API, KEY, ORDER = {API!r}, {KEY!r}, {name!r}\nFORM = {FORM!r}.format(order=ORDER)\n"
    script = tmp_path / "app.py"
    script.write_text(head + textwrap.dedent(PYTHON_PROGRAMS[name]))
    printed = run(stack, name, [sys.executable, str(script)])
    assert printed in ("200", "requires_payment_method")


def test_curl(stack):
    if not shutil.which("curl"):
        pytest.skip("curl is not installed")
    printed = run(stack, "curl", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30",
                                  "-u", f"{KEY}:", API, "-d", FORM.format(order="curl")])
    assert printed == "200"


NODE_HTTPS = """
const https = require('https');
const req = https.request(process.argv[2], {method: 'POST', auth: process.argv[3] + ':',
  headers: {'Content-Type': 'application/x-www-form-urlencoded'}}, (res) => {
  res.resume();
  res.on('end', () => console.log(res.statusCode));
});
req.on('error', (e) => { console.error('error', e.message); process.exit(1); });
req.end(process.argv[4]);
"""

STRIPE_NODE = """
const Stripe = require('stripe');
const stripe = new Stripe(process.env.STRIPE_API_KEY);      // the default host: api.stripe.com
stripe.paymentIntents.create({amount: 1299, currency: 'usd', metadata: {order_id: 'stripe-node'}})
  .then((pi) => console.log(pi.status))
  .catch((e) => { console.error('error', e.type, e.message); process.exit(1); });
"""


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (apt-get install nodejs)")
    return node


def test_node_https(stack, tmp_path):
    node = node_or_skip()
    (tmp_path / "app.js").write_text(NODE_HTTPS)
    assert run(stack, "node", [node, "app.js", API, KEY, FORM.format(order="node")], cwd=tmp_path) == "200"


def test_stripe_node(stack, tmp_path):
    node = node_or_skip()
    global_root = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True).stdout.strip() \
        if shutil.which("npm") else ""
    if not (global_root and os.path.isdir(os.path.join(global_root, "stripe"))):
        pytest.skip("stripe-node is not installed (npm install -g stripe)")
    (tmp_path / "app.js").write_text(STRIPE_NODE)
    assert run(stack, "stripe-node", [node, "app.js"], own_env={"NODE_PATH": global_root},
               cwd=tmp_path) == "requires_payment_method"


JAVA = """
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

public class App {
    public static void main(String[] args) throws Exception {
        HttpURLConnection c = (HttpURLConnection) new URL(args[0]).openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        String auth = Base64.getEncoder().encodeToString((args[1] + ":").getBytes(StandardCharsets.UTF_8));
        c.setRequestProperty("Authorization", "Basic " + auth);
        try (OutputStream out = c.getOutputStream()) {
            out.write(args[2].getBytes(StandardCharsets.UTF_8));
        }
        c.getInputStream().readAllBytes();
        System.out.println(c.getResponseCode());
    }
}
"""


JAVA_HTTPCLIENT = """
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

public class App {
    public static void main(String[] args) throws Exception {
        String auth = Base64.getEncoder().encodeToString((args[1] + ":").getBytes(StandardCharsets.UTF_8));
        HttpRequest req = HttpRequest.newBuilder(URI.create(args[0]))
            .header("Authorization", "Basic " + auth)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(args[2])).build();
        HttpResponse<String> resp = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        System.out.println(resp.statusCode());
    }
}
"""


@pytest.mark.parametrize("name, program", [("java", JAVA), ("java-httpclient", JAVA_HTTPCLIENT)])
def test_java(stack, tmp_path, name, program):
    java = shutil.which("java")
    if java is None or java_truststore(stack.info["ca_cert"]) is None:
        pytest.skip("no Java here (java and keytool, or cryptography >= 45)")
    (tmp_path / "App.java").write_text(program)
    assert run(stack, name, [java, "App.java", API, KEY, FORM.format(order=name)], cwd=tmp_path) == "200"


GO = """
package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
)

func main() {
	req, _ := http.NewRequest("POST", os.Args[1], strings.NewReader(os.Args[3]))
	req.SetBasicAuth(os.Args[2], "")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)  // the default transport: proxy from the environment
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(resp.StatusCode)
}
"""


def test_go(stack, tmp_path):
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed (apt-get install golang-go)")
    (tmp_path / "main.go").write_text(GO)
    cache = {"GOCACHE": str(tmp_path / "gocache"), "GOPATH": str(tmp_path / "gopath")}
    assert run(stack, "go", [go, "run", "main.go", API, KEY, FORM.format(order="go")], own_env=cache,
               cwd=tmp_path) == "200"


# -- the environment itself ------------------------------------------------------------------------------

def test_the_shims_are_found_inside_the_installed_package_and_shipped_as_package_data():
    folder = Path(shim_dir())
    assert folder == Path(SITECUSTOMIZE_DIR)
    assert (folder / "sitecustomize.py").is_file() and (folder / NODE_SHIM).is_file()
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = patterns["paychaos.proxies"]
    for shim in folder.iterdir():
        if shim.is_file():
            assert any(Path(f"forward_env/{shim.name}").match(p) for p in shipped), (shim.name, shipped)


def self_signed_ca(path: Path) -> str:
    """A CA certificate (PEM) of our own, standing in for mitmproxy's."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "paychaos test CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(path)


def test_the_apps_own_paths_and_options_stay_after_paychaos_and_its_own_settings_win(tmp_path):
    ca = self_signed_ca(tmp_path / "ca.pem")
    env = app_env("http://127.0.0.1:8080", ca, {
        "PYTHONPATH": "/app/src", "NODE_OPTIONS": "--max-old-space-size=512",
        "JAVA_TOOL_OPTIONS": "-Xmx256m", "SSL_CERT_FILE": "/app/own-ca.pem", "STRIPE_API_KEY": KEY,
    }, inherited={"PYTHONPATH": "/not/this", "NODE_OPTIONS": "--not-this"})
    assert env["PYTHONPATH"] == os.pathsep.join([SITECUSTOMIZE_DIR, "/app/src"])
    assert env["NODE_OPTIONS"] == f"{node_require()} --max-old-space-size=512"
    assert env["SSL_CERT_FILE"] == "/app/own-ca.pem" and env["STRIPE_API_KEY"] == KEY
    assert env["HTTPS_PROXY"] == "http://127.0.0.1:8080" and env["NODE_EXTRA_CA_CERTS"] == ca
    assert env["PAYCHAOS_CA_BUNDLE"] == env["REQUESTS_CA_BUNDLE"] == env["CURL_CA_BUNDLE"] == ca
    if shutil.which("keytool"):
        store = str(tmp_path / TRUSTSTORE_NAME)
        assert env["JAVA_TOOL_OPTIONS"] == f"{java_flags('http://127.0.0.1:8080', store)} -Xmx256m"


def test_the_java_trust_store_holds_the_ca_as_a_trusted_entry_and_is_written_once(tmp_path):
    keytool = shutil.which("keytool")
    if keytool is None:
        pytest.skip("no keytool here")
    ca = self_signed_ca(tmp_path / "ca.pem")
    store = java_truststore(ca)
    assert store == str(tmp_path / TRUSTSTORE_NAME)
    listing = subprocess.run([keytool, "-list", "-keystore", store, "-storetype", "PKCS12", "-storepass", "changeit"],
                             capture_output=True, text=True, timeout=120).stdout
    assert "paychaos, " in listing and "trustedCertEntry" in listing
    written = os.stat(store).st_mtime_ns
    assert java_truststore(ca) == store and os.stat(store).st_mtime_ns == written


def test_without_own_settings_the_inherited_ones_stay(tmp_path):
    env = app_env("http://127.0.0.1:8080", str(tmp_path / "ca.pem"), {},
                  inherited={"PYTHONPATH": "/inherited", "NODE_OPTIONS": ""})
    assert env["PYTHONPATH"] == os.pathsep.join([SITECUSTOMIZE_DIR, "/inherited"])
    assert env["NODE_OPTIONS"] == node_require()


def test_java_flags_name_the_proxy_and_the_pkcs12_store():
    flags = java_flags("http://127.0.0.1:4321", "/run/" + TRUSTSTORE_NAME)
    assert flags.split() == ["-Dhttps.proxyHost=127.0.0.1", "-Dhttps.proxyPort=4321",
                             f"-Djavax.net.ssl.trustStore=/run/{TRUSTSTORE_NAME}",
                             "-Djavax.net.ssl.trustStoreType=PKCS12", "-Djavax.net.ssl.trustStorePassword=changeit"]


def test_a_sitecustomize_the_shim_hides_still_runs(tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    (own / "sitecustomize.py").write_text("import os\nos.environ['APP_SITE_RAN'] = 'yes'\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SITECUSTOMIZE_DIR, str(own)]),
           "PAYCHAOS_CA_BUNDLE": str(tmp_path / "ca.pem")}
    out = subprocess.run([sys.executable, "-c", "import os, stripe; print(os.environ.get('APP_SITE_RAN'), "
                          "stripe.ca_bundle_path)"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["yes", str(tmp_path / "ca.pem")]


PROBE = ("import stripe, aiohttp, inspect; print(stripe.ca_bundle_path, "
         "inspect.signature(aiohttp.ClientSession.__init__).parameters['trust_env'].default)")


def probe(**env: str) -> list[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("PAYCHAOS_CA_BUNDLE", "PYTHONPATH")}
    out = subprocess.run([sys.executable, "-c", PROBE], env={**base, **env}, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_the_shim_points_stripe_at_the_ca_and_lets_aiohttp_read_the_proxy_only_when_asked(tmp_path):
    untouched = probe()
    assert untouched[1] == "False"
    assert probe(PYTHONPATH=SITECUSTOMIZE_DIR) == untouched          # without PAYCHAOS_CA_BUNDLE: nothing
    ca = str(tmp_path / "ca.pem")
    assert probe(PYTHONPATH=SITECUSTOMIZE_DIR, PAYCHAOS_CA_BUNDLE=ca) == [ca, "True"]
