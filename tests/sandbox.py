"""A pytest plugin: the sandbox processor as a real separate process, one per test session.

Use the `processor` fixture: it points the session's app at the processor (PROCESSOR_URL,
PROCESSOR_PUBLIC_KEY_FILE) and returns a handle with `.url`, `.public_key_file`, `.keys_dir`,
`.stop()`, `.start()` and `.output()`. A test that needs the processor down takes
`processor_stopped`, which starts it again afterwards whatever happens.
"""
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

STOREFRONT = str(Path(sys.executable).with_name("storefront"))


def free_port():
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SandboxProcessor:
    """`storefront processor serve` on a fixed port and key directory, stoppable and restartable."""

    def __init__(self, keys_dir, log_dir, port):
        self.keys_dir = Path(keys_dir)
        self.public_key_file = self.keys_dir / "public.pem"
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.stdout_file = Path(log_dir) / "processor.out"
        self.stderr_file = Path(log_dir) / "processor.err"
        self._process = None

    def keygen(self):
        """Generate the key pair the way an operator does."""
        subprocess.run([STOREFRONT, "processor", "keygen", "--keys", str(self.keys_dir)],
                       check=True, capture_output=True, text=True)

    def start(self, timeout=20):
        """Start the process (same port, same keys) and wait until /health answers."""
        assert self._process is None, "the sandbox processor is already running"
        with open(self.stdout_file, "a") as out, open(self.stderr_file, "a") as err:
            self._process = subprocess.Popen(
                [STOREFRONT, "processor", "serve", "--port", str(self.port), "--keys",
                 str(self.keys_dir)], stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"the sandbox processor did not start:\n{self.output()}")
            time.sleep(0.05)

    def stop(self):
        """Stop the process (SIGTERM, as honcho does) and wait for it to exit."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    @property
    def running(self):
        """True while the process is up."""
        return self._process is not None and self._process.poll() is None

    def output(self):
        """Everything the process printed so far, stdout then stderr."""
        return "".join(path.read_text() for path in (self.stdout_file, self.stderr_file)
                       if path.exists())


@pytest.fixture(scope="session")
def processor(app, tmp_path_factory):
    """The sandbox processor, running for the whole session; the app is pointed at it."""
    handle = SandboxProcessor(tmp_path_factory.mktemp("processor-keys"),
                              tmp_path_factory.mktemp("processor-logs"), free_port())
    handle.keygen()
    handle.start()
    app.config["PROCESSOR_URL"] = handle.url
    app.config["PROCESSOR_PUBLIC_KEY_FILE"] = str(handle.public_key_file)
    yield handle
    handle.stop()


@pytest.fixture
def processor_stopped(processor):
    """The sandbox processor stopped for one test, started again after it."""
    processor.stop()
    try:
        yield processor
    finally:
        processor.start()
