"""The README's recipe for a private CA: ``SSL_CERT_FILE`` makes outgoing TLS (here a webhook
delivery, through the code's own httpx client) trust certificates of the operator's CA. A CA
and a server certificate are made with the ``openssl`` command; the receiver is a local HTTPS
server."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from advocacy.webhooks.delivery import Request, _post


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    work = tmp_path_factory.mktemp("ca")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=Advocacy Test CA", "-keyout", "ca.key", "-out", "ca.pem", cwd=work)  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "server.key", "-out", "server.csr", cwd=work)  # fmt: skip
    (work / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.pem",
            cwd=work)  # fmt: skip
    return work


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def https_receiver(certificates: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://localhost:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def delivery(url: str) -> Request:
    return Request(delivery_id=1, endpoint_id=1, attempt=1, url=url, body=b"{}", headers={})


async def test_a_receiver_with_a_private_ca_needs_ssl_cert_file(
    https_receiver: str, certificates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    refused = await _post(delivery(https_receiver))
    assert not refused.ok and "CERTIFICATE_VERIFY_FAILED" in (refused.error or "")
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates / "ca.pem"))
    trusted = await _post(delivery(https_receiver))
    assert trusted.ok and trusted.status_code == 200, trusted
