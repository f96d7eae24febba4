"""The demo institution: a deterministic, realistic synthetic Canvas Data 2 export (CONTRACT §2).

``write_demo_files`` writes one folder per DAP table (all 25 of :data:`~.tables.DAP_TABLES`), in the formats a
real export uses: JSONL records for every table, DAP TSV (PostgreSQL COPY text) for ``web_logs``, which is
by far the largest; gzip-compressed at the small and medium scales, plain at the large one (compressing
gigabytes would cost longer than writing them). ``run_demo`` writes the files and imports them through
:func:`~.importer.import_paths`, exactly as a user's own export would be imported.

"Demo University" has faculties and departments under its root account (plus one deleted sub-account); four
terms (the Default Term, a past, the current and a future term); courses in every workflow state with one to
three sections; students (a few invited, inactive, completed or deleted, some in two sections), teachers,
TAs (some limited to their section), designers, observers and one Test Student per course; assignments of
every submission type with overrides and differentiated assignments; submissions on time, late, missing
and excused; scores, comments, modules, discussions, files, media, conversations, roles, account admins;
and page views (web_logs) with weekly and daily rhythms, masquerading admins and duplicate deliveries.

The same scale and seed always give byte-identical files: every generator is a ``random.Random`` derived
from the seed, "today" is the fixed :data:`ANCHOR`, and the web_logs parts do not depend on how many
worker processes wrote them.

Benchmarks target the largest course, :data:`LARGEST_COURSE_ID`: at the large scale it has exactly 500
active students and 40 published assignments, and one of its students is by far the busiest.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.storage._demo_model import (
    COURSE_BASE,
    DEMO_ADMIN_USER_ID,
    ROOT_ACCOUNT_ID,
    SCALE_CONFIGS,
    ScaleConfig,
    build_institution,
)
from analytics_gateway.storage._demo_tables import build_content, web_log_plan, write_tables
from analytics_gateway.storage._demo_time import ANCHOR
from analytics_gateway.storage._demo_weblogs import start_web_logs
from analytics_gateway.storage.importer import ImportProgress, TableSummary, import_paths
from analytics_gateway.storage.tables import DAP_TABLES

__all__ = [
    "ANCHOR",
    "DEMO_ADMIN_USER_ID",
    "LARGEST_COURSE_ID",
    "ROOT_ACCOUNT_ID",
    "SCALES",
    "DemoManifest",
    "DemoResult",
    "run_demo",
    "write_demo_files",
]

SCALES: tuple[str, ...] = ("small", "medium", "large")
LARGEST_COURSE_ID: int = COURSE_BASE + 1
"""The course with the most students at every scale (500 active students at the large scale)."""

# A dot-file (which the importer ignores) that marks a folder as written by the demo.
MARKER = ".analytics-demo"

assert set(SCALES) == set(SCALE_CONFIGS)


@dataclass(frozen=True)
class DemoManifest:
    """What ``write_demo_files`` wrote."""

    scale: str
    seed: int
    out_dir: Path
    rows: dict[str, int]  # records written per DAP table (web_logs duplicates included)


@dataclass(frozen=True)
class DemoResult:
    """What ``run_demo`` wrote and imported."""

    manifest: DemoManifest
    summaries: list[TableSummary]  # from the importer
    admin_user_id: int


def _config(scale: str) -> ScaleConfig:
    config = SCALE_CONFIGS.get(scale)
    if config is None:
        raise ValueError(f"unknown demo scale {scale!r}: expected one of {', '.join(SCALES)}")
    return config


def _prepare(out_dir: Path) -> None:
    """Make ``out_dir`` ready: remove the parts of an earlier demo run (a smaller scale must not leave stale
    parts behind), but never touch table folders that a demo did not write (someone's real export)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ours = (out_dir / MARKER).is_file()
    for name in DAP_TABLES:
        folder = out_dir / name
        if not folder.is_dir():
            continue
        files = [p for p in folder.iterdir() if p.is_file()]
        if files and not ours:
            raise FileExistsError(
                f"{folder} already holds files that the demo did not write; choose an empty output folder"
            )
        for path in files:
            if path.name.startswith("part-"):
                path.unlink()


def write_demo_files(out_dir: Path, *, scale: str = "small", seed: int = 1, workers: int = 2) -> DemoManifest:
    """Write the demo institution's DAP export into ``out_dir/<table>/part-NNNNN.*``.

    ``workers`` processes write the web_logs parts (the output does not depend on their number); the other
    tables are written meanwhile by this process. The workers are started with ``spawn``, so a script that
    calls this at the medium or large scale needs the usual ``if __name__ == "__main__":`` guard.
    Rewriting a folder of an earlier demo run replaces its files; any other non-empty table folder is
    refused (FileExistsError), so that a real export is never overwritten.
    """
    config = _config(scale)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    out_dir = Path(out_dir)
    _prepare(out_dir)
    # Written first: an interrupted run can be repeated into the same folder.
    (out_dir / MARKER).write_text(f"analytics-gateway demo, scale {scale}, seed {seed}\n", encoding="utf-8")
    institution = build_institution(config, seed)
    content = build_content(institution)
    job = start_web_logs(web_log_plan(institution, content), out_dir / "web_logs", workers)
    try:
        rows = write_tables(institution, content, out_dir)
        rows["web_logs"] = sum(job.wait())
    finally:
        job.close()
    return DemoManifest(
        scale=scale, seed=seed, out_dir=out_dir, rows={name: rows[name] for name in DAP_TABLES}
    )


async def run_demo(
    engine: AsyncEngine,
    *,
    scale: str = "small",
    seed: int = 1,
    out: Path | None = None,
    progress: ImportProgress | None = None,
) -> DemoResult:
    """Write the files (into `out`, else a temporary folder removed afterwards) and import them through
    analytics_gateway.storage.importer.import_paths (the same importer users run).

    Migrations are the caller's job.
    """
    _config(scale)  # fail on an unknown scale before creating anything
    folder = out if out is not None else Path(tempfile.mkdtemp(prefix="analytics-demo-"))
    try:
        # Generation is CPU-bound and blocking: keep the event loop responsive meanwhile.
        manifest = await asyncio.to_thread(write_demo_files, folder, scale=scale, seed=seed)
        summaries = await import_paths(engine, [folder], progress=progress)
    finally:
        if out is None:
            shutil.rmtree(folder, ignore_errors=True)
    return DemoResult(manifest=manifest, summaries=summaries, admin_user_id=DEMO_ADMIN_USER_ID)
