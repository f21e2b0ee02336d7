"""Mail test helpers: outbox rows, and the worker as a real process."""
import os
import subprocess
import time
from itertools import count

import pytest

from storefront.mail.models import OutboxMessage
from tests.sandbox import STOREFRONT

_numbers = count(1)


def make_message(**overrides):
    """An outbox row as enqueue writes it (both bodies, a unique Message-ID)."""
    number = next(_numbers)
    fields = {"message_id": f"<test-{number}-{time.monotonic_ns()}@example.com>",
              "category": "test", "recipient": f"buyer{number}@example.com",
              "subject": f"Your order, message {number}",
              "body_text": f"Hello,\n\nThis is message {number}.\n",
              "body_html": f"<p>Hello,</p><p>This is message <b>{number}</b>.</p>"}
    fields.update(overrides)
    return OutboxMessage.create(**fields)


def make_messages(n, **overrides):
    """n rows in one transaction."""
    with OutboxMessage._meta.database.atomic():
        return [make_message(**overrides) for _ in range(n)]


def reload(row):
    return OutboxMessage.get_by_id(row.id)


def wait_until(predicate, timeout=30, what="the condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


class WorkerProcesses:
    """`storefront worker` as real processes against the test database and the SMTP sink."""

    def __init__(self, database_url, sink, log_dir):
        self.database_url, self.sink, self.log_dir = database_url, sink, log_dir
        self.running = []

    def start(self, *args, **env):
        """Start one worker; env adds settings (MAIL_CLAIM_SECONDS=...)."""
        environment = {**os.environ, "DATABASE_URL": self.database_url,
                       "SMTP_URL": self.sink.url, **{k: str(v) for k, v in env.items()}}
        log = open(self.log_dir / f"worker-{len(self.running)}.log", "w+")
        process = subprocess.Popen([STOREFRONT, "worker", *args], env=environment,
                                   stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        process.log = log
        self.running.append(process)
        return process

    def run(self, *args, timeout=120, **env):
        """Start one worker and wait for it to exit; return its output."""
        process = self.start(*args, **env)
        process.wait(timeout=timeout)
        assert process.returncode == 0, self.output(process)
        return self.output(process)

    @staticmethod
    def output(process):
        process.log.seek(0)
        return process.log.read()

    def stop_all(self):
        for process in self.running:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.log.close()


@pytest.fixture
def workers(database_url, smtp_sink, tmp_path):
    """Start `storefront worker` processes; any still running are killed after the test."""
    handle = WorkerProcesses(database_url, smtp_sink, tmp_path)
    yield handle
    handle.stop_all()
