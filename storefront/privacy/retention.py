"""Retention of the request log (P8): its IP addresses are emptied after ip_days, its rows
deleted after log_days. `storefront privacy purge` runs this (daily, from cron) together
with the retention rules of the other domains that keep an IP for a limited time.

An order keeps its IP with the order, and a cart until it is ordered or emptied: neither is
touched here.
"""
from dataclasses import dataclass
from datetime import timedelta

from storefront.db import database
from storefront.tracking.models import RequestLog


@dataclass(frozen=True)
class RequestLogPurge:
    """What one purge of the request log did."""

    ips_emptied: int
    rows_deleted: int


def purge_request_log(now, ip_days, log_days):
    """Delete the rows older than log_days, then empty the IP of those older than ip_days."""
    if ip_days < 0 or log_days < 0:
        raise ValueError("retention periods are whole numbers of days, 0 or more")
    with database.atomic():
        deleted = RequestLog.delete().where(RequestLog.at < now - timedelta(days=log_days)) \
            .execute()
        emptied = RequestLog.update(ip=None).where(
            RequestLog.at < now - timedelta(days=ip_days), RequestLog.ip != "").execute()
    return RequestLogPurge(ips_emptied=emptied, rows_deleted=deleted)
