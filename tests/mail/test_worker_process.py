"""`storefront worker` as a real process: killed mid-batch, stopped with SIGTERM, and two at
once on PostgreSQL. Nothing is lost; a Message-ID always stands for the same bytes."""
import signal
import smtplib
import subprocess
import time
from collections import Counter, defaultdict

import pytest

from storefront.db import database, is_sqlite
from storefront.mail.models import OutboxMessage

from tests.mail.conftest import make_messages, wait_until
from tests.sandbox import STOREFRONT, free_port


def by_message_id(sink):
    """{Message-ID: [raw bytes of each copy received]}."""
    copies = defaultdict(list)
    for raw, message in zip(sink.raw(), sink.messages(), strict=True):
        copies[message["Message-ID"]].append(raw)
    return copies


def statuses():
    return Counter(row.status for row in OutboxMessage.select(OutboxMessage.status))


def test_a_worker_killed_mid_batch_loses_nothing_and_resends_the_same_message(
        db, smtp_sink, workers):
    rows = make_messages(24)
    smtp_sink.delay = 0.15  # each message is stored, then acknowledged 0.15 s later
    process = workers.start("--batch", "8", "--poll", "0.1", MAIL_CLAIM_SECONDS=3)
    wait_until(lambda: smtp_sink.count() >= 3, what="the first messages")
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = time.monotonic()
    database.close()
    # Mid-batch: some rows sent, the rest of the batch still claimed under the dead lease.
    assert statuses()[OutboxMessage.SENDING] >= 1, statuses()

    smtp_sink.delay = 0
    time.sleep(max(0.0, 3.2 - (time.monotonic() - killed_at)))  # the lease runs out
    workers.run("--once", "--batch", "8")

    copies = by_message_id(smtp_sink)
    assert set(copies) == {row.message_id for row in rows}  # every message arrived
    resent = {mid: raws for mid, raws in copies.items() if len(raws) > 1}
    assert len(resent) <= 1  # at most the one in flight when the worker died ...
    for raws in resent.values():
        assert len(set(raws)) == 1  # ... and then byte for byte the same message
    assert statuses() == {OutboxMessage.SENT: 24}


def test_sigterm_stops_the_worker_after_the_current_message(db, smtp_sink, workers):
    make_messages(10)
    smtp_sink.delay = 0.3
    process = workers.start("--batch", "10", "--poll", "0.1")
    wait_until(lambda: smtp_sink.count() >= 2, what="the first messages")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0, workers.output(process)
    assert "mail worker stopped" in workers.output(process)
    database.close()
    sent = statuses()[OutboxMessage.SENT]
    assert sent == smtp_sink.count() and 2 <= sent < 10  # the message in flight finished
    # The untried claims were given back at once, their attempt not counted.
    waiting = OutboxMessage.select().where(OutboxMessage.status == OutboxMessage.PENDING)
    assert waiting.count() == 10 - sent and all(row.attempts == 0 for row in waiting)


def test_two_workers_on_postgresql_deliver_each_message_exactly_once(db, smtp_sink, workers):
    if is_sqlite():
        pytest.skip("several workers share the outbox on PostgreSQL (SKIP LOCKED); on SQLite "
                    "one worker is enough")
    rows = make_messages(500)
    first = workers.start("--once", "--batch", "10")
    second = workers.start("--once", "--batch", "10")
    for process in (first, second):
        assert process.wait(timeout=120) == 0, workers.output(process)
    copies = by_message_id(smtp_sink)
    assert len(copies) == 500 and all(len(raws) == 1 for raws in copies.values())
    assert set(copies) == {row.message_id for row in rows}
    database.close()
    assert statuses() == {OutboxMessage.SENT: 500}
    assert sum(row.attempts for row in OutboxMessage.select()) == 500


def test_the_mail_sink_command_keeps_each_message_as_a_file(tmp_path):
    port, folder, log = free_port(), tmp_path / "mail", tmp_path / "sink.log"
    with open(log, "w") as out:
        process = subprocess.Popen([STOREFRONT, "mail", "sink", "--port", str(port), "--dir",
                                    str(folder)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                smtp = smtplib.SMTP("127.0.0.1", port, timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, log.read_text()
                time.sleep(0.05)
        with smtp:
            smtp.sendmail("shop@example.com", ["grace@example.com"],
                          b"Subject: Hello\r\nMessage-ID: <1@example.com>\r\n\r\nHi Grace\r\n")
        [stored] = folder.glob("*.eml")
        assert b"Message-ID: <1@example.com>" in stored.read_bytes()
        assert b"Hi Grace" in stored.read_bytes()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert f"SMTP sink on 127.0.0.1:{port}" in log.read_text()
