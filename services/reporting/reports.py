"""Computing, publishing and serving transparency reports: the I/O around the pure maths.

A published period is served from its snapshot (three files in the object-locked
productions bucket, each checked against the SHA-256 recorded when it was published), so a
published figure never changes; ``compare_live`` sets a fresh computation beside it.
Nothing here logs a figure: the log line of a publication names the period and digests."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from typing import Any, Literal

import msgspec
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.reporting import LiveComparison, Publication, TransparencyReport
from services.platform.settings import Settings
from services.register import transparency as register
from services.reporting.aggregate import build_report
from services.reporting.cells import differences
from services.reporting.csv_export import render_csv
from services.reporting.html_report import render_html
from services.reporting.json_export import parse_json, render_json
from services.reporting.periods import ReportPeriod, parse_period

log = structlog.get_logger(__name__)

Format = Literal["json", "csv", "html"]
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
SNAPSHOT_PREFIX = "transparency-reports/"


class PeriodNotEnded(Exception):
    def __init__(self, period: ReportPeriod) -> None:
        super().__init__(f"{period.label} ends {period.end.isoformat()}; publish it after that")
        self.period = period


class NotPublished(Exception):
    pass


class SnapshotAltered(Exception):
    """A stored snapshot no longer matches the digest recorded when it was published."""


AlreadyPublished = register.AlreadyPublished


def render(report: TransparencyReport, fmt: Format, publication: Publication | None = None):
    if fmt == "json":
        return render_json(report)
    if fmt == "csv":
        return render_csv(report)
    return render_html(report, publication)


class TransparencyReports:
    def __init__(self, settings: Settings, engine: AsyncEngine, s3: Any) -> None:
        self.settings = settings
        self.engine = engine
        self.s3 = s3

    @property
    def bucket(self) -> str:
        return self.settings.productions_bucket

    async def compute(self, period: ReportPeriod, now: dt.datetime) -> TransparencyReport:
        # Read from the running tallies; register.report_groups counts the same from the
        # facts themselves, as of any moment (tests hold the two equal).
        groups, accounts = await register.current_groups(self.engine, period, now.date())
        report = build_report(
            groups,
            accounts_affected=accounts,
            period=period,
            option=self.settings.transparency_ns_option,
            computed_at=now,
            provider=self.settings.provider_name,
        )
        # Issue 11: emergency disclosures with and without their follow-up legal process.
        followed, unfollowed = await register.emergency_follow_ups(self.engine, period)
        return msgspec.structs.replace(
            report,
            emergency=msgspec.structs.replace(
                report.emergency, with_follow_up=followed, without_follow_up=unfollowed
            ),
        )

    async def publication(self, period: ReportPeriod) -> Publication | None:
        return await register.get_publication(self.engine, period.label)

    async def document(
        self, period: ReportPeriod, fmt: Format, now: dt.datetime
    ) -> tuple[bytes, Publication | None]:
        """The published snapshot's file if there is one, else a fresh computation."""
        publication = await self.publication(period)
        if publication is not None:
            return await self.snapshot_file(publication, fmt), publication
        # Rendering is CPU work (the HTML draws charts): off the event loop.
        return await asyncio.to_thread(render, await self.compute(period, now), fmt), None

    async def snapshot_file(self, publication: Publication, fmt: Format) -> bytes:
        key, digest = {
            "json": (publication.json_key, publication.json_sha256),
            "csv": (publication.csv_key, publication.csv_sha256),
            "html": (publication.html_key, publication.html_sha256),
        }[fmt]

        def read() -> bytes:
            return self.s3.get_object(Bucket=publication.bucket, Key=key)["Body"].read()

        data = await asyncio.to_thread(read)
        if hashlib.sha256(data).hexdigest() != digest:
            raise SnapshotAltered(f"{key} does not match the digest recorded at publication")
        return data

    async def snapshot_report(self, publication: Publication) -> TransparencyReport:
        return parse_json(await self.snapshot_file(publication, "json"))

    async def publish(self, period: ReportPeriod, actor: str, now: dt.datetime) -> Publication:
        if not period.ended(now):
            raise PeriodNotEnded(period)
        if await self.publication(period) is not None:
            raise AlreadyPublished(period.label)
        report = await self.compute(period, now)
        prefix = f"{SNAPSHOT_PREFIX}{period.label}/{now.strftime('%Y%m%dT%H%M%S%fZ')}/"
        draft = Publication(
            period=period.label,
            published_at=now,
            published_by=actor,
            bucket=self.bucket,
            json_key=prefix + "report.json",
            json_sha256="",
            csv_key=prefix + "report.csv",
            csv_sha256="",
            html_key=prefix + "report.html",
            html_sha256="",
        )
        files = {
            fmt: await asyncio.to_thread(render, report, fmt, draft)
            for fmt in ("json", "csv", "html")
        }
        digests = {fmt: hashlib.sha256(data).hexdigest() for fmt, data in files.items()}
        retain_until = await asyncio.to_thread(self._store, prefix, files)
        publication = msgspec.structs.replace(
            draft,
            json_sha256=digests["json"],
            csv_sha256=digests["csv"],
            html_sha256=digests["html"],
            retain_until=retain_until,
        )
        await register.insert_publication(
            self.engine, publication, self.settings.transparency_ns_option
        )
        log.info(
            "transparency report published",
            period=period.label,
            json_sha256=digests["json"],
            actor=actor,
        )
        return publication

    def _store(self, prefix: str, files: dict[str, bytes]) -> dt.datetime | None:
        """Each file under the bucket's COMPLIANCE default retention (object lock), with
        S3 checking the SHA-256 on arrival."""
        retain_until = None
        for fmt, data in files.items():
            self.s3.put_object(
                Bucket=self.bucket,
                Key=f"{prefix}report.{fmt}",
                Body=data,
                ContentType=CONTENT_TYPES[fmt],
                ChecksumAlgorithm="SHA256",
            )
            head = self.s3.head_object(Bucket=self.bucket, Key=f"{prefix}report.{fmt}")
            retain_until = head.get("ObjectLockRetainUntilDate") or retain_until
        return retain_until

    async def compare_live(self, period: ReportPeriod, now: dt.datetime) -> LiveComparison:
        publication = await self.publication(period)
        if publication is None:
            raise NotPublished(period.label)
        published = await self.snapshot_report(publication)
        live = await self.compute(period, now)
        return LiveComparison(
            period=period.label,
            publication=publication,
            live_computed_at=now,
            differences=differences(published, live),
        )


def period_or_error(text: str) -> ReportPeriod:
    return parse_period(text)
