"""Starts the real lrsched server (src/server.ts, through tsx) for the tests, on a real SQLite file."""

import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
FIXTURE = REPO / "test" / "fixtures" / "pytorch-lr-schedulers.json"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def golden_cases():
    with open(FIXTURE) as f:
        return json.load(f)["cases"]


class Server:
    """One server process; `restart()` starts a new one on the same port and database.
    `script` is the program to run, src/server.ts or a test server built on the same app."""

    def __init__(self, port=None, database=None, script="src/server.ts"):
        self.script = script
        self._dir = tempfile.TemporaryDirectory(prefix="lrsched-py-")
        self.port = port or free_port()
        self.database = database or os.path.join(self._dir.name, "lrsched.db")
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        env = {**os.environ, "PORT": str(self.port), "HOST": "127.0.0.1", "DATABASE_PATH": self.database, "LOG_LEVEL": "info"}
        self.process = subprocess.Popen(
            [os.environ.get("LRSCHED_NODE", "node"), "--import", "tsx", self.script],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        ready = threading.Event()
        logs = []

        def read():
            for line in self.process.stdout:
                logs.append(line)
                if "Server listening at" in line:
                    ready.set()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        if not ready.wait(60):
            self.kill()
            raise RuntimeError("server did not start:\n" + "".join(logs))
        return self

    def kill(self):
        """SIGKILL: no shutdown, no flush, as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        if self.process:
            self._reader.join(5)
            self.process.stdout.close()

    def restart(self):
        self.kill()
        return self.start()

    def stop(self):
        self.kill()
        self._dir.cleanup()


class ServerTestCase(unittest.TestCase):
    """Tests sharing one real server, started before the first and stopped after the last;
    `server_script` is the program it runs (see Server)."""

    server_script = "src/server.ts"

    @classmethod
    def setUpClass(cls):
        cls.server = Server(script=cls.server_script).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()


def wait_until(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
