"""`socialcredit`: the command line - run presets and scenario files, browse and query stored runs.

Bad input (an unknown preset, a malformed file, a value out of range, an unknown `--set`
path) gets one message naming the field, the value and what was expected, on stderr, with
exit code 2 and nothing written. Any other error: a message, exit code 1, and the run is
marked `failed` in the catalog (set SOCIALCREDIT_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import math
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, List, Optional

import typer
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.table import Table
from rich.text import Text

from . import __version__

EXIT_BAD_INPUT = 2
EXIT_ERROR = 1
DEFAULT_PRESET = "sesame-as-reported"

app = typer.Typer(
    name="socialcredit",
    help="Fast agent-based simulator of social credit scoring systems (synthetic populations only).\n\n"
         "Examples:\n\n"
         "  socialcredit run                                   # the default preset, its own size and length\n\n"
         "  socialcredit run zhima --agents 100000 --steps 52\n\n"
         "  socialcredit presets\n\n"
         "  socialcredit runs --status done\n\n"
         "  socialcredit sql \"SELECT run_id, max(chilling_effect) FROM metrics GROUP BY run_id\"",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
runs_app = typer.Typer(
    help="List stored runs (newest first); `runs show ID` and `runs rm ID` for one run.\n\n"
         "Examples:\n\n"
         "  socialcredit runs --status failed --limit 5\n\n"
         "  socialcredit runs show 20261122-031522-a1b2c3\n\n"
         "  socialcredit runs rm 20261122-031522-a1b2c3 --yes",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode="rich",
)
scenario_app = typer.Typer(
    help="Inspect scenarios.\n\nExample:\n\n  socialcredit scenario show zhima --set policy.reversion=0.1 > mine.toml",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(runs_app, name="runs")
app.add_typer(scenario_app, name="scenario")

DATA_DIR_HELP = "Data folder with the catalog and the runs \\[default: $SOCIALCREDIT_DATA_DIR or ./socialcredit-runs]."


# --- output helpers ----------------------------------------------------------------------------------


def _out() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False)


def _fail(message: str, code: int) -> None:
    _err().print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def _guard() -> Iterator[None]:
    """Bad input -> exit 2 with its message; any other error -> exit 1 with a message, no traceback."""
    from .checkpoint import CheckpointError
    from .scenario import ScenarioError
    from .store import StoreError

    try:
        yield
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except (ScenarioError, StoreError, CheckpointError) as exc:
        _fail(str(exc), EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:  # noqa: BLE001 - the CLI's last resort: a message, not a traceback
        if os.environ.get("SOCIALCREDIT_DEBUG"):
            raise
        _fail(f"{type(exc).__name__}: {exc}", EXIT_ERROR)


def _int(text: Optional[str]) -> Any:
    """A count given on the command line: an int when it reads as one, else the text, which the
    scenario's validation then rejects naming the field, the value and the expected type."""
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return text


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if key.endswith("_share") or key == "chilling_effect" or key.startswith("tier_share"):
            return f"{100 * value:.1f} %"
        if value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:.4g}"
    return str(value)


def headline_table(result, title: str | None = None) -> Table:
    """The headline measures (metrics.HEADLINE) at the last step of a result."""
    from .metrics import HEADLINE

    last = result.metrics.iloc[-1]
    table = Table(title=title or f"Headline measures at step {int(last['step'])}", title_justify="left")
    table.add_column("measure")
    table.add_column("column", style="dim")
    table.add_column("value", justify="right")
    for key, label in HEADLINE:
        value = float(last[key]) if key in last.index else None
        table.add_row(label, key, _fmt(key, value))
    return table


def _frame_table(df, title: str | None = None, max_rows: int = 50) -> Table:
    table = Table(title=title, title_justify="left")
    for col in df.columns:
        table.add_column(str(col), overflow="fold")
    for row in df.head(max_rows).itertuples(index=False):
        table.add_row(*[_fmt(str(c), v if not isinstance(v, float) else float(v)) for c, v in zip(df.columns, row)])
    return table


class StepsPerSecond(ProgressColumn):
    """Steps per second of the current run."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("– steps/s" if speed is None else f"{speed:.1f} steps/s", style="cyan")


def _progress(quiet: bool) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    StepsPerSecond(), TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("left"),
                    TimeRemainingColumn(), console=_err(), disable=quiet, transient=False)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"socialcredit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True,
                                                 help="Show the version and exit.")) -> None:
    """Fast agent-based simulator of social credit scoring systems (synthetic populations only)."""


# --- run ---------------------------------------------------------------------------------------------


@app.command()
def run(
    source: Optional[str] = typer.Argument(None, metavar="[PRESET|FILE]",
                                           help=f"A preset name (see `socialcredit presets`) or a scenario TOML file \\[default: {DEFAULT_PRESET}]."),
    agents: Optional[str] = typer.Option(None, "--agents", "-n", metavar="N", help="Number of agents (population.agents)."),
    steps: Optional[str] = typer.Option(None, "--steps", "-t", metavar="T", help="Number of steps; one step is one week."),
    seed: Optional[str] = typer.Option(None, "--seed", "-s", metavar="S", help="Random seed; same scenario + seed = same run, bit for bit."),
    set_: Optional[List[str]] = typer.Option(None, "--set", metavar="PATH=VALUE",
                                             help="Override a scenario field, e.g. --set policy.friends.mode=average (repeatable)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the run folder exactly here (must be new or empty); still recorded in the catalog."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    name: Optional[str] = typer.Option(None, "--name", help="A name for the run in the catalog \\[default: the scenario's name]."),
    checkpoint_every: int = typer.Option(26, "--checkpoint-every", min=0, help="Save a checkpoint every K steps (0: never)."),
    resume: Optional[str] = typer.Option(None, "--resume", metavar="RUN_ID", help="Continue a failed or interrupted run from its last checkpoint."),
    report: bool = typer.Option(False, "--report", help="Also write the HTML report into the run folder (report/)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no table; print the run folder only."),
) -> None:
    """Run a preset or a scenario file and store it as a run folder.

    Shows a progress bar, then the headline measures at the last step, the run id and its folder.
    A checkpoint is saved every K steps; a crashed or interrupted run continues with --resume.

    Examples:

      socialcredit run                                    # sesame-as-reported, its embedded size and length

      socialcredit run zhima --agents 100000 --steps 52 --seed 7

      socialcredit run my-scenario.toml --set policy.friends.mode=average --set policy.friends.weight=0.2

      socialcredit run rongcheng --out results/rongcheng --report

      socialcredit run --resume 20261122-031522-a1b2c3
    """
    from . import store
    from .scenario import preset_names, resolve

    with _guard():
        if resume is not None:
            extra = [flag for flag, value in (("PRESET|FILE", source), ("--agents", agents), ("--steps", steps),
                                              ("--seed", seed), ("--set", set_), ("--out", out), ("--name", name))
                     if value]
            if extra:
                raise store.StoreError(f"--resume {resume}: continues the stored scenario unchanged; "
                                       f"drop {', '.join(extra)}")
        else:
            source = source or DEFAULT_PRESET
            scenario = resolve(source, agents=_int(agents), steps=_int(steps), seed=_int(seed), overrides=list(set_ or []))
            preset = source if source in preset_names() else None

    progress = _progress(quiet)
    task_holder: dict[str, Any] = {}

    def on_start(writer, sim) -> None:
        task = task_holder["task"]
        progress.reset(task, total=sim.scenario.steps, completed=sim.step_index,
                       description=f"{writer.id}" + (f" (resumed at step {sim.step_index})" if sim.step_index else ""))

    def on_step(step: int) -> None:
        progress.update(task_holder["task"], completed=step)

    stored = None
    with _guard():
        try:
            with progress:
                task_holder["task"] = progress.add_task("setting up", total=None)
                if resume is not None:
                    stored = store.resume(resume, data_dir=data_dir, checkpoint_every=checkpoint_every,
                                          progress=on_step, on_start=on_start)
                else:
                    stored = store.execute(scenario, data_dir=data_dir, out=out, name=name, preset=preset,
                                           checkpoint_every=checkpoint_every, progress=on_step, on_start=on_start)
        except KeyboardInterrupt as exc:
            run_id = getattr(exc, "socialcredit_run_id", None)
            hint = f"; continue it with: socialcredit run --resume {run_id}" if run_id else ""
            code = 143 if isinstance(exc, store.Terminated) else 130
            _fail(f"run {run_id or ''} interrupted{hint}".replace("run  ", "run "), code)
        except Exception as exc:
            run_id = getattr(exc, "socialcredit_run_id", None)
            if run_id and not isinstance(exc, store.StoreError):
                _err().print(f"run {run_id} failed; it is marked so in the catalog "
                             f"(continue it with: socialcredit run --resume {run_id})", markup=False)
            raise

    console = _out()
    if not quiet:
        console.print(headline_table(stored.result))
        info = stored.run
        console.print(f"run [bold]{stored.id}[/bold] done: {info['agents']:,} agents, {info['steps']} steps "
                      f"in {info['duration_s']:.1f} s")
        console.print(f"folder: {stored.path}", markup=False)
    else:
        console.print(str(stored.path), markup=False)
    if report:
        with _guard():
            path = _write_report(stored.result, stored.path / "report")
            console.print(f"report: {path}", markup=False)


def _write_report(result, out_dir: Path) -> Path:
    try:
        from .report import write_report
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("socialcredit"):
            raise RuntimeError("the report module (socialcredit.report) is not available in this installation") from None
        raise
    return Path(write_report(result, Path(out_dir)))


# --- presets and scenarios -----------------------------------------------------------------------------


@app.command()
def presets() -> None:
    """List the presets shipped with socialcredit, one line each.

    Example:

      socialcredit presets
    """
    from .scenario import preset_names, preset_summary

    names = preset_names()
    width = max(len(n) for n in names)
    for name in names:
        marker = " (default)" if name == DEFAULT_PRESET else ""
        typer.echo(f"{name:<{width}}  {preset_summary(name)}{marker}")


@scenario_app.command("show")
def scenario_show(
    source: str = typer.Argument(..., metavar="PRESET|FILE", help="A preset name or a scenario TOML file."),
    agents: Optional[str] = typer.Option(None, "--agents", "-n", metavar="N", help="Number of agents."),
    steps: Optional[str] = typer.Option(None, "--steps", "-t", metavar="T", help="Number of steps."),
    seed: Optional[str] = typer.Option(None, "--seed", "-s", metavar="S", help="Random seed."),
    set_: Optional[List[str]] = typer.Option(None, "--set", metavar="PATH=VALUE", help="Override a field (repeatable)."),
) -> None:
    """Print the fully resolved scenario as TOML (every field, defaults included).

    The output is a complete scenario file: `socialcredit run` on it reproduces the same run.

    Examples:

      socialcredit scenario show zhima

      socialcredit scenario show sesame-as-reported --set policy.friends.mode=average > mine.toml

      socialcredit run mine.toml
    """
    from .scenario import resolve

    with _guard():
        scenario = resolve(source, agents=_int(agents), steps=_int(steps), seed=_int(seed), overrides=list(set_ or []))
    sys.stdout.write(scenario.to_toml())


# --- the catalog -----------------------------------------------------------------------------------------


@runs_app.callback()
def runs_list(
    ctx: typer.Context,
    status: Optional[str] = typer.Option(None, "--status", help="Only runs with this status: running, done, failed or interrupted."),
    preset: Optional[str] = typer.Option(None, "--preset", help="Only runs of this preset."),
    limit: int = typer.Option(20, "--limit", min=1, help="Show at most N runs (the newest)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
) -> None:
    """List stored runs (newest first); `runs show ID` and `runs rm ID` for one run.

    Examples:

      socialcredit runs --status failed --limit 5

      socialcredit runs show 20261122-031522-a1b2c3

      socialcredit runs rm 20261122-031522-a1b2c3 --yes
    """
    ctx.obj = {"data_dir": data_dir}
    if ctx.invoked_subcommand is not None:
        return
    from . import store

    with _guard():
        if status is not None and status not in store.STATUSES:
            raise store.StoreError(f"--status {status!r}: expected one of {', '.join(store.STATUSES)}")
        df = store.Catalog(data_dir).frame({"status": status, "preset": preset}, limit=limit, newest_first=True)
    if len(df) == 0:
        typer.echo("no runs" + (" matching" if status or preset else "") + f" in {store.data_dir(data_dir)}")
        return
    table = Table(title=f"Runs in {store.data_dir(data_dir)}", title_justify="left")
    for col in ("id", "name", "preset", "status", "agents", "steps", "seed", "created (UTC)", "duration"):
        table.add_column(col, justify="right" if col in ("agents", "steps", "seed", "duration") else "left",
                         no_wrap=col in ("id", "status", "created (UTC)"))
    colours = {"done": "green", "failed": "red", "interrupted": "yellow", "running": "cyan"}
    for r in df.itertuples(index=False):
        table.add_row(r.id, _str(r.name), _str(r.preset), Text(r.status, style=colours.get(r.status, "")),
                      f"{int(r.agents):,}", str(int(r.steps)), str(int(r.seed)), str(r.created),
                      "" if _nan(r.duration_s) else f"{r.duration_s:.1f} s")
    _out().print(table)


def _str(v: Any) -> str:
    return "" if _nan(v) else str(v)


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _data_dir_of(ctx: typer.Context, own: Optional[Path]) -> Optional[Path]:
    return own if own is not None else (ctx.obj or {}).get("data_dir")


@runs_app.command("show")
def runs_show(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., metavar="RUN_ID", help="A run id (or a unique prefix of one)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
) -> None:
    """Show one run: its catalog row, and its headline measures when done.

    Example:

      socialcredit runs show 20261122-031522-a1b2c3
    """
    from . import checkpoint, store

    data_dir = _data_dir_of(ctx, data_dir)
    with _guard():
        row = store.Catalog(data_dir).get(run_id)
    console = _out()
    table = Table(show_header=False, title=f"Run {row['id']}", title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in row.items():
        table.add_row(key, "" if value is None else str(value))
    folder = Path(row["path"])
    tmp = folder.parent / f"{store.TMP_PREFIX}{row['id']}"
    if row["status"] in ("failed", "interrupted"):
        ckpt = tmp / store.CHECKPOINT
        if ckpt.is_file():
            try:
                table.add_row("checkpoint", f"step {checkpoint.read_meta(ckpt)['step_index']} ({ckpt})")
            except checkpoint.CheckpointError as exc:
                table.add_row("checkpoint", str(exc))
        table.add_row("resume", f"socialcredit run --resume {row['id']}" if (tmp / "scenario.toml").is_file()
                      else "not possible (temp folder gone)")
    console.print(table)
    if row["status"] == "done":
        with _guard():
            result = store.read_run_folder(folder)
        console.print(headline_table(result))


@runs_app.command("rm")
def runs_rm(
    ctx: typer.Context,
    run_id: str = typer.Argument(..., metavar="RUN_ID", help="A run id (or a unique prefix of one)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
) -> None:
    """Delete a run: its folder (or temp folder) and its catalog row.

    Example:

      socialcredit runs rm 20261122-031522-a1b2c3 --yes
    """
    from . import store

    data_dir = _data_dir_of(ctx, data_dir)
    with _guard():
        row = store.Catalog(data_dir).get(run_id)
        if not yes and not typer.confirm(f"Delete run {row['id']} ({row['status']}) and {row['path']}?"):
            raise typer.Exit(1)
        store.remove_run(row["id"], data_dir=data_dir)
    typer.echo(f"removed run {row['id']}")


# --- SQL, reports, comparisons ------------------------------------------------------------------------------


@app.command()
def sql(
    query: str = typer.Argument(..., help="A DuckDB SQL query over the views runs, metrics, agents, agents_initial, "
                                          "agents_final, edges, edges_initial, edges_final."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the result to a .csv or .parquet file instead of printing it."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
) -> None:
    """Query every stored run with SQL (DuckDB).

    `runs` is the catalog; `metrics` has one row per (run_id, step, group_name), group_name
    'all' being the whole population; `agents_final`, `agents_initial` and `edges_final`
    hold the agent and tie snapshots. Every per-run view starts with `run_id`.

    Examples:

      socialcredit sql "SELECT run_id, step, chilling_effect FROM metrics WHERE group_name = 'all' AND step = 52"

      socialcredit sql "SELECT r.preset, avg(a.score) FROM agents_final a JOIN runs r ON r.id = a.run_id GROUP BY 1"

      socialcredit sql "SELECT * FROM metrics" --out metrics.parquet
    """
    import duckdb

    from . import store

    with _guard():
        if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
            raise store.StoreError(f"--out {out}: expected a file name ending in .csv or .parquet")
        try:
            df = store.sql(query, data_dir=data_dir)
        except duckdb.Error as exc:
            raise store.StoreError(f"SQL: {exc}") from None
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            if out.suffix.lower() == ".csv":
                df.to_csv(out, index=False)
            else:
                df.to_parquet(out, index=False)
            typer.echo(f"{len(df):,} rows -> {out}")
            return
    console = _out()
    console.print(_frame_table(df))
    if len(df) > 50:
        console.print(f"… {len(df):,} rows in all; use --out to write them to a file", markup=False)


@app.command("report")
def report_cmd(
    run_id: str = typer.Argument(..., metavar="RUN", help="A run id (or a unique prefix) or a run folder."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for the report \\[default: <run folder>/report]."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
) -> None:
    """Write the HTML report (figures and tables) of a stored run.

    Examples:

      socialcredit report 20261122-031522-a1b2c3

      socialcredit report results/rongcheng --out reports/rongcheng
    """
    from . import store

    with _guard():
        folder = store.run_folder(run_id, data_dir)
        result = store.read_run_folder(folder)
        path = _write_report(result, out if out is not None else folder / "report")
    typer.echo(f"report: {path}")


@app.command()
def compare(
    specs: List[str] = typer.Argument(..., metavar="A B [C ...]",
                                      help="Two or more presets, scenario TOML files or stored run ids (a stored run is used as it is; the first is the reference)."),
    seeds: int = typer.Option(10, "--seeds", "-k", min=1, help="Replicates (seeds) per scenario."),
    agents: Optional[int] = typer.Option(None, "--agents", "-n", help="Agents per run \\[default: each scenario's own]."),
    steps: Optional[int] = typer.Option(None, "--steps", "-t", help="Steps per run \\[default: each scenario's own]."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for the comparison report \\[default: <data dir>/comparisons/<id>]."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
) -> None:
    """Compare scenarios over several seeds: a table of headline measures with confidence intervals, and a report.

    Examples:

      socialcredit compare sesame-as-reported no-system --seeds 20 --agents 20000

      socialcredit compare zhima rongcheng blacklist --seeds 5 --steps 52 --out reports/three
    """
    from . import store

    with _guard():
        if len(specs) < 2:
            raise store.StoreError(f"compare {' '.join(specs)}: expected at least two scenarios to compare")
        if agents is not None and agents <= 0:
            raise store.StoreError(f"--agents {agents}: expected a positive number of agents")
        if steps is not None and steps < 0:
            raise store.StoreError(f"--steps {steps}: expected zero or a positive number of steps")
        try:
            from .experiments import compare as run_comparison
            from .report import write_comparison
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("socialcredit"):
                raise RuntimeError(f"{exc.name} is not available in this installation") from None
            raise
        if out is not None:
            store.check_out_dir(Path(out).absolute())
        with _progress(False) as progress:
            task = progress.add_task("runs", total=None)

            def tick(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            comparison = run_comparison(list(specs), seeds, agents, steps, store.data_dir(data_dir), progress=tick)
        target = out if out is not None else store.data_dir(data_dir) / "comparisons" / store.new_run_id()
        path = write_comparison(comparison, Path(target))
        _out().print(_comparison_table(comparison, title=f"{' vs '.join(specs)} ({seeds} seeds each)"))
    typer.echo(f"report: {path}")


def _estimate(key: str, mean: Any, low: Any, high: Any) -> str:
    text = _fmt(key, None if _nan(mean) else float(mean))
    if not (_nan(low) or _nan(high)):
        text += f" [{_fmt(key, float(low))}, {_fmt(key, float(high))}]"
    return text


def _comparison_table(comparison, title: str) -> Table:
    """Mean [CI] per arm and the first arm minus each other arm, one row per headline measure."""
    table = comparison.table
    arms = list(getattr(comparison, "arms", {}) or {})
    if not arms or not all(f"{a} mean" in table.columns for a in arms):
        return _frame_table(table.reset_index() if table.index.name else table, title=title, max_rows=200)
    ref = arms[0]
    out = Table(title=title, title_justify="left")
    out.add_column("measure")
    for a in arms:
        out.add_column(f"{a} (n={len(comparison.arms[a])})", justify="right")
    for b in arms[1:]:
        out.add_column(f"{ref} − {b}", justify="right")
    for key, row in table.iterrows():
        cells = [str(row.get("label", key))]
        cells += [_estimate(str(key), row[f"{a} mean"], row[f"{a} ci_low"], row[f"{a} ci_high"]) for a in arms]
        for b in arms[1:]:
            name = f"{ref} - {b}"
            cells.append(_estimate(str(key), row.get(f"{name} diff"), row.get(f"{name} ci_low"), row.get(f"{name} ci_high")))
        out.add_row(*cells)
    return out


def main() -> None:
    """Console-script entry point."""
    app(prog_name="socialcredit")


if __name__ == "__main__":
    main()
