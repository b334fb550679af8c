"""A real redis-server on a free loopback port, for the tests and benches of the shared verdict store."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


class RedisServer:
    """``redis-server`` started on 127.0.0.1 with its files in ``directory``; ``stop()`` ends it.

    With ``persist``, ``stop()`` saves the data to ``directory/dump.rdb`` and ``start()`` loads it
    again, so a test can stop the server mid-run and bring it back with what it held.
    """

    def __init__(self, directory: Path, persist: bool = False, port: int | None = None, *options: str):
        self.directory = directory
        self.options = options
        self.persist = persist
        self.port = port or 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        executable = shutil.which("redis-server")
        if executable is None:
            raise FileNotFoundError("redis-server is not on PATH")
        self.directory.mkdir(parents=True, exist_ok=True)
        for _ in range(5):  # another process may take the free port first
            port = self.port or free_port()
            process = subprocess.Popen(
                [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.directory), "--dbfilename", "dump.rdb", "--protected-mode", "yes", *self.options],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while process.poll() is None and time.monotonic() < deadline:
                if answers_ping(port):
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
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
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
