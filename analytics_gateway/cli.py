"""The ``analytics-gateway`` command line (CONTRACT §6): serve, import, demo, tokens.

Every command that opens the database migrates it first, so a fresh file or an older schema just works.
Problems an operator can act on (a malformed export line, an unreachable database, a missing path) end
the command with one ``error: ...`` line on stderr and exit code 1; usage mistakes exit 2 (click's
convention). Tracebacks are never shown, unless ``ANALYTICS_DEBUG=1`` asks for them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import threading
import time
from collections.abc import AsyncIterator, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click
from aiohttp import web
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
)
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from analytics_gateway.access_log import ACCESS_LOG_CLASS
from analytics_gateway.app import create_app
from analytics_gateway.config import (
    BODY_TIMEOUT_ENV,
    CACHE_ENTRIES_ENV,
    DEFAULT_CACHE_ENTRIES,
    IDLE_TIMEOUT_ENV,
    MAX_BODY_BYTES_ENV,
    RATE_LIMIT_HIGH_WATER_ENV,
    RATE_LIMIT_OUTFLOW_ENV,
    REST_DIALECTS,
    RestDialect,
    Settings,
)
from analytics_gateway.limits import (
    DEFAULT_BODY_TIMEOUT_S,
    DEFAULT_HIGH_WATER,
    DEFAULT_IDLE_TIMEOUT_S,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_OUTFLOW,
)
from analytics_gateway.storage.engine import (
    DatabaseUrlError,
    create_engine,
    is_sqlite,
    migrate,
    resolve_database_url,
)
from analytics_gateway.storage.importer import (
    IMPORT_ORDER,
    ImportFailedError,
    TableSummary,
    discover,
    import_paths,
)
from analytics_gateway.storage.tables import DAP_TABLES, accounts, users
from analytics_gateway.storage.tokens import AccessToken, create_token, revoke_token, utcnow, validate_scope
from analytics_gateway.workers import WorkersFailedError, bind_socket, serve_workers

if TYPE_CHECKING:  # the demo generator is imported only by the commands that run it
    from analytics_gateway.storage.demo import DemoResult

__all__ = ["main"]

T = TypeVar("T")

MAX_BAD_ROWS_SHOWN = 20
MAX_MESSAGE_CHARS = 500


# --- Errors ------------------------------------------------------------------------------------------------


class CliError(click.ClickException):
    """An error the operator can act on: one ``error:`` line (plus optional notes), exit code 1."""

    def __init__(self, message: str, *, notes: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.notes = list(notes)

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the error and its notes to stderr."""
        click.echo(f"error: {self.format_message()}", file=file, err=True)
        for note in self.notes:
            click.echo(f"note: {note}", file=file, err=True)


class CliInterrupted(CliError):
    """Ctrl-C: the shell's convention for death by SIGINT is exit code 130."""

    exit_code = 130


def _describe(exc: BaseException) -> str:
    """A one-line, bounded description of an exception, without SQL statements or parameters."""
    if isinstance(exc, ImportFailedError):
        return f"import of {exc.table} failed, nothing of it was written: {_describe(exc.cause)}"
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        # str(DBAPIError) appends the statement and its parameters: thousands of rows for a batch insert.
        exc = exc.orig
    text = str(exc).strip()
    # asyncpg errors arrive through SQLAlchemy's adapter as "<class 'asyncpg....'>: message".
    text = re.sub(r"^<class '[\w.]+'>:\s*", "", text)
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= MAX_MESSAGE_CHARS else line[: MAX_MESSAGE_CHARS - 3] + "..."


def _safe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL holds no password we could find; show it as given
        return url


def _run(main: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine, turning every failure into a clean message and exit code."""
    try:
        return asyncio.run(main)
    except click.ClickException:
        raise
    except DatabaseUrlError as exc:
        raise CliError(str(exc)) from None
    except KeyboardInterrupt:
        raise CliInterrupted("interrupted") from None
    except Exception as exc:
        if os.environ.get("ANALYTICS_DEBUG"):
            raise
        raise CliError(
            f"unexpected {type(exc).__name__}: {_describe(exc)}",
            notes=["set ANALYTICS_DEBUG=1 to see the traceback"],
        ) from None


async def _settle_sqlite_workers() -> None:
    """Wait for aiosqlite's worker threads to end while the event loop still runs.

    After a failed connect, aiosqlite (0.22) reports the worker's shutdown to the loop from its thread; if
    ``asyncio.run`` has closed the loop by then, the thread dies printing a traceback to stderr.
    """
    for thread in threading.enumerate():
        if thread.name.endswith("(_connection_worker_thread)"):
            await asyncio.to_thread(thread.join, 2.0)


@asynccontextmanager
async def _database(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on ``url`` with the schema migrated to the latest revision."""
    engine = create_engine(url)
    if is_sqlite(engine) and engine.url.database not in (None, "", ":memory:"):
        folder = Path(engine.url.database).parent
        if not folder.is_dir():  # SQLite would only say "unable to open database file"
            raise CliError(f"cannot open database {_safe_url(url)}: folder {folder} does not exist")
    try:
        try:
            await migrate(engine)
        except Exception as exc:
            await engine.dispose()
            await _settle_sqlite_workers()
            raise CliError(f"cannot open database {_safe_url(url)}: {_describe(exc)}") from None
        yield engine
    finally:
        await engine.dispose()


def _console() -> Console:
    console = Console(highlight=False)
    # Off a terminal (logs, pipes, CI) rich would assume 80 columns and squeeze the summary tables.
    return console if console.is_terminal else Console(highlight=False, width=160)


database_option = click.option(
    "--database",
    metavar="URL",
    default=None,
    help="sqlite:///FILE or postgresql://USER@HOST/DB [default: $ANALYTICS_DATABASE_URL, else "
    "sqlite:///analytics.db]",
)


# --- Command group -----------------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="analytics-gateway")
def main() -> None:
    """Canvas analytics from Canvas Data 2 exports, over GraphQL and Canvas-compatible REST."""


# --- serve -------------------------------------------------------------------------------------------------


def _base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def _has_accounts(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        return (await conn.execute(select(accounts.c.id).limit(1))).first() is not None


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@database_option
@click.option(
    "--rest-dialect",
    type=click.Choice(REST_DIALECTS),
    default="documented",
    show_default=True,
    help="JSON dialect of the REST routes (a request can pick its own with X-Analytics-Dialect).",
)
@click.option(
    "--demo", is_flag=True, help="Build the small demo institution if the database is empty; print a token."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes sharing the port (all state is in the database).",
)
@click.option(
    "--cache-entries",
    type=click.IntRange(0),
    default=None,
    help=f"Analytics results cached per process; 0 turns the cache off "
    f"[default: ${CACHE_ENTRIES_ENV} or {DEFAULT_CACHE_ENTRIES}].",
)
@click.option(
    "--rate-limit-high-water",
    type=click.FloatRange(0),
    default=None,
    metavar="UNITS",
    help=f"Canvas-style throttling: a token's bucket is full at this level; 0 turns throttling off "
    f"[default: ${RATE_LIMIT_HIGH_WATER_ENV} or {DEFAULT_HIGH_WATER:g}].",
)
@click.option(
    "--rate-limit-outflow",
    type=click.FloatRange(0),
    default=None,
    metavar="UNITS",
    help=f"Units a bucket leaks per second (a request costs its CPU and database seconds); 0 turns "
    f"throttling off [default: ${RATE_LIMIT_OUTFLOW_ENV} or {DEFAULT_OUTFLOW:g}].",
)
@click.option(
    "--max-body-size",
    type=click.IntRange(1),
    default=None,
    metavar="BYTES",
    help=f"Largest request body; more is a 413 [default: ${MAX_BODY_BYTES_ENV} or {DEFAULT_MAX_BODY_BYTES}].",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(0, min_open=True),
    default=None,
    metavar="SECONDS",
    help=f"Time a connection gets to send a request's headers, and to stay idle between requests "
    f"[default: ${IDLE_TIMEOUT_ENV} or {DEFAULT_IDLE_TIMEOUT_S:g}].",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(0, min_open=True),
    default=None,
    metavar="SECONDS",
    help=f"Time a request gets to send its whole body; more is a 408 "
    f"[default: ${BODY_TIMEOUT_ENV} or {DEFAULT_BODY_TIMEOUT_S:g}].",
)
def serve(
    host: str,
    port: int,
    database: str | None,
    rest_dialect: RestDialect,
    demo: bool,
    workers: int,
    cache_entries: int | None,
    rate_limit_high_water: float | None,
    rate_limit_outflow: float | None,
    max_body_size: int | None,
    idle_timeout: float | None,
    body_timeout: float | None,
) -> None:
    """Serve /graphql, /api/v1/..., /healthz and /metrics."""
    try:
        settings = Settings.from_env(
            database_url=database,
            rest_dialect=rest_dialect,
            host=host,
            port=port,
            cache_entries=cache_entries,
            rate_limit_high_water=rate_limit_high_water,
            rate_limit_outflow=rate_limit_outflow,
            max_body_bytes=max_body_size,
            idle_timeout=idle_timeout,
            body_timeout=body_timeout,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl ..." on every start is noise

    async def prepare() -> str | None:
        # Open and migrate before serving, so a bad database is one clear error rather than a failure
        # inside the server's startup.
        async with _database(settings.database_url) as engine:
            if not demo:
                return None
            # Imported here: the generator is large and only `demo` and `serve --demo` need it.
            from analytics_gateway.storage import demo as demo_data

            if not await _has_accounts(engine):
                console = _console()
                console.print("Building the small demo institution (first start only)...")
                await _build_demo(console, engine, scale="small", seed=1, out=None)
            _, plaintext = await create_token(engine, user_id=demo_data.DEMO_ADMIN_USER_ID, purpose="demo")
            return plaintext

    plaintext = _run(prepare())
    if plaintext is not None:
        base = _base_url(settings.host, settings.port)
        click.echo(f"URL:       {base}/")
        # The token rides in the fragment, which browsers never send: GraphiQL moves it into its headers.
        click.echo(f"GraphiQL:  {base}/graphql#token={plaintext}")
        click.echo(f"Dashboard: {base}/dashboard (sign in with the token)")
        click.echo(f"Token:     {plaintext}")
    try:
        if workers == 1:
            web.run_app(
                create_app(settings),
                host=settings.host,
                port=settings.port,
                print=click.echo,
                access_log_class=ACCESS_LOG_CLASS,  # tokens in query strings are redacted
            )
        else:
            # Each worker builds its own app after the fork (see analytics_gateway.workers).
            _serve_workers(settings, workers)
    except WorkersFailedError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}") from None
    except Exception as exc:
        if os.environ.get("ANALYTICS_DEBUG"):
            raise
        raise CliError(f"server stopped: {type(exc).__name__}: {_describe(exc)}") from None


def _serve_workers(settings: Settings, workers: int) -> None:
    sock = bind_socket(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    click.echo(f"======== Running on {_base_url(host, port)} with {workers} worker processes ========")
    click.echo("(Press CTRL+C to quit)")
    serve_workers(lambda: create_app(settings), sock, workers=workers)


# --- import ------------------------------------------------------------------------------------------------


class _ImportDisplay:
    """Import progress: a bar per table on a terminal, else one line per finished table."""

    def __init__(
        self, console: Console, tables: Sequence[str], files: Mapping[str, int] | None = None
    ) -> None:
        self.console = console
        self.live = console.is_terminal
        self.files = files or {}
        width = max((len(t) for t in tables), default=8)
        self.progress = Progress(
            TextColumn(f"{{task.description:<{width}}}"),
            BarColumn(bar_width=16),
            DownloadColumn(),
            TextColumn("{task.fields[records]:>11,} rec"),
            TextColumn("{task.fields[rate]:>9,.0f} rec/s"),
            console=console,
            disable=not self.live,
        )
        self.tasks: dict[str, tuple[TaskID, float]] = {}
        self.finished: set[str] = set()
        # Tables are imported one after another, and the first callback of a table comes only after its
        # first batch: a table's clock starts when the previous one finished.
        self.clock = time.perf_counter()

    def __enter__(self) -> _ImportDisplay:
        self.clock = time.perf_counter()
        self.progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.stop()

    def update(self, table: str, records: int, bytes_done: int, bytes_total: int) -> None:
        """The importer's progress callback: per batch, and once more when the table's files are read."""
        now = time.perf_counter()
        if table not in self.tasks:
            task = self.progress.add_task(table, total=bytes_total or None, records=0, rate=0.0)
            self.tasks[table] = (task, self.clock)
        task, started = self.tasks[table]
        elapsed = max(now - started, 1e-6)
        self.progress.update(
            task, completed=bytes_done, total=bytes_total or None, records=records, rate=records / elapsed
        )
        if bytes_done >= bytes_total and table not in self.finished:
            self.finished.add(table)
            self.clock = now
            if not self.live:
                count = self.files.get(table)
                files = "" if count is None else f"{count} file{'' if count == 1 else 's'}, "
                self.console.print(f"{table}: {files}{records:,} records in {elapsed:.1f} s")


def _summary_table(summaries: Sequence[TableSummary]) -> Table:
    table = Table(
        title="Import summary", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False
    )
    table.add_column("table", overflow="fold")  # long DAP names wrap rather than lose their tail
    for name in ("files", "upserted", "deleted", "duplicates", "skipped", "seconds", "rows/s"):
        table.add_column(name, justify="right")

    def row(name: str, files: int, s: Sequence[TableSummary], seconds: float) -> list[str]:
        records = sum(x.records for x in s)
        return [
            name,
            f"{files:,}",
            f"{sum(x.upserted for x in s):,}",
            f"{sum(x.deleted for x in s):,}",
            f"{sum(x.duplicates for x in s):,}",
            f"{sum(x.skipped for x in s):,}",
            f"{seconds:.2f}",
            f"{records / seconds:,.0f}" if seconds > 0 else "-",
        ]

    for s in summaries:
        table.add_row(*row(s.table, s.files, [s], s.seconds))
    if len(summaries) > 1:
        table.add_section()
        table.add_row(
            *row("total", sum(s.files for s in summaries), summaries, sum(s.seconds for s in summaries))
        )
    return table


def _print_summaries(console: Console, summaries: Sequence[TableSummary], *, skip_bad_rows: bool) -> None:
    if summaries:
        console.print(_summary_table(summaries))
    if not skip_bad_rows:
        return
    skipped = sum(s.skipped for s in summaries)
    if skipped == 0:
        console.print("No bad rows.")
        return
    console.print(f"Skipped {skipped:,} bad row{'s' if skipped != 1 else ''}:")
    shown = 0
    for s in summaries:
        for bad in s.bad_rows:
            if shown == MAX_BAD_ROWS_SHOWN:
                break
            where = f"{bad.path}:{bad.line}" if bad.line is not None else bad.path
            console.print(f"  {where}: {bad.message}", markup=False)
            shown += 1
    if skipped > shown:
        console.print(f"  ... and {skipped - shown:,} more")


def _check_table(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and value not in DAP_TABLES:
        raise click.BadParameter(f"unknown table {value!r}; known tables: {', '.join(IMPORT_ORDER)}")
    return value


@main.command("import")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path), metavar="PATH..."
)
@click.option(
    "--table", metavar="NAME", callback=_check_table, help="PATHs are files or folders of this table."
)
@database_option
@click.option("--skip-bad-rows", is_flag=True, help="Skip and report malformed rows instead of failing.")
def import_command(
    paths: tuple[Path, ...], table: str | None, database: str | None, skip_bad_rows: bool
) -> None:
    """Import Canvas Data 2 (DAP) export files, one transaction per table.

    PATH is a folder with one sub-folder per table (accounts, courses, web_logs, ...), a table folder, or
    (with --table) a table's files. Formats (JSONL, CSV, TSV, gzipped or not) are detected from content.
    """
    url = resolve_database_url(database)
    try:
        # Checked before the database is touched: a typo in a path should not create or migrate one.
        found = discover(list(paths), table)
    except (FileNotFoundError, ValueError) as exc:
        raise CliError(str(exc)) from None
    if not found:
        raise CliError("no export files found")

    console = _console()
    display = _ImportDisplay(console, list(found), {name: len(files) for name, files in found.items()})
    done: list[TableSummary] = []

    async def run() -> ImportFailedError | None:
        async with _database(url) as engine:
            with display:
                try:
                    await import_paths(
                        engine,
                        list(paths),
                        table=table,
                        skip_bad_rows=skip_bad_rows,
                        progress=display.update,
                        on_table_done=done.append,
                    )
                except ImportFailedError as exc:
                    return exc
        return None

    def kept() -> str:
        if not done:
            return "no table was imported"
        return "tables imported before it stay imported: " + ", ".join(s.table for s in done)

    try:
        failure = _run(run())
    except CliInterrupted as exc:
        _print_summaries(console, done, skip_bad_rows=skip_bad_rows)
        exc.notes.append(f"the table being imported was rolled back; {kept()}")
        raise
    _print_summaries(console, done, skip_bad_rows=skip_bad_rows)
    if failure is not None:
        raise CliError(_describe(failure), notes=[kept()])


# --- demo --------------------------------------------------------------------------------------------------


async def _build_demo(
    console: Console, engine: AsyncEngine, *, scale: str, seed: int, out: Path | None
) -> DemoResult:
    """Generate and import the demo institution, showing the import's progress."""
    from analytics_gateway.storage.demo import run_demo

    with _ImportDisplay(console, IMPORT_ORDER) as display:
        try:
            return await run_demo(engine, scale=scale, seed=seed, out=out, progress=display.update)
        except ImportFailedError as exc:  # a generator bug, but still worth a clear message
            raise CliError(_describe(exc)) from None
        except OSError as exc:  # --out not writable, disk full
            raise CliError(f"cannot write the demo files: {_describe(exc)}") from None


@main.command()
@click.option("--scale", type=click.Choice(["small", "medium", "large"]), default="small", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same institution.")
@database_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also keep the generated export files in this folder.",
)
def demo(scale: str, seed: int, database: str | None, out: Path | None) -> None:
    """Generate a synthetic institution and import it through the importer."""
    url = resolve_database_url(database)
    console = _console()

    async def run() -> DemoResult:
        async with _database(url) as engine:
            console.print(
                f"Generating the demo institution (scale {scale}, seed {seed}), then importing it..."
            )
            return await _build_demo(console, engine, scale=scale, seed=seed, out=out)

    result = _run(run())
    _print_summaries(console, result.summaries, skip_bad_rows=False)
    records = sum(result.manifest.rows.values())
    console.print(f"Generated {records:,} records in {len(result.manifest.rows)} tables.")
    if out is not None:
        console.print(f"Export files kept in {result.manifest.out_dir}", markup=False)
    console.print(f"Admin user id: {result.admin_user_id}")
    console.print(
        f"Next: analytics-gateway tokens create --user-id {result.admin_user_id}, "
        "then analytics-gateway serve"
    )


# --- tokens ------------------------------------------------------------------------------------------------


@main.group()
def tokens() -> None:
    """Create and revoke API access tokens."""


def _check_scopes(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    for scope in value:
        try:
            validate_scope(scope)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def _parse_expiry(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time, e.g. 2030-06-30 or 2030-06-30T17:00:00Z"
        ) from None
    # A time without an offset is UTC, like every time the service stores and shows.
    naive = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment
    if naive <= utcnow():
        raise click.BadParameter(f"{value} is in the past")
    return naive


def _iso(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else "never"


def _describe_token(token: AccessToken) -> list[str]:
    scopes = ", ".join(token.scopes) if token.scopes is not None else "none (every route the user may use)"
    lines = [
        f"id:         {token.id}",
        f"user id:    {token.user_id}",
        f"scopes:     {scopes}",
        f"expires at: {_iso(token.expires_at)}",
    ]
    if token.purpose:
        lines.append(f"purpose:    {token.purpose}")
    return lines


@tokens.command("create")
@click.option("--user-id", type=click.IntRange(min=1), required=True, help="Canvas id of the token's user.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    callback=_check_scopes,
    metavar="SCOPE",
    help="Limit the token to a route, e.g. 'url:GET|/api/v1/courses/:course_id/analytics/activity'. "
    "Repeatable; none: unscoped.",
)
@click.option(
    "--expires-at",
    callback=_parse_expiry,
    metavar="ISO8601",
    help="Expiry time (UTC unless an offset is given).",
)
@click.option("--purpose", metavar="TEXT", help="A note on what the token is for.")
@database_option
def tokens_create(
    user_id: int,
    scopes: tuple[str, ...],
    expires_at: datetime | None,
    purpose: str | None,
    database: str | None,
) -> None:
    """Create a token; it is printed once, alone on the last line."""
    url = resolve_database_url(database)

    async def run() -> tuple[AccessToken, str, bool]:
        async with _database(url) as engine:
            token, plaintext = await create_token(
                engine, user_id=user_id, scopes=scopes or None, expires_at=expires_at, purpose=purpose
            )
            async with engine.connect() as conn:
                known = (await conn.execute(select(users.c.id).where(users.c.id == user_id))).first()
            return token, plaintext, known is not None

    token, plaintext, known_user = _run(run())
    if not known_user:
        # Tokens may be created before the users are imported, so this is a warning, not an error.
        click.echo(f"warning: user {user_id} is not in the imported users table (yet)", err=True)
    for line in _describe_token(token):
        click.echo(line)
    click.echo("The token follows; store it now, it cannot be shown again:")
    click.echo(plaintext)


@tokens.command("revoke")
@click.argument("token_or_id", metavar="TOKEN_OR_ID")
@database_option
def tokens_revoke(token_or_id: str, database: str | None) -> None:
    """Revoke a token, given by id or by value ('-' reads the value from stdin, keeping it out of history)."""
    if token_or_id == "-":
        token_or_id = sys.stdin.readline().strip()
    if not token_or_id:
        raise click.BadParameter("empty token", param_hint="TOKEN_OR_ID")
    url = resolve_database_url(database)

    async def run() -> AccessToken | None:
        async with _database(url) as engine:
            return await revoke_token(engine, token_or_id)

    token = _run(run())
    if token is None:
        what = f"id {token_or_id}" if token_or_id.isdigit() else "that value"
        raise CliError(f"no token with {what}")
    click.echo(f"Revoked token {token.id} of user {token.user_id} (revoked at {_iso(token.revoked_at)}).")


if __name__ == "__main__":  # `python -m analytics_gateway.cli`, for environments without the script
    main()
