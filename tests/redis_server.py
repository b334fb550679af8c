"""A real redis-server on a free loopback port, for the tests and benches of the shared verdict store.

With TLS, the server speaks only TLS (no plain port), with a certificate from a throwaway
certificate authority made by ``openssl`` for this server alone.
"""

from __future__ import annotations

import functools
import shutil
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Certificates:
    """A throwaway certificate authority and a server certificate it signed, as PEM files."""

    ca: Path
    ca_key: Path
    cert: Path
    key: Path


def make_certificates(directory: Path, names: tuple[str, ...] = ("127.0.0.1", "localhost"),
                      authority: Certificates | None = None, usage: str = "serverAuth,clientAuth") -> Certificates:
    """A certificate for ``names`` (IP addresses or host names) signed by ``authority``'s CA, or by a new CA;
    the files are written into ``directory``.  By default it serves a server, and :func:`connect` as a
    client; ``usage="clientAuth"`` makes a client's certificate only."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise FileNotFoundError("openssl is not on PATH")
    directory.mkdir(parents=True, exist_ok=True)
    ca, ca_key = (authority.ca, authority.ca_key) if authority else (directory / "ca.pem", directory / "ca.key")
    files = Certificates(ca, ca_key, directory / "server.pem", directory / "server.key")
    request, extensions = directory / "server.csr", directory / "server.ext"
    alt_names = ",".join(f"IP:{name}" if name.replace(".", "").isdigit() else f"DNS:{name}" for name in names)
    extensions.write_text(f"subjectAltName={alt_names}\nbasicConstraints=CA:FALSE\n"
                          f"keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage={usage}\n"
                          "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    commands = [] if authority else [
        ["req", "-x509", *key, "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=throwaway test CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]]
    commands += [
        ["req", *key, "-keyout", files.key, "-out", request, "-subj", f"/CN={names[0]}"],
        ["x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-set_serial", str(time.time_ns()),
         "-days", "2", "-out", files.cert, "-extfile", extensions],
    ]
    for command in commands:
        subprocess.run([openssl, *map(str, command)], check=True, capture_output=True, timeout=60)
    return files


@functools.cache
def tls_unsupported() -> str | None:
    """Why this redis-server cannot serve TLS, or None when it can."""
    executable = shutil.which("redis-server")
    if executable is None:
        return "redis-server is not on PATH"
    # With TLS built in, the tls-port directive is read and the server exits at once: it listens nowhere.
    probe = subprocess.run([executable, "--port", "0", "--tls-port", "0", "--save", "", "--appendonly", "no"],
                           capture_output=True, text=True, timeout=30)
    said = probe.stdout + probe.stderr
    if "not listen anywhere" in said:
        return None
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    return f"this redis-server has no TLS ({lines[-1] if lines else f'exit status {probe.returncode}'})"


def connect(port: int, certificates: Certificates | None = None, timeout: float = 5) -> socket.socket:
    """A connection to the server on ``port``, through TLS when given ``certificates`` (trusting only their
    CA, whatever names the server's certificate holds: some tests give it the wrong ones on purpose)."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if certificates is None:
        return connection
    context = ssl.create_default_context(cafile=str(certificates.ca))
    context.check_hostname = False
    context.load_cert_chain(str(certificates.cert), str(certificates.key))  # for a server that asks for one
    return context.wrap_socket(connection)


def answers_ping(port: int, certificates: Certificates | None = None) -> bool:
    try:
        with connect(port, certificates, timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


class RedisServer:
    """``redis-server`` started on 127.0.0.1 with its files in ``directory``; ``stop()`` ends it.

    With ``persist``, ``stop()`` saves the data to ``directory/dump.rdb`` and ``start()`` loads it
    again, so a test can stop the server mid-run and bring it back with what it held.  With
    ``certificates``, it listens for TLS only; with ``client_certificates`` too, clients must show a
    certificate signed by the same CA.
    """

    def __init__(self, directory: Path, persist: bool = False, port: int | None = None, *options: str,
                 certificates: Certificates | None = None, client_certificates: bool = False):
        self.directory = directory
        self.options = options
        self.persist = persist
        self.port = port or 0
        self.certificates = certificates
        self.client_certificates = client_certificates
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's URL; with TLS, ``rediss://`` without a CA (add ``?ssl_ca_certs=...`` to trust it)."""
        return f"{'rediss' if self.certificates else 'redis'}://127.0.0.1:{self.port}/0"

    def _listen(self, port: int) -> list[str]:
        if self.certificates is None:
            return ["--port", str(port)]
        return ["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(self.certificates.cert),
                "--tls-key-file", str(self.certificates.key), "--tls-ca-cert-file", str(self.certificates.ca),
                "--tls-auth-clients", "yes" if self.client_certificates else "no"]

    def start(self) -> "RedisServer":
        executable = shutil.which("redis-server")
        if executable is None:
            raise FileNotFoundError("redis-server is not on PATH")
        self.directory.mkdir(parents=True, exist_ok=True)
        for _ in range(5):  # another process may take the free port first
            port = self.port or free_port()
            process = subprocess.Popen(
                [executable, *self._listen(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.directory), "--dbfilename", "dump.rdb", "--protected-mode", "yes", *self.options],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while process.poll() is None and time.monotonic() < deadline:
                if answers_ping(port, self.certificates):
                    self.port, self.process = port, process
                    return self
                time.sleep(0.02)
            process.kill()
            process.wait()
            if self.port:
                break
        raise RuntimeError(f"redis-server did not start on 127.0.0.1 (files in {self.directory})")

    def command(self, *words: str) -> bytes:
        """One command in Redis's inline form, its raw reply (for tests that plant values use redis-py)."""
        with connect(self.port, self.certificates) as connection:
            if "--requirepass" in self.options:
                password = self.options[self.options.index("--requirepass") + 1]
                connection.sendall(f"AUTH {password}\r\n".encode())
                connection.recv(64)
            connection.sendall(" ".join(words).encode() + b"\r\n")
            return connection.recv(65536)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.persist and self.process.poll() is None:
            try:
                self.command("SHUTDOWN", "SAVE")
            except OSError:
                pass
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
