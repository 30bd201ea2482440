"""Fetching the URLs a catalog names, without letting a catalog aim the app at its own network.

Every URL the app downloads (catalog images, while indexing and for thumbnails) goes through
`fetch`. Each hop, redirects included, is checked the same way: http(s) only, the host name is
resolved once, the fetch is refused if any of its addresses is not a public one (loopback in any
spelling, private, link-local such as cloud metadata, multicast, reserved), and the connection
goes to the address that was checked, so a DNS answer that changes between check and connect
cannot slip through. The operator opts in to private addresses with MMCREC_ALLOW_PRIVATE_URLS=1.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

ALLOW_PRIVATE_ENV = "MMCREC_ALLOW_PRIVATE_URLS"
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(ValueError):
    """A URL that could not be fetched, with a message that names it."""


class Refused(FetchError):
    """A URL the address policy does not allow; nothing was sent to it."""


def non_public(ip: IPAddress) -> str | None:
    """What makes `ip` something other than a public unicast address, or None when it is one."""
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address reach that address: judge the IPv4 one
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is not None:
            why = non_public(inner)
            return f"{why} ({inner})" if why else None
    for test, what in (
        (ip.is_loopback, "a loopback address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    ):
        if test:
            return what
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses a fetch may connect to. The default is strict: public addresses only."""

    allow_private: bool = False

    @classmethod
    def from_env(cls) -> AddressPolicy:
        """The policy the settings ask for (allow_private_urls: MMCREC_ALLOW_PRIVATE_URLS)."""
        from . import settings

        return cls(allow_private=settings.current().allow_private_urls)

    def refusal(self, ip: IPAddress, port: int) -> str | None:
        """Why a fetch may not connect to ip:port, or None when it may (the port is there for
        narrower policies; this one judges the address alone)."""
        if self.allow_private:
            return None
        return non_public(ip)


def fetch(url: str, *, max_bytes: int, timeout: float = 10.0, total_timeout: float = 60.0,
          policy: AddressPolicy | None = None) -> bytes:
    """The body of `url` (at most max_bytes), following up to MAX_REDIRECTS redirects.

    `timeout` bounds each connect and read, `total_timeout` the whole download; `policy`
    defaults to the strict one unless the operator opted in through the environment.
    """
    policy = AddressPolicy.from_env() if policy is None else policy
    deadline = time.monotonic() + total_timeout
    first = url
    for hop in range(MAX_REDIRECTS + 1):
        name = _short(url) if hop == 0 else f"{_short(url)} (redirected from {_short(first)})"
        if time.monotonic() > deadline:
            raise FetchError(f"cannot download {name}: too slow (gave up after {total_timeout:.0f} s)")
        scheme, host, port, target = _parse(url, name)
        ips = _vetted_addresses(host, port, policy, name)
        conn = _connect(scheme, host, port, ips, timeout, name)
        try:
            conn.request("GET", target, headers={"Accept": "image/*,*/*;q=0.8", "Accept-Encoding": "identity",
                                                 "User-Agent": "mmcrec"})
            r = conn.getresponse()
            if r.status in REDIRECTS:
                location = r.getheader("Location")
                if not location:
                    raise FetchError(f"cannot download {name}: HTTP {r.status} without a Location")
                url = urljoin(url, location.strip())
                continue
            if r.status != 200:
                raise FetchError(f"cannot download {name}: HTTP {r.status} {r.reason}")
            return _body(r, max_bytes, deadline, name)
        except (OSError, http.client.HTTPException) as e:
            raise FetchError(f"cannot download {name}: {e}") from e
        finally:
            conn.close()
    raise FetchError(f"cannot download {_short(first)}: more than {MAX_REDIRECTS} redirects")


def _short(url: str, n: int = 200) -> str:
    return url if len(url) <= n else url[: n - 1] + "…"


def _parse(url: str, name: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, request target) of an http(s) URL."""
    try:
        u = urlsplit(url)
        port = u.port
    except ValueError as e:
        raise FetchError(f"not a valid URL: {name}: {e}") from e
    scheme = u.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"not an http(s) URL: {name}")
    if not u.hostname:
        raise FetchError(f"URL has no host: {name}")
    # percent-encode what http.client would refuse to send (spaces, non-ASCII), keep the rest
    target = quote(u.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if u.query:
        target += "?" + quote(u.query, safe="/%:@!$&'()*+,;=-._~?")
    return scheme, u.hostname, port or (443 if scheme == "https" else 80), target


def _vetted_addresses(host: str, port: int, policy: AddressPolicy, name: str) -> list[str]:
    """Every address `host` resolves to, if the policy allows them all."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        raise FetchError(f"cannot download {name}: cannot resolve {host}: {e}") from e
    ips = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for ip in ips:
        why = policy.refusal(ipaddress.ip_address(ip), port)
        if why:
            shown = f"{host} is" if host == ip else f"{host} resolves to {ip},"
            raise Refused(f"refused to fetch {name}: {shown} {why}; set {ALLOW_PRIVATE_ENV}=1 to allow private addresses")
    if not ips:
        raise FetchError(f"cannot download {name}: {host} has no address")
    return ips


def _connect(scheme: str, host: str, port: int, ips: list[str], timeout: float, name: str) -> http.client.HTTPConnection:
    """A connection to one of the vetted addresses, speaking to `host` (Host header, TLS SNI and
    certificate check use the name, never a second lookup of it)."""
    err: OSError | None = None
    for ip in ips:
        try:
            sock = socket.create_connection((ip, port), timeout)
        except OSError as e:
            err = e
            continue
        if scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=timeout)
            try:
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
            except OSError as e:
                sock.close()
                raise FetchError(f"cannot download {name}: {e}") from e
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.sock = sock
        return conn
    raise FetchError(f"cannot download {name}: {err}")


def _body(r: http.client.HTTPResponse, max_bytes: int, deadline: float, name: str) -> bytes:
    too_big = FetchError(f"{name} is larger than {max_bytes / 1e6:.0f} MB")
    length = r.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        raise too_big
    chunks, n = [], 0
    while chunk := r.read(64 * 1024):
        n += len(chunk)
        if n > max_bytes:
            raise too_big
        if time.monotonic() > deadline:
            raise FetchError(f"cannot download {name}: too slow (gave up after the time limit)")
        chunks.append(chunk)
    return b"".join(chunks)
