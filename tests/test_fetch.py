"""Catalog URLs cannot aim the app at its own machine or network (mmcrec/fetch.py).

All traffic here goes to HTTP servers on 127.0.0.1 started by the test. Refusals of other
addresses are proven on literal IPs with the address check alone, which never connects.
"""
from __future__ import annotations

import http.server
import io
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from mmcrec.fetch import AddressPolicy, FetchError, Refused, fetch, non_public

from conftest import DEMO_CATALOG

PNG = io.BytesIO()
Image.new("RGB", (48, 48), (200, 30, 30)).save(PNG, format="PNG")
PNG = PNG.getvalue()
LOOPBACK_SPELLINGS = ["127.0.0.1", "localhost", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "[::1]",
                      "[::ffff:127.0.0.1]"]


class Server:
    """An HTTP server on 127.0.0.1: /shoe.png, /go?to=URL (302), /loop (redirects forever),
    /stream?n=N (N bytes, no Content-Length). Counts the requests each path got."""

    def __init__(self):
        self.hits: Counter[str] = Counter()
        self.hosts: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                u = urlsplit(self.path)
                outer.hits[u.path] += 1
                outer.hosts.append(self.headers.get("Host", ""))
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                if u.path == "/shoe.png":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", str(len(PNG)))
                    self.end_headers()
                    self.wfile.write(PNG)
                elif u.path in ("/go", "/loop"):
                    self.send_response(302)
                    self.send_header("Location", q.get("to", "/loop"))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif u.path == "/stream":
                    self.send_response(200)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    try:
                        self.wfile.write(b"\0" * int(q["n"]))
                    except OSError:  # the client stopped reading at its size limit
                        pass
                else:
                    self.send_error(404)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def other_server():
    s = Server()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def strict_by_default(monkeypatch):
    monkeypatch.delenv("MMCREC_ALLOW_PRIVATE_URLS", raising=False)


@dataclass(frozen=True)
class OnlyThisServer(AddressPolicy):
    """The strict policy, plus exactly one loopback server (address and port): lets a test make
    the first hop of a redirect while every other address is judged as in production."""

    port: int = 0

    def refusal(self, ip, port):
        if ip == ipaddress.ip_address("127.0.0.1") and port == self.port:
            return None
        return super().refusal(ip, port)


@pytest.mark.parametrize("address,kind", [
    ("10.0.0.1", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"), ("224.0.0.1", "multicast"), ("0.0.0.0", "unspecified"),
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("100.64.0.1", "not a public"),
    ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"),
    ("::1", "loopback"), ("::", "unspecified"), ("fe80::1", "link-local"), ("fc00::1", "private"),
    ("ff02::1", "multicast"), ("::ffff:10.0.0.1", "private"), ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:169.254.169.254", "link-local"), ("2002:7f00:1::1", "loopback"), ("64:ff9b::7f00:1", "reserved"),
])
def test_addresses_off_the_public_internet_are_refused(address, kind):
    ip = ipaddress.ip_address(address)
    assert kind in non_public(ip)
    assert kind in AddressPolicy().refusal(ip, 80)
    assert AddressPolicy(allow_private=True).refusal(ip, 80) is None


@pytest.mark.parametrize("address", ["8.8.8.8", "151.101.1.69", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert non_public(ipaddress.ip_address(address)) is None
    assert AddressPolicy().refusal(ipaddress.ip_address(address), 443) is None


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_strict_policy_refuses_every_spelling_of_loopback_before_connecting(server, host):
    url = f"http://{host}:{server.port}/shoe.png"
    for policy in (AddressPolicy(), None):  # explicit, and the default with no opt-in set
        with pytest.raises(Refused, match="loopback address.*MMCREC_ALLOW_PRIVATE_URLS=1"):
            fetch(url, max_bytes=1 << 20, policy=policy)
    assert sum(server.hits.values()) == 0


def test_the_operator_can_allow_private_addresses(server, monkeypatch):
    monkeypatch.setenv("MMCREC_ALLOW_PRIVATE_URLS", "1")
    assert fetch(f"{server.base}/shoe.png", max_bytes=1 << 20) == PNG
    assert fetch(f"http://2130706433:{server.port}/shoe.png", max_bytes=1 << 20) == PNG
    assert server.hits["/shoe.png"] == 2


def test_only_http_and_https(server):
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/_x"):
        with pytest.raises(FetchError, match="not an http"):
            fetch(url, max_bytes=100, policy=AddressPolicy(allow_private=True))


def test_redirects_are_followed_and_every_hop_is_checked(server, other_server):
    policy = OnlyThisServer(port=server.port)
    assert fetch(f"{server.base}/go?to=/shoe.png", max_bytes=1 << 20, policy=policy) == PNG  # followed
    for host in ("127.0.0.1", "localhost", "127.1", "2130706433", "[::1]"):
        hop = f"http://{host}:{other_server.port}/shoe.png"
        with pytest.raises(Refused, match=r"loopback address") as e:
            fetch(f"{server.base}/go?to={hop}", max_bytes=1 << 20, policy=policy)
        assert "redirected from" in str(e.value)
    # the first hop on the allowed server was made each time, the second server never heard a thing
    assert server.hits["/go"] == 6 and sum(other_server.hits.values()) == 0
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(f"{server.base}/loop", max_bytes=1 << 20, policy=policy)
    assert server.hits["/loop"] == 6


def test_the_connection_goes_to_the_address_that_was_checked(server, monkeypatch):
    """DNS rebinding: a name answers an allowed address when checked and a refused one after.
    The fetch resolves once and connects to what it checked, sending the name as Host."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1"] + ["127.0.0.2"] * 10)  # 127.0.0.2: refused by the policy, nothing listens

    def rebinding_dns(host, port, *a, **kw):
        if host == "shop.rebind.test":
            return real(next(answers), port, *a, **kw)
        return real(host, port, *a, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    assert fetch(f"http://shop.rebind.test:{server.port}/shoe.png", max_bytes=1 << 20,
                 policy=OnlyThisServer(port=server.port)) == PNG
    assert server.hosts == [f"shop.rebind.test:{server.port}"]
    with pytest.raises(Refused, match="shop.rebind.test resolves to 127.0.0.2"):  # the next lookup
        fetch(f"http://shop.rebind.test:{server.port}/shoe.png", max_bytes=1 << 20, policy=OnlyThisServer(port=server.port))


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command to make a test certificate")
def test_https_checks_the_certificate_against_the_name_not_the_address(server, tmp_path, monkeypatch):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server.httpd.socket = tls.wrap_socket(server.httpd.socket, server_side=True)
    policy = OnlyThisServer(port=server.port)
    with pytest.raises(FetchError, match="certificate verify failed"):  # not trusted yet
        fetch(f"https://localhost:{server.port}/shoe.png", max_bytes=1 << 20, policy=policy)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    assert fetch(f"https://localhost:{server.port}/shoe.png", max_bytes=1 << 20, policy=policy) == PNG
    with pytest.raises(FetchError, match="not valid for '127.0.0.1'"):  # the certificate names localhost
        fetch(f"https://127.0.0.1:{server.port}/shoe.png", max_bytes=1 << 20, policy=policy)
    assert server.hosts == [f"localhost:{server.port}"]  # one request: the trusted one


def test_size_limit_holds_without_a_content_length(server):
    policy = OnlyThisServer(port=server.port)
    assert len(fetch(f"{server.base}/stream?n=5000", max_bytes=5000, policy=policy)) == 5000
    with pytest.raises(FetchError, match="larger than"):
        fetch(f"{server.base}/stream?n=300000", max_bytes=200_000, policy=policy)


def _mixed_catalog(tmp_path: Path, port: int) -> Path:
    """A good local picture, a loopback URL, a decimal-loopback URL, then another good row."""
    df = pd.read_csv(DEMO_CATALOG, dtype=str, keep_default_na=False).head(2)
    (tmp_path / "images").mkdir()
    for img in df["image"]:
        (tmp_path / img).write_bytes((DEMO_CATALOG.parent / img).read_bytes())
    rows = pd.DataFrame({
        "item_id": [df["item_id"].iat[0], "loop-shoe", "decimal-shoe", df["item_id"].iat[1]],
        "title": [df["title"].iat[0], "Loopback Shoe", "Decimal Shoe", df["title"].iat[1]],
        "image": [df["image"].iat[0], f"http://127.0.0.1:{port}/shoe.png", f"http://2130706433:{port}/shoe.png",
                  df["image"].iat[1]],
    })
    path = tmp_path / "shop.csv"
    rows.to_csv(path, index=False)
    return path


def test_index_reports_refused_rows_and_indexes_the_rest(server, tmp_path, capsys, monkeypatch):
    """`mmcrec index` on a catalog mixing good rows with loopback URLs: the refused rows are
    listed by row number and item, and nothing reaches the server."""
    from mmcrec.cli import main

    path = _mixed_catalog(tmp_path, server.port)
    monkeypatch.setenv("MMCREC_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["index", "--catalog", str(path), "--encoder", "offline"]) == 0
    out, err = capsys.readouterr()
    assert "indexed 4 items" in out
    skipped = [line.strip() for line in err.splitlines() if "skipped" in line]
    assert len(skipped) == 2
    assert skipped[0].startswith("skipped row 2 (loop-shoe): refused to fetch http://127.0.0.1:")
    assert skipped[1].startswith("skipped row 3 (decimal-shoe): refused to fetch http://2130706433:")
    assert all("loopback address" in line for line in skipped)
    assert sum(server.hits.values()) == 0


def test_after_opting_in_the_refused_rows_are_fetched(server, tmp_path, encoder, monkeypatch):
    """Refusals are not cached as unreadable images: the next run after the opt-in fetches them."""
    from mmcrec.catalog import load_catalog
    from mmcrec.embedding_cache import build_index

    monkeypatch.setenv("MMCREC_CACHE_DIR", str(tmp_path / "cache"))
    cat = load_catalog(_mixed_catalog(tmp_path, server.port))
    ix = build_index(cat, encoder)
    assert ix.has_image.tolist() == [True, False, False, True]
    assert [(i.row, i.item_id) for i in ix.issues] == [(2, "loop-shoe"), (3, "decimal-shoe")]
    assert np.abs(ix.text[1]).sum() > 0  # the refused rows are still searchable by their words
    assert sum(server.hits.values()) == 0

    monkeypatch.setenv("MMCREC_ALLOW_PRIVATE_URLS", "1")
    again = build_index(load_catalog(cat.path), encoder)
    assert (again.stats["embedded"], again.stats["reused"]) == (2, 2)
    assert again.has_image.all() and again.issues == []
    assert server.hits["/shoe.png"] == 2


def test_thumbnail_of_a_refused_url_is_the_placeholder(server, demo_rec, tmp_path, monkeypatch):
    from app_support import make_ctx

    ctx = make_ctx(demo_rec, tmp_path)
    placeholder = np.asarray(Image.open(ctx.thumbnail({"item_id": "none", "image": ""})))
    url = f"http://127.1:{server.port}/shoe.png"
    refused = np.asarray(Image.open(ctx.thumbnail({"item_id": "loop", "image": url})))
    assert np.array_equal(refused, placeholder) and sum(server.hits.values()) == 0

    monkeypatch.setenv("MMCREC_ALLOW_PRIVATE_URLS", "1")
    fetched = np.asarray(Image.open(ctx.thumbnail({"item_id": "loop", "image": url})))  # the refusal was not kept
    assert server.hits["/shoe.png"] == 1
    assert fetched[..., 0].mean() > 150 and fetched[..., 1].mean() < 80  # the red picture it served
