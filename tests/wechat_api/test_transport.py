"""common.wechat.transport: kept connections, and "never sent" told from "maybe sent", against
a raw HTTP server on a loopback socket that answers as each test needs (closing while idle,
never answering, answering half)."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from common.wechat import transport
from common.wechat.transport import HttpClient, NoAnswer, NotSent, Timeout
from tests.fakes.serving import free_port

FAST = Timeout(read=0.5, connect=1.0)
OK = b'{"errcode":0,"errmsg":"ok"}'


@dataclass
class Server:
    """What the raw server saw: one list of request heads per connection."""

    port: int
    connections: list[list[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[bytes]:
        return [head for heads in self.connections for head in heads]


def answer(body: bytes = OK, *, close: bool = False, length: int | None = None) -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body) if length is None else length}\r\n"
        + ("Connection: close\r\n" if close else "")
        + "\r\n"
    )
    return head.encode() + body


def read_request(conn: socket.socket) -> bytes | None:
    """One request's head (its body read and dropped); None when the client closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        body += conn.recv(65536)
    return head


# What the server does with one connection: (the socket, the heads it read so far) -> None.
Behaviour = Callable[[socket.socket, list[bytes]], None]


@contextmanager
def raw_server(behaviour: Behaviour) -> Iterator[Server]:
    server = Server(free_port())
    listener = socket.create_server(("127.0.0.1", server.port))
    listener.settimeout(0.1)
    stop = threading.Event()
    handlers: list[threading.Thread] = []
    open_connections: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            heads: list[bytes] = []
            server.connections.append(heads)
            open_connections.append(conn)
            handler = threading.Thread(target=_handle, args=(conn, heads), daemon=True)
            handlers.append(handler)
            handler.start()

    def _handle(conn: socket.socket, heads: list[bytes]) -> None:
        with conn, suppress(OSError):
            behaviour(conn, heads)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for conn in open_connections:  # the client's kept ones: the handlers wait on them
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for handler in handlers:
            handler.join(5)


def keep_alive(conn: socket.socket, heads: list[bytes]) -> None:
    while (head := read_request(conn)) is not None:
        heads.append(head)
        conn.sendall(answer())


CLOSED = threading.Event()


def one_answer_then_close(conn: socket.socket, heads: list[bytes]) -> None:
    """Answers as if it kept the connection, then closes it (a server's idle timeout)."""
    head = read_request(conn)
    if head is not None:
        heads.append(head)
        conn.sendall(answer())
    conn.close()
    CLOSED.set()


@pytest.fixture
def client() -> Iterator[HttpClient]:
    http = HttpClient(FAST)
    yield http
    http.close()


def test_calls_share_one_kept_connection_and_answers_are_read_whole(client):
    with raw_server(keep_alive) as server:
        for number in range(3):
            response = client.request(
                "POST",
                server.url + "/cgi-bin/message/custom/send?x=1",
                params={"access_token": f"T{number}"},
                content="你好".encode(),
                headers={"Content-Type": "application/json"},
            )
            assert response.status_code == 200
            assert response.json() == {"errcode": 0, "errmsg": "ok"}
            assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert len(server.connections) == 1
        assert server.requests[2].startswith(
            b"POST /cgi-bin/message/custom/send?x=1&access_token=T2 HTTP/1.1\r\n"
        )


def test_a_connection_the_server_closed_while_idle_is_not_used(client):
    with raw_server(one_answer_then_close) as server:
        CLOSED.clear()
        assert client.request("GET", server.url + "/a").status_code == 200
        # The server has closed its end; the next call must not go out on that socket.
        assert CLOSED.wait(5)
        response = client.request("POST", server.url + "/b", content=b"{}")
        assert response.json()["errcode"] == 0
        assert [len(heads) for heads in server.connections] == [1, 1]


def test_an_answer_that_says_close_is_not_kept(client):
    def closing(conn: socket.socket, heads: list[bytes]) -> None:
        while (head := read_request(conn)) is not None:
            heads.append(head)
            conn.sendall(answer(close=True))
            return

    with raw_server(closing) as server:
        client.request("GET", server.url + "/a")
        client.request("GET", server.url + "/b")
        assert [len(heads) for heads in server.connections] == [1, 1]


def test_nothing_listening_is_not_sent(client):
    with pytest.raises(NotSent):
        client.request("POST", f"http://127.0.0.1:{free_port()}/x", content=b"{}")


def test_no_answer_in_time_may_have_been_sent(client):
    def silent(conn: socket.socket, heads: list[bytes]) -> None:
        head = read_request(conn)
        if head is not None:
            heads.append(head)
        conn.recv(1)  # until the client gives up and closes

    with raw_server(silent) as server:
        with pytest.raises(NoAnswer):
            client.request("POST", server.url + "/x", content=b"{}")
        assert len(server.requests) == 1  # it did go out: sending again may duplicate it


def test_an_answer_cut_short_may_have_been_sent(client):
    def half(conn: socket.socket, heads: list[bytes]) -> None:
        head = read_request(conn)
        if head is not None:
            heads.append(head)
            conn.sendall(answer(b'{"errcode"', length=100))

    with raw_server(half) as server:
        with pytest.raises(NoAnswer):
            client.request("POST", server.url + "/x", content=b"{}")
        # A broken connection is not kept: the next call opens a new one.
        with pytest.raises(NoAnswer):
            client.request("POST", server.url + "/y", content=b"{}")
        assert len(server.connections) == 2


def test_an_http_proxy_from_the_environment_gets_the_whole_url(client, monkeypatch):
    with raw_server(keep_alive) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        transport._proxy.cache_clear()
        try:
            client.request("GET", "http://api.weixin.example/cgi-bin/x", params={"a": "1"})
        finally:
            transport._proxy.cache_clear()
        assert proxy.requests[0].startswith(
            b"GET http://api.weixin.example/cgi-bin/x?a=1 HTTP/1.1\r\n"
        )


def _certificate(tmp_path) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wugong test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


def test_https_checks_the_certificate(client, tmp_path, monkeypatch):
    """An untrusted certificate is refused before anything is sent; a trusted one works."""
    cert_file, key_file = _certificate(tmp_path)
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert_file, key_file)

    def tls(conn: socket.socket, heads: list[bytes]) -> None:
        try:
            wrapped = server_side.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate
        with wrapped:
            one_answer_then_close(wrapped, heads)

    with raw_server(tls) as server:
        url = f"https://127.0.0.1:{server.port}/cgi-bin/x"
        with pytest.raises(NotSent):
            client.request("POST", url, content=b"{}")
        assert server.requests == []
        trusting = ssl.create_default_context(cafile=cert_file)
        monkeypatch.setattr(transport, "_tls", lambda: trusting)
        assert client.request("POST", url, content=b"{}").json()["errcode"] == 0
        assert len(server.requests) == 1
