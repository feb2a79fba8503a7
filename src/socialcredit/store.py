"""The run store: one folder per run (Parquet + TOML + JSON) and a DuckDB catalog of runs.

Layout of a data folder (default `./socialcredit-runs`, or `$SOCIALCREDIT_DATA_DIR`)::

    catalog.duckdb            table `runs`: one row per run and its status
    runs/<run_id>/            a finished run
        scenario.toml         the fully resolved scenario (`socialcredit run` it to reproduce)
        metrics.parquet       one row per (step, group_name); group_name 'all' = everyone
        agents.parquet        agent table, snapshot 'initial' and 'final'
        edges.parquet         ties (source < target), snapshot 'initial' and 'final'
        run.json              id, name, preset, seed, sizes, status, timings, versions
    runs/.tmp-<run_id>/       a run in progress, or one that failed or was interrupted:
        scenario.toml         ... and checkpoint.npz, from which `--resume` continues

Reliability rules (DESIGN.md): a run folder is written into a temp sibling and renamed into
place only when complete, so a crash or Ctrl-C never leaves a folder that looks complete.
The catalog marks every run `running` at start, then `done`, `failed` or `interrupted`;
a run killed outright (SIGKILL) is found later, whenever the catalog is opened, because
its process is gone. DuckDB admits one read-write opener per file, so every connection is
short (open, write, close) and lock conflicts are retried with backoff for a bounded time.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from . import __version__, checkpoint
from .result import RunResult
from .scenario import Scenario, ScenarioError, load_scenario

DATA_DIR_ENV = "SOCIALCREDIT_DATA_DIR"
DEFAULT_DATA_DIR = "socialcredit-runs"
LOCK_TIMEOUT_ENV = "SOCIALCREDIT_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 120.0
CATALOG = "catalog.duckdb"
RUNS = "runs"
TMP_PREFIX = ".tmp-"
CHECKPOINT = "checkpoint.npz"
DEFAULT_CHECKPOINT_EVERY = 26
STATUSES = ("running", "done", "failed", "interrupted")
FILES = ("scenario.toml", "metrics.parquet", "agents.parquet", "edges.parquet", "run.json")

COLUMNS = ("id", "name", "preset", "scenario_hash", "seed", "agents", "steps", "status", "created",
           "duration_s", "version", "path", "pid", "host", "error")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY,
    name VARCHAR,
    preset VARCHAR,
    scenario_hash VARCHAR,
    seed BIGINT,
    agents BIGINT,
    steps BIGINT,
    status VARCHAR,
    created TIMESTAMP,
    duration_s DOUBLE,
    version VARCHAR,
    path VARCHAR,
    pid BIGINT,
    host VARCHAR,
    error VARCHAR
)
"""


class StoreError(Exception):
    """A request the store cannot honour (unknown run, output folder not empty...): exit code 2."""


class CatalogBusy(StoreError):
    """The catalog stayed locked by other processes for longer than the lock timeout."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so a run is marked `interrupted` like on Ctrl-C."""


# --- the data folder ---------------------------------------------------------------------------


def data_dir(path: str | Path | None = None) -> Path:
    """The data folder: `path`, else `$SOCIALCREDIT_DATA_DIR`, else `./socialcredit-runs` (absolute)."""
    chosen = path if path is not None else os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR
    return Path(chosen).expanduser().absolute()


def new_run_id(now: datetime | None = None) -> str:
    """Short, sortable, unique: `YYYYMMDD-HHMMSS-mmmrrr` (UTC time; mmm = the fraction of the
    second in 4096ths, so ids sort by creation; rrr = 12 random bits against collisions)."""
    while True:
        t = now or datetime.now(timezone.utc)
        frac = t.microsecond * 4096 // 1_000_000
        run_id = f"{t:%Y%m%d-%H%M%S}-{frac:03x}{secrets.randbits(12):03x}"
        with _ISSUED_LOCK:
            if run_id not in _ISSUED:
                _ISSUED.add(run_id)
                return run_id


_ISSUED: set[str] = set()  # ids given out by this process (collisions across processes: see RunWriter.start)
_ISSUED_LOCK = threading.Lock()


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _tmp_of(final: Path, run_id: str) -> Path:
    return final.parent / f"{TMP_PREFIX}{run_id}"


def _is_complete(folder: Path) -> bool:
    return folder.is_dir() and (folder / "run.json").is_file()


# --- liveness of a process on this host ----------------------------------------------------------


def _pid_alive(pid: int | None) -> bool:
    if pid is None or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    try:  # a killed child its parent has not reaped yet is a zombie: dead for our purpose
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2] not in "ZX"
    except (OSError, ValueError, IndexError):
        return True


# --- the catalog ---------------------------------------------------------------------------------


def _lock_timeout() -> float:
    try:
        return float(os.environ.get(LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    # another process holds the file ("Could not set lock ... Conflicting lock"), or another thread of
    # this process has it open in the other mode ("different configuration")
    return "lock" in text or "conflicting" in text or "being used" in text or "different configuration" in text


class Catalog:
    """The DuckDB table of runs in a data folder. Every method opens, works and closes."""

    def __init__(self, root: str | Path | None = None):
        self.root = data_dir(root)
        self.path = self.root / CATALOG

    # -- connections ------------------------------------------------------------------------
    @contextmanager
    def _connect(self, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        deadline = time.monotonic() + _lock_timeout()
        delay = 0.01
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                break
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                if not _is_lock_error(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise CatalogBusy(f"catalog {self.path} stayed locked by another process for "
                                      f"{_lock_timeout():g} s (set {LOCK_TIMEOUT_ENV} to wait longer)") from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.5)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short read-write connection; creates the catalog and reconciles dead runs first."""
        self.root.mkdir(parents=True, exist_ok=True)
        with self._connect(read_only=False) as con:
            con.execute(_SCHEMA)
            self._reconcile(con)
            yield con

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """A short read-only connection (None when there is no catalog yet)."""
        if not self.path.exists():
            yield None
            return
        self.reconcile()
        with self._connect(read_only=True) as con:
            yield con

    # -- dead runs --------------------------------------------------------------------------
    def _stale(self, con) -> list[tuple[str, str, str]]:
        host = socket.gethostname()
        rows = con.execute("SELECT id, pid, path FROM runs WHERE status = 'running' AND host = ?", [host]).fetchall()
        return [(rid, "done" if _is_complete(self._resolve(path)) else "failed", path)
                for rid, pid, path in rows if not _pid_alive(pid)]

    def _reconcile(self, con) -> None:
        for rid, status, _ in self._stale(con):
            error = None if status == "done" else "the process ended without reporting (killed?)"
            con.execute("UPDATE runs SET status = ?, error = ? WHERE id = ? AND status = 'running'",
                        [status, error, rid])

    def reconcile(self) -> None:
        """Mark `running` rows whose process is gone from this host as `failed` (or `done` if complete)."""
        if not self.path.exists():
            return
        with self._connect(read_only=True) as con:
            try:
                stale = self._stale(con)
            except duckdb.CatalogException:
                return
        if stale:
            with self.writer():
                pass

    # -- rows -------------------------------------------------------------------------------
    def _resolve(self, path: str | None) -> Path:
        p = Path(path or "")
        return p if p.is_absolute() else self.root / p

    def _relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def insert(self, row: dict[str, Any]) -> None:
        row = dict(row)
        row["path"] = self._relative(Path(row["path"]))
        cols = [c for c in COLUMNS if c in row]
        with self.writer() as con:
            con.execute(f"INSERT INTO runs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        [row[c] for c in cols])

    def update(self, run_id: str, **fields: Any) -> None:
        if "path" in fields:
            fields["path"] = self._relative(Path(fields["path"]))
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.writer() as con:
            con.execute(f"UPDATE runs SET {sets} WHERE id = ?", [*fields.values(), run_id])

    def delete(self, run_id: str) -> None:
        with self.writer() as con:
            con.execute("DELETE FROM runs WHERE id = ?", [run_id])

    def frame(self, filters: dict[str, Any] | None = None, limit: int | None = None,
              newest_first: bool = False) -> pd.DataFrame:
        """The catalog as a DataFrame (paths made absolute); filters are column = value (or list)."""
        filters = {k: v for k, v in (filters or {}).items() if v is not None}
        unknown = sorted(set(filters) - set(COLUMNS))
        if unknown:
            raise StoreError(f"unknown catalog column(s) {unknown}; expected some of {list(COLUMNS)}")
        where, params = [], []
        for key, value in filters.items():
            if isinstance(value, (list, tuple, set)):
                where.append(f"{key} IN ({', '.join('?' * len(value))})")
                params.extend(value)
            else:
                where.append(f"{key} = ?")
                params.append(value)
        query = "SELECT * FROM runs"
        if where:
            query += " WHERE " + " AND ".join(where)
        query += " ORDER BY created DESC, id DESC" if newest_first else " ORDER BY created, id"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        with self.reader() as con:
            if con is None:
                return _empty_catalog()
            try:
                df = con.execute(query, params).df()
            except duckdb.CatalogException:
                return _empty_catalog()
        df["path"] = [str(self._resolve(p)) for p in df["path"]]
        return df[list(COLUMNS)]

    def get(self, run_id: str) -> dict[str, Any]:
        """One row by id (or a unique prefix of an id); StoreError when unknown or ambiguous."""
        with self.reader() as con:
            rows = [] if con is None else con.execute(
                "SELECT * FROM runs WHERE id = ? OR starts_with(id, ?) ORDER BY id", [run_id, run_id]).df()
        if len(rows) == 0:
            raise StoreError(f"no run {run_id!r} in the catalog of {self.root}")
        exact = rows[rows["id"] == run_id]
        if len(exact) == 1:
            rows = exact
        elif len(rows) > 1:
            raise StoreError(f"run id {run_id!r} is ambiguous: {', '.join(rows['id'])}")
        row = {k: (None if _isna(v) else v) for k, v in rows.iloc[0].to_dict().items()}
        row["path"] = str(self._resolve(row["path"]))
        return row


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _empty_catalog() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        COLUMNS, ["str", "str", "str", "str", "Int64", "Int64", "Int64", "str", "datetime64[us]", "float64",
                  "str", "str", "Int64", "str", "str"])})


# --- reading and writing run folders -----------------------------------------------------------


def _write_frame(df: pd.DataFrame, path: Path) -> None:
    """Parquet with dictionary encoding for the label columns only: tried on a column of
    measured numbers it is abandoned after a page, having cost as much as the write itself
    (10^6 agents: agents.parquet 1.07 -> 0.58 s, edges.parquet 0.65 -> 0.31 s, both smaller)."""
    labels = [c for c in df.columns if df[c].dtype == object or isinstance(df[c].dtype, (pd.CategoricalDtype, pd.StringDtype))]
    df.to_parquet(path, index=False, use_dictionary=labels)


def _read_frame(path: Path) -> pd.DataFrame:
    """Read a frame back with the dtypes it was written with (object columns stay object, None for null)."""
    table = pq.read_table(path)
    df = table.to_pandas()
    meta = table.schema.pandas_metadata or {}
    for col in meta.get("columns", []):
        name = col.get("name")
        if col.get("numpy_type") == "object" and name in df.columns and df[name].dtype != object:
            values = df[name].astype(object)
            df[name] = values.where(values.notna(), None)
    return df


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_result(result: RunResult, folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """Write scenario, metrics, agents, ties and run.json of `result` into `folder` (not atomic)."""
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    (folder / "scenario.toml").write_text(result.scenario.to_toml(), encoding="utf-8")
    frames = {"metrics": result.metrics_long(), "agents": result.agents, "edges": result.edges}
    with ThreadPoolExecutor(max_workers=2) as pool:  # the Parquet writer releases the GIL
        for done in [pool.submit(_write_frame, df, folder / f"{name}.parquet") for name, df in frames.items()]:
            done.result()
    info = dict(result.info)
    run = {**meta, **{k: v for k, v in info.items() if k not in meta}, "scenario_name": result.scenario.name}
    timings = dict(run.get("timings") or {})
    timings.update({
        "setup_s": info.get("setup_seconds"),
        "run_s": info.get("run_seconds"),
        "step_median_s": info.get("step_seconds_median"),
        "write_s": round(time.perf_counter() - t0, 4),
    })
    run["timings"] = timings
    (folder / "run.json").write_text(json.dumps(run, indent=2, default=str) + "\n", encoding="utf-8")
    return run


def read_run_folder(folder: str | Path) -> RunResult:
    """The RunResult stored in a complete run folder."""
    folder = Path(folder)
    if not _is_complete(folder):
        raise StoreError(f"{folder} is not a complete run folder (no run.json)")
    try:
        scenario = load_scenario(folder / "scenario.toml")
    except ScenarioError as exc:
        raise StoreError(f"{folder / 'scenario.toml'}: {exc}") from None
    metrics, group_metrics = RunResult.split_metrics(_read_frame(folder / "metrics.parquet"))
    agents = _read_frame(folder / "agents.parquet")
    edges = _read_frame(folder / "edges.parquet")
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    return RunResult(scenario, metrics, group_metrics, agents, edges, info)


# --- one run from start to finish ---------------------------------------------------------------


@dataclass
class StoredRun:
    """What `execute` and `resume` return."""

    id: str
    path: Path
    result: RunResult
    run: dict[str, Any]


class RunWriter:
    """One run's temp folder and catalog row, from `running` to `done`, `failed` or `interrupted`."""

    def __init__(self, catalog: Catalog, run_id: str, final: Path, scenario: Scenario, *, name: str,
                 preset: str | None, created: datetime, previous_duration: float = 0.0):
        self.catalog = catalog
        self.id = run_id
        self.final = final
        self.tmp = _tmp_of(final, run_id)
        self.scenario = scenario
        self.name = name
        self.preset = preset
        self.created = created
        self.previous_duration = previous_duration
        self.started = time.perf_counter()
        self.resumed_from: int | None = None

    @property
    def checkpoint_path(self) -> Path:
        return self.tmp / CHECKPOINT

    def duration(self) -> float:
        return round(self.previous_duration + time.perf_counter() - self.started, 4)

    @classmethod
    def start(cls, scenario: Scenario, *, data_dir: str | Path | None = None, out: str | Path | None = None,
              name: str | None = None, preset: str | None = None, agents: int | None = None) -> "RunWriter":
        """Create the temp folder with the resolved scenario and insert the catalog row as `running`."""
        catalog = Catalog(data_dir)
        final_out = Path(out).expanduser().absolute() if out is not None else None
        if final_out is not None:
            check_out_dir(final_out)
        while True:  # an id another process took in the same millisecond is detected and replaced
            run_id = new_run_id()
            final = final_out or catalog.root / RUNS / run_id
            if final_out is None and final.exists():
                continue
            writer = cls(catalog, run_id, final, scenario, name=name or scenario.name, preset=preset,
                         created=_utcnow())
            try:
                writer.tmp.mkdir(parents=True)
            except FileExistsError:
                continue
            try:
                (writer.tmp / "scenario.toml").write_text(scenario.to_toml(), encoding="utf-8")
                catalog.insert({
                    "id": run_id, "name": writer.name, "preset": preset, "scenario_hash": scenario.hash(),
                    "seed": scenario.seed, "agents": agents if agents is not None else scenario.population.agents,
                    "steps": scenario.steps, "status": "running", "created": writer.created.replace(tzinfo=None),
                    "duration_s": None, "version": __version__, "path": final, "pid": os.getpid(),
                    "host": socket.gethostname(),
                })
            except duckdb.ConstraintException:
                shutil.rmtree(writer.tmp, ignore_errors=True)
                continue
            except BaseException:
                shutil.rmtree(writer.tmp, ignore_errors=True)
                raise
            return writer

    def save_checkpoint(self, sim) -> None:
        checkpoint.save(sim, self.checkpoint_path)

    def finish(self, result: RunResult) -> StoredRun:
        """Write the outputs into the temp folder, rename it into place, mark the run `done`."""
        meta = {
            "id": self.id, "name": self.name, "preset": self.preset, "scenario_hash": self.scenario.hash(),
            "seed": self.scenario.seed, "agents": int(result.info.get("agents", self.scenario.population.agents)),
            "steps": int(result.info.get("steps", self.scenario.steps)), "status": "done",
            "created": _iso(self.created), "duration_s": None, "version": __version__,
        }
        if self.resumed_from is not None:
            meta["resumed_from_step"] = self.resumed_from
        meta["duration_s"] = self.duration()
        run = write_result(result, self.tmp, meta)
        self.checkpoint_path.unlink(missing_ok=True)
        if self.final.exists():
            if any(self.final.iterdir()):
                raise StoreError(f"output folder {self.final} appeared and is not empty; "
                                 f"the finished run stays in {self.tmp}")
            self.final.rmdir()
        os.rename(self.tmp, self.final)
        _fsync_dir(self.final.parent)
        self.catalog.update(self.id, status="done", duration_s=meta["duration_s"], agents=meta["agents"],
                            steps=meta["steps"], error=None)
        return StoredRun(self.id, self.final, result, run)

    def fail(self, status: str, error: str | None = None) -> None:
        """Mark the run `failed` or `interrupted`; the temp folder stays for `--resume`."""
        try:
            self.catalog.update(self.id, status=status, duration_s=self.duration(),
                                error=(error or "")[:2000] or None)
        except Exception:  # noqa: BLE001 - reconciliation marks it failed later on
            pass


def check_out_dir(out: Path) -> None:
    """An explicit output folder must not exist, or be an empty folder."""
    if out.exists():
        if not out.is_dir():
            raise StoreError(f"--out {out}: exists and is not a folder; expected a new or empty folder")
        if any(out.iterdir()):
            raise StoreError(f"--out {out}: folder exists and is not empty; expected a new or empty folder")


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Within the main thread, SIGTERM raises `Terminated` so the run is recorded as interrupted."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


Progress = Callable[[int], None]
OnStart = Callable[[RunWriter, Any], None]


def _tag(exc: BaseException, run_id: str) -> None:
    """Let the caller (the CLI) name the run a failure belongs to."""
    try:
        exc.socialcredit_run_id = run_id  # type: ignore[attr-defined]
    except (AttributeError, TypeError):
        pass


def _interruption_in(exc: BaseException) -> BaseException:
    """The Ctrl-C or SIGTERM behind `exc`, if any, else `exc`. A signal whose handler raises
    while a compiled kernel hands back its result (Numba boxing the arrays it returns) comes
    out as a SystemError ("returned a result with an exception set") caused by the
    interruption; the run was interrupted all the same."""
    inner = exc
    while isinstance(inner, SystemError) and inner.__cause__ is not None:
        inner = inner.__cause__
    return inner if isinstance(inner, KeyboardInterrupt) else exc


def _stopped(writer: RunWriter, exc: BaseException) -> None:
    """Record in the catalog what stopped the run (`exc`, being handled); raise the
    interruption behind it if it is a wrapped one, else the caller re-raises `exc`."""
    stopped = _interruption_in(exc)
    writer.fail(*_status_of(stopped))
    _tag(stopped, writer.id)
    if stopped is not exc:
        raise stopped from None


def _status_of(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, Terminated):
        return "interrupted", "terminated (SIGTERM)"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", "interrupted (Ctrl-C)"
    return "failed", f"{type(exc).__name__}: {exc}"


def _drive(writer: RunWriter, sim, checkpoint_every: int, progress: Progress | None,
           on_start: OnStart | None) -> StoredRun:
    """Step with checkpoints, then finish; record a failure or an interruption in the catalog."""
    from .api import result_of

    try:
        if on_start is not None:
            on_start(writer, sim)
        total = sim.scenario.steps

        def after_step(step: int) -> None:
            if checkpoint_every and step % checkpoint_every == 0 and step < total:
                writer.save_checkpoint(sim)
            if progress is not None:
                progress(step)

        sim.run(progress=after_step)
        return writer.finish(result_of(sim, writer.started))
    except BaseException as exc:
        _stopped(writer, exc)
        raise


def execute(scenario: Scenario, *, data_dir: str | Path | None = None, out: str | Path | None = None,
            name: str | None = None, preset: str | None = None,
            checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY, progress: Progress | None = None,
            on_start: OnStart | None = None) -> StoredRun:
    """Run a resolved scenario into the store: catalog row, checkpoints, atomic run folder.

    The simulation is built first, so bad input it finds (ScenarioError: an unreadable edge
    list, too few agents for the network) writes nothing. Then the run is recorded as
    `running`, `on_start(writer, sim)` is called, `progress(step)` after every step, and a
    checkpoint is saved every `checkpoint_every` steps (0: never). Whatever stops the run is
    recorded (`failed`, `interrupted`) and re-raised; StoreError for a non-empty `out`.
    """
    from .simulation import Simulation

    if checkpoint_every < 0:
        raise StoreError(f"checkpoint_every = {checkpoint_every}: expected 0 (never) or a positive number of steps")
    if out is not None:
        check_out_dir(Path(out).expanduser().absolute())
    started = time.perf_counter()
    with _sigterm_as_interrupt():
        try:
            sim = Simulation(scenario)
        except ScenarioError:
            raise
        except BaseException as exc:
            writer = RunWriter.start(scenario, data_dir=data_dir, out=out, name=name, preset=preset)
            _stopped(writer, exc)
            raise
        writer = RunWriter.start(scenario, data_dir=data_dir, out=out, name=name, preset=preset,
                                 agents=int(sim.state.size))
        writer.started = started
        return _drive(writer, sim, checkpoint_every, progress, on_start)


def resume(run_id: str, *, data_dir: str | Path | None = None,
           checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY, progress: Progress | None = None,
           on_start: OnStart | None = None) -> StoredRun:
    """Continue a failed or interrupted run from its last checkpoint (from step 0 if it has none).

    The result is bit-identical to an uninterrupted run of the same scenario.
    """
    from .simulation import Simulation

    if checkpoint_every < 0:
        raise StoreError(f"checkpoint_every = {checkpoint_every}: expected 0 (never) or a positive number of steps")
    catalog = Catalog(data_dir)
    row = catalog.get(run_id)
    run_id = row["id"]
    if row["status"] == "done":
        raise StoreError(f"run {run_id} is already done; nothing to resume")
    if row["status"] == "running":
        raise StoreError(f"run {run_id} is still running (pid {row['pid']} on {row['host']})")
    final = Path(row["path"])
    tmp = _tmp_of(final, run_id)
    if not (tmp / "scenario.toml").is_file():
        raise StoreError(f"run {run_id} cannot be resumed: its temp folder {tmp} is gone")
    try:
        scenario = load_scenario(tmp / "scenario.toml")
    except ScenarioError as exc:
        raise StoreError(f"run {run_id} cannot be resumed: {exc}") from None
    ckpt = tmp / CHECKPOINT
    start_step = checkpoint.read_meta(ckpt)["step_index"] if ckpt.is_file() else 0
    created = row["created"]
    created = created.to_pydatetime() if hasattr(created, "to_pydatetime") else created
    writer = RunWriter(catalog, run_id, final, scenario, name=row["name"], preset=row["preset"],
                       created=created.replace(tzinfo=timezone.utc),
                       previous_duration=float(row["duration_s"] or 0.0))
    writer.resumed_from = int(start_step)
    catalog.update(run_id, status="running", pid=os.getpid(), host=socket.gethostname(), error=None)
    with _sigterm_as_interrupt():
        try:
            sim = checkpoint.restore(scenario, ckpt) if ckpt.is_file() else Simulation(scenario)
        except BaseException as exc:
            _stopped(writer, exc)
            raise
        return _drive(writer, sim, checkpoint_every, progress, on_start)


def save_result(result: RunResult, *, data_dir: str | Path | None = None, out: str | Path | None = None,
                name: str | None = None, preset: str | None = None) -> StoredRun:
    """Store a result computed elsewhere (e.g. by `simulate`), with the same atomic rules."""
    writer = RunWriter.start(result.scenario, data_dir=data_dir, out=out, name=name, preset=preset)
    try:
        return writer.finish(result)
    except BaseException as exc:
        writer.fail("interrupted" if isinstance(exc, KeyboardInterrupt) else "failed", f"{type(exc).__name__}: {exc}")
        raise


# --- the Python API ---------------------------------------------------------------------------------


def runs(data_dir: str | Path | None = None, *, limit: int | None = None, **filters: Any) -> pd.DataFrame:
    """The catalog of runs as a DataFrame, oldest first; filters are column=value, e.g. status="done"."""
    return Catalog(data_dir).frame(filters, limit=limit)


def run_folder(run_id_or_path: str | Path, data_dir: str | Path | None = None) -> Path:
    """The folder of a finished run, given its id (or a unique prefix) or its path."""
    as_path = Path(run_id_or_path).expanduser()
    if _is_complete(as_path):
        return as_path.absolute()
    try:
        row = Catalog(data_dir).get(str(run_id_or_path))
    except StoreError:
        if as_path.exists():
            raise StoreError(f"{as_path} is not a complete run folder (no run.json)") from None
        raise
    if row["status"] != "done":
        hint = f"; continue it with: socialcredit run --resume {row['id']}" if row["status"] in ("failed", "interrupted") else ""
        raise StoreError(f"run {row['id']} is {row['status']}, not done{hint}")
    folder = Path(row["path"])
    if not _is_complete(folder):
        raise StoreError(f"run {row['id']}: its folder {folder} is missing or incomplete")
    return folder


def open_run(run_id_or_path: str | Path, data_dir: str | Path | None = None) -> RunResult:
    """Read a finished run back: the same frames `simulate` returned, `info` from run.json."""
    return read_run_folder(run_folder(run_id_or_path, data_dir))


def remove_run(run_id: str, data_dir: str | Path | None = None) -> dict[str, Any]:
    """Delete a run's folder (finished or temp) and its catalog row; refuses a live run."""
    catalog = Catalog(data_dir)
    row = catalog.get(run_id)
    if row["status"] == "running" and row["host"] == socket.gethostname() and _pid_alive(row["pid"]):
        raise StoreError(f"run {row['id']} is running (pid {row['pid']}); stop it first")
    final = Path(row["path"])
    for folder in (final, _tmp_of(final, row["id"])):
        if folder.is_dir() and (folder == _tmp_of(final, row["id"]) or _is_complete(folder)):
            shutil.rmtree(folder)
    catalog.delete(row["id"])
    return row


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect(data_dir: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with views over every finished run of the data folder.

    Views: `runs` (the catalog), `metrics` (every run's metrics.parquet), `agents`,
    `agents_initial`, `agents_final`, `edges`, `edges_initial`, `edges_final`; each per-run view
    starts with a `run_id` column. The catalog is copied in, so no lock is held while querying.
    """
    catalog = Catalog(data_dir)
    table = catalog.frame()
    con = duckdb.connect(":memory:")
    con.register("_catalog", table)
    con.execute("CREATE TABLE runs AS SELECT * FROM _catalog")
    con.unregister("_catalog")
    done = table[table["status"] == "done"]
    folders = [(rid, Path(p)) for rid, p in zip(done["id"], done["path"]) if _is_complete(Path(p))]

    def view(name: str, file: str, where: str = "", columns: str = "p.* EXCLUDE (filename)") -> None:
        files = [(rid, (folder / file).as_posix()) for rid, folder in folders if (folder / file).is_file()]
        if not files:
            con.execute(f"CREATE VIEW {name} AS SELECT NULL::VARCHAR AS run_id WHERE false")
            return
        listing = ", ".join(_sql_str(f) for _, f in files)
        mapping = ", ".join(f"({_sql_str(r)}, {_sql_str(f)})" for r, f in files)
        con.execute(
            f"CREATE VIEW {name} AS SELECT m.run_id, {columns} "
            f"FROM read_parquet([{listing}], union_by_name = true, filename = true) AS p "
            f"JOIN (VALUES {mapping}) AS m(run_id, filename) ON p.filename = m.filename {where}")

    view("metrics", "metrics.parquet")
    view("agents", "agents.parquet")
    view("agents_initial", "agents.parquet", "WHERE p.snapshot = 'initial'", "p.* EXCLUDE (filename, snapshot)")
    view("agents_final", "agents.parquet", "WHERE p.snapshot = 'final'", "p.* EXCLUDE (filename, snapshot)")
    view("edges", "edges.parquet")
    view("edges_initial", "edges.parquet", "WHERE p.snapshot = 'initial'", "p.* EXCLUDE (filename, snapshot)")
    view("edges_final", "edges.parquet", "WHERE p.snapshot = 'final'", "p.* EXCLUDE (filename, snapshot)")
    return con


def sql(query: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Run a SQL query over the views of `connect` and return a DataFrame."""
    con = connect(data_dir)
    try:
        return con.execute(query).df()
    finally:
        con.close()


__all__ = ["data_dir", "runs", "open_run", "sql", "connect", "execute", "resume", "save_result", "remove_run",
           "run_folder", "Catalog", "StoreError", "StoredRun", "new_run_id"]
