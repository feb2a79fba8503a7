"""The run store: run folders, the DuckDB catalog, checkpoints and resume, SQL across runs.

Small sizes throughout (a few hundred agents, a few steps). The subprocess tests (SIGKILL,
SIGTERM, two writers at once) start `python -m socialcredit.cli`, which loads the cached
Numba kernels in a few seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import socialcredit
from socialcredit import checkpoint, store
from socialcredit.api import result_of
from socialcredit.scenario import resolve
from socialcredit.simulation import Simulation

AGENTS = 400


def assert_same_result(a, b) -> None:
    """Bit-for-bit equality of every frame of two RunResults."""
    for name in ("metrics", "group_metrics", "agents", "edges"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    assert a.scenario == b.scenario


def cli_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "socialcredit.cli", *args]


def cli_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env[store.DATA_DIR_ENV] = str(data_dir)
    env["COLUMNS"] = "120"
    return env


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"process ended (rc={proc.returncode}) before {what}:\n{out}\n{err}")
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


# --- run folders and the Python API ------------------------------------------------------------


def test_execute_writes_a_complete_folder_that_reads_back_identically(tmp_path):
    sc = resolve("zhima", agents=AGENTS, steps=6, seed=3)
    stored = store.execute(sc, data_dir=tmp_path, preset="zhima", name="probe", checkpoint_every=2)
    assert stored.path == tmp_path / "runs" / stored.id
    assert sorted(p.name for p in stored.path.iterdir()) == sorted(store.FILES)
    assert not list((tmp_path / "runs").glob(".tmp-*"))

    run = json.loads((stored.path / "run.json").read_text())
    for key in ("id", "name", "preset", "scenario_hash", "seed", "agents", "steps", "status", "created",
                "duration_s", "version", "timings"):
        assert key in run, key
    assert run["status"] == "done" and run["name"] == "probe" and run["preset"] == "zhima"
    assert run["agents"] == AGENTS and run["steps"] == 6 and run["seed"] == 3
    assert run["scenario_hash"] == sc.hash()
    assert run["created"].endswith("Z")

    cat = store.runs(tmp_path)
    assert len(cat) == 1
    row = cat.iloc[0]
    assert row["id"] == stored.id and row["status"] == "done" and row["path"] == str(stored.path)
    assert row["pid"] == os.getpid() and row["agents"] == AGENTS and row["steps"] == 6

    expected = socialcredit.simulate("zhima", agents=AGENTS, steps=6, seed=3)
    for key in (stored.id, stored.id[:17], stored.path, str(stored.path)):
        assert_same_result(store.open_run(key, data_dir=tmp_path), expected)
    # the metrics file holds the whole population ('all') and every group, one row per step
    long = pd.read_parquet(stored.path / "metrics.parquet")
    assert len(long) == 7 * (1 + len(sc.population.groups))
    assert set(long["group_name"]) == {"all"} | {g.name for g in sc.population.groups}


def test_run_ids_are_short_sortable_and_unique():
    ids = [store.new_run_id() for _ in range(200)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 22 and i[8] == "-" and i[15] == "-" for i in ids)
    from datetime import datetime, timezone

    early = store.new_run_id(datetime(2026, 1, 1, tzinfo=timezone.utc))
    late = store.new_run_id(datetime(2026, 1, 1, 0, 0, 1, tzinfo=timezone.utc))
    assert early < late


def test_data_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv(store.DATA_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert store.data_dir() == tmp_path / "socialcredit-runs"
    monkeypatch.setenv(store.DATA_DIR_ENV, str(tmp_path / "env"))
    assert store.data_dir() == tmp_path / "env"
    assert store.data_dir(tmp_path / "flag") == tmp_path / "flag"


def test_empty_data_folder_reads_as_empty(tmp_path):
    assert len(store.runs(tmp_path / "nothing")) == 0
    assert list(store.runs(tmp_path / "nothing").columns) == list(store.COLUMNS)
    assert len(store.sql("SELECT * FROM metrics", tmp_path / "nothing")) == 0
    with pytest.raises(store.StoreError, match="no run"):
        store.open_run("20260101-000000-abcdef", data_dir=tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()


def test_out_folder_is_exact_recorded_and_refused_when_not_empty(tmp_path):
    sc = resolve("no-system", agents=300, steps=3)
    out = tmp_path / "elsewhere" / "my-run"
    stored = store.execute(sc, data_dir=tmp_path / "data", out=out)
    assert stored.path == out and (out / "run.json").is_file()
    assert not list(out.parent.glob(".tmp-*"))
    row = store.runs(tmp_path / "data").iloc[0]
    assert row["path"] == str(out) and row["status"] == "done"
    assert_same_result(store.open_run(stored.id, data_dir=tmp_path / "data"), store.open_run(out))
    # an empty existing folder is fine, a non-empty one is refused before anything is written
    empty = tmp_path / "empty"
    empty.mkdir()
    assert store.execute(sc, data_dir=tmp_path / "data", out=empty).path == empty
    with pytest.raises(store.StoreError, match="not empty"):
        store.execute(sc, data_dir=tmp_path / "data", out=out)
    assert len(store.runs(tmp_path / "data")) == 2


def test_runs_filters_and_remove(tmp_path):
    a = store.execute(resolve("zhima", agents=300, steps=2), data_dir=tmp_path, preset="zhima")
    b = store.execute(resolve("no-system", agents=300, steps=2), data_dir=tmp_path, preset="no-system")
    assert list(store.runs(tmp_path)["id"]) == [a.id, b.id]
    assert list(store.runs(tmp_path, preset="zhima")["id"]) == [a.id]
    assert list(store.runs(tmp_path, status="done", preset=["zhima", "no-system"])["id"]) == [a.id, b.id]
    assert len(store.runs(tmp_path, status="failed")) == 0
    assert len(store.runs(tmp_path, limit=1)) == 1
    with pytest.raises(store.StoreError, match="unknown catalog column"):
        store.runs(tmp_path, colour="red")
    store.remove_run(a.id, data_dir=tmp_path)
    assert not a.path.exists() and b.path.exists()
    assert list(store.runs(tmp_path)["id"]) == [b.id]


def test_save_result_stores_a_result_from_simulate(tmp_path):
    result = socialcredit.simulate("rongcheng", agents=300, steps=3, seed=2)
    stored = store.save_result(result, data_dir=tmp_path, preset="rongcheng")
    assert_same_result(store.open_run(stored.id, data_dir=tmp_path), result)


# --- atomicity and failure states ----------------------------------------------------------------


def test_exception_mid_run_leaves_no_complete_folder_and_marks_failed(tmp_path):
    sc = resolve("sesame-as-reported", agents=AGENTS, steps=10)

    def boom(step: int) -> None:
        if step == 4:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire") as info:
        store.execute(sc, data_dir=tmp_path, checkpoint_every=3, progress=boom)
    run_id = info.value.socialcredit_run_id
    row = store.Catalog(tmp_path).get(run_id)
    assert row["status"] == "failed" and "disk on fire" in row["error"]
    runs_dir = tmp_path / "runs"
    assert not (runs_dir / run_id).exists()
    assert [p.name for p in runs_dir.iterdir()] == [f".tmp-{run_id}"]
    tmp = runs_dir / f".tmp-{run_id}"
    assert not (tmp / "run.json").exists() and (tmp / "scenario.toml").exists()
    assert checkpoint.read_meta(tmp / "checkpoint.npz")["step_index"] == 3
    with pytest.raises(store.StoreError, match="failed"):
        store.open_run(run_id, data_dir=tmp_path)
    assert len(store.sql("SELECT * FROM metrics", tmp_path)) == 0


def test_keyboard_interrupt_marks_interrupted(tmp_path):
    sc = resolve("zhima", agents=300, steps=8)

    def stop(step: int) -> None:
        if step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.execute(sc, data_dir=tmp_path, progress=stop)
    row = store.runs(tmp_path).iloc[0]
    assert row["status"] == "interrupted"
    assert not (tmp_path / "runs" / row["id"]).exists()


def test_a_crash_while_writing_outputs_leaves_no_complete_folder(tmp_path, monkeypatch):
    def broken(result, folder, meta):
        (folder / "metrics.parquet").write_bytes(b"half")
        raise OSError("no space left on device")

    monkeypatch.setattr(store, "write_result", broken)
    with pytest.raises(OSError):
        store.execute(resolve("zhima", agents=300, steps=2), data_dir=tmp_path)
    row = store.runs(tmp_path).iloc[0]
    assert row["status"] == "failed"
    assert not (tmp_path / "runs" / row["id"]).exists()


def test_bad_input_found_at_setup_writes_nothing(tmp_path):
    garbage = tmp_path / "garbage.edges"
    garbage.write_text("0 1\n1 2\nthis is not an edge\n")
    sc = resolve("zhima", overrides={"network": {"kind": "edge_list", "path": str(garbage)}})
    with pytest.raises(socialcredit.ScenarioError, match="line 3"):
        store.execute(sc, data_dir=tmp_path / "data")
    assert not (tmp_path / "data").exists()


# --- checkpoints and resume ----------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["sesame-as-reported", "blacklist"])
def test_checkpoint_restore_is_bit_identical(tmp_path, preset):
    sc = resolve(preset, agents=AGENTS, steps=9, seed=5)
    expected = result_of(Simulation(sc).run())
    sim = Simulation(sc)
    sim.run(steps=4)
    checkpoint.save(sim, tmp_path / "c.npz")
    sim.run(steps=2)  # the "lost" steps after the checkpoint
    again = checkpoint.restore(sc, tmp_path / "c.npz")
    assert again.step_index == 4 and len(again.recorder.rows) == 5 * (1 + len(sc.population.groups))
    assert_same_result(result_of(again.run()), expected)


def test_checkpoint_of_another_scenario_is_refused(tmp_path):
    sc = resolve("zhima", agents=300, steps=4)
    sim = Simulation(sc)
    sim.run(steps=1)
    checkpoint.save(sim, tmp_path / "c.npz")
    with pytest.raises(checkpoint.CheckpointError, match="belongs to scenario"):
        checkpoint.restore(resolve("zhima", agents=300, steps=4, seed=1), tmp_path / "c.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(checkpoint.CheckpointError, match="cannot be read"):
        checkpoint.restore(sc, tmp_path / "bad.npz")


def test_resume_after_crash_is_bit_identical_to_an_uninterrupted_run(tmp_path):
    """10 steps, checkpoint at 5, crash after step 7, resume: same final agents and metrics."""
    sc = resolve("sesame-as-reported", agents=AGENTS, steps=10, seed=11)
    expected = socialcredit.simulate(sc)

    def crash(step: int) -> None:
        if step == 7:
            raise RuntimeError("simulated crash after step 7")

    with pytest.raises(RuntimeError) as info:
        store.execute(sc, data_dir=tmp_path, checkpoint_every=5, progress=crash)
    run_id = info.value.socialcredit_run_id
    tmp = tmp_path / "runs" / f".tmp-{run_id}"
    assert checkpoint.read_meta(tmp / "checkpoint.npz")["step_index"] == 5

    seen: list[int] = []
    starts: list[int] = []
    resumed = store.resume(run_id, data_dir=tmp_path, checkpoint_every=5, progress=seen.append,
                           on_start=lambda writer, sim: starts.append(sim.step_index))
    assert starts == [5] and seen == [6, 7, 8, 9, 10]
    assert resumed.id == run_id and resumed.path == tmp_path / "runs" / run_id
    assert not tmp.exists() and not (resumed.path / "checkpoint.npz").exists()
    assert resumed.run["resumed_from_step"] == 5
    assert store.Catalog(tmp_path).get(run_id)["status"] == "done"
    assert_same_result(store.open_run(run_id, data_dir=tmp_path), expected)
    with pytest.raises(store.StoreError, match="already done"):
        store.resume(run_id, data_dir=tmp_path)


def test_resume_without_checkpoint_starts_over(tmp_path):
    sc = resolve("zhima", agents=300, steps=6, seed=2)

    def crash(step: int) -> None:
        if step == 2:
            raise RuntimeError("early crash")

    with pytest.raises(RuntimeError) as info:
        store.execute(sc, data_dir=tmp_path, checkpoint_every=0, progress=crash)
    run_id = info.value.socialcredit_run_id
    resumed = store.resume(run_id, data_dir=tmp_path)
    assert resumed.run["resumed_from_step"] == 0
    assert_same_result(resumed.result, socialcredit.simulate(sc))


def test_resume_of_unknown_run_is_refused(tmp_path):
    with pytest.raises(store.StoreError, match="no run"):
        store.resume("20260101-000000-000000", data_dir=tmp_path)


# --- SQL across runs ------------------------------------------------------------------------------------


def test_sql_across_runs(tmp_path):
    a = store.execute(resolve("zhima", agents=300, steps=5, seed=1), data_dir=tmp_path, preset="zhima")
    b = store.execute(resolve("rongcheng", agents=500, steps=8, seed=2), data_dir=tmp_path, preset="rongcheng")
    groups = {a.id: len(a.result.scenario.population.groups), b.id: len(b.result.scenario.population.groups)}
    counts = store.sql("SELECT run_id, count(*) AS n FROM metrics GROUP BY run_id ORDER BY run_id", tmp_path)
    assert dict(zip(counts["run_id"], counts["n"])) == {a.id: 6 * (groups[a.id] + 1), b.id: 9 * (groups[b.id] + 1)}
    # the views agree with open_run
    for stored in (a, b):
        back = store.open_run(stored.id, data_dir=tmp_path)
        whole = store.sql(f"SELECT * EXCLUDE (run_id) FROM metrics WHERE run_id = '{stored.id}' "
                          "AND group_name = 'all' ORDER BY step", tmp_path)
        np.testing.assert_array_equal(whole["score_mean"].to_numpy(), back.metrics["score_mean"].to_numpy())
        final = store.sql(f"SELECT agent_id, score FROM agents_final WHERE run_id = '{stored.id}' ORDER BY agent_id",
                          tmp_path)
        np.testing.assert_array_equal(final["score"].to_numpy(), back.agents_final["score"].to_numpy())
        initial = store.sql(f"SELECT count(*) AS n FROM agents_initial WHERE run_id = '{stored.id}'", tmp_path)
        assert initial["n"].iloc[0] == len(back.agents_initial)
        ties = store.sql(f"SELECT count(*) AS n FROM edges_final WHERE run_id = '{stored.id}'", tmp_path)
        assert ties["n"].iloc[0] == len(back.edges_final)
    joined = store.sql("SELECT r.preset, count(*) AS n FROM agents_final a JOIN runs r ON r.id = a.run_id "
                       "GROUP BY 1 ORDER BY 1", tmp_path)
    assert dict(zip(joined["preset"], joined["n"])) == {"rongcheng": 500, "zhima": 300}
    # preset-specific tier columns exist side by side (union by name)
    cols = set(store.sql("SELECT * FROM metrics LIMIT 1", tmp_path).columns)
    assert {"run_id", "step", "group_name", "chilling_effect"} <= cols


# --- the catalog under concurrency and process death --------------------------------------------------


def test_lock_conflicts_are_retried_then_reported(tmp_path, monkeypatch):
    catalog = store.Catalog(tmp_path)
    with catalog.writer():
        pass
    holder = subprocess.Popen([sys.executable, "-c",
                               "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
                               "time.sleep(float(sys.argv[2]))", str(catalog.path), "2.0"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setenv(store.LOCK_TIMEOUT_ENV, "0.3")
        with pytest.raises(store.CatalogBusy, match="locked"):
            catalog.frame()
        monkeypatch.setenv(store.LOCK_TIMEOUT_ENV, "30")
        started = time.monotonic()
        assert len(catalog.frame()) == 0  # waits for the holder to let go
        assert time.monotonic() - started > 0.2
    finally:
        holder.wait(timeout=30)


def test_dead_running_rows_are_marked_failed_when_the_catalog_is_opened(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    catalog = store.Catalog(tmp_path)
    import socket

    catalog.insert({"id": "20260101-000000-dead00", "name": "x", "status": "running", "path": tmp_path / "runs" / "x",
                    "pid": gone.pid, "host": socket.gethostname(), "agents": 1, "steps": 1, "seed": 0})
    catalog.insert({"id": "20260101-000000-live00", "name": "y", "status": "running", "path": tmp_path / "runs" / "y",
                    "pid": os.getpid(), "host": socket.gethostname(), "agents": 1, "steps": 1, "seed": 0})
    frame = store.runs(tmp_path)
    status = dict(zip(frame["id"], frame["status"]))
    assert status == {"20260101-000000-dead00": "failed", "20260101-000000-live00": "running"}


def test_sigkill_is_detected_as_failed(tmp_path):
    proc = subprocess.Popen(cli_cmd("run", "zhima", "--agents", "2000", "--steps", "100000", "-q"),
                            env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: (tmp_path / "catalog.duckdb").exists() and len(store.runs(tmp_path, status="running")),
                 120, "the run to start", proc)
        time.sleep(0.5)
        proc.kill()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    frame = store.runs(tmp_path)
    assert len(frame) == 1
    assert frame.iloc[0]["status"] == "failed"
    assert "killed" in frame.iloc[0]["error"]
    assert not (tmp_path / "runs" / frame.iloc[0]["id"]).exists()


def test_sigterm_inside_a_kernel_call_still_marks_interrupted(tmp_path):
    """A SIGTERM whose handler raises while a compiled kernel returns its arrays reaches the
    run as a SystemError caused by the interruption: the run is recorded as interrupted and
    the interruption itself is raised, as for one raised between calls."""
    sc = resolve("no-system", agents=300, steps=5)

    def kernel_returning(step):
        if step == 2:
            try:
                raise store.Terminated()
            except store.Terminated as exc:
                raise SystemError("CPUDispatcher(<function _group_sums>) returned a result with an exception set") from exc

    with pytest.raises(store.Terminated):
        store.execute(sc, data_dir=tmp_path, progress=kernel_returning)
    row = store.runs(tmp_path).iloc[0]
    assert row["status"] == "interrupted"
    assert row["error"] == "terminated (SIGTERM)"


def test_sigterm_marks_interrupted(tmp_path):
    proc = subprocess.Popen(cli_cmd("run", "zhima", "--agents", "2000", "--steps", "100000", "-q"),
                            env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: (tmp_path / "catalog.duckdb").exists() and len(store.runs(tmp_path, status="running")),
                 120, "the run to start", proc)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143, err
    assert "--resume" in err
    row = store.runs(tmp_path).iloc[0]
    assert row["status"] == "interrupted"
    assert (tmp_path / "runs" / f".tmp-{row['id']}" / "scenario.toml").exists()


def test_two_processes_writing_one_data_folder(tmp_path):
    procs = [subprocess.Popen(cli_cmd("run", preset, "--agents", "1500", "--steps", "15", "--seed", str(k),
                                      "--checkpoint-every", "3", "-q"),
                              env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k, preset in enumerate(["sesame-as-reported", "zhima"])]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    frame = store.runs(tmp_path)
    assert len(frame) == 2 and set(frame["status"]) == {"done"}
    assert frame["id"].is_unique and set(frame["preset"]) == {"sesame-as-reported", "zhima"}
    assert {Path(out.strip().splitlines()[-1]) for out, _ in outs} == {Path(p) for p in frame["path"]}
    for run_id in frame["id"]:
        assert store.open_run(run_id, data_dir=tmp_path).metrics["step"].max() == 15
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == sorted(frame["id"])


def test_catalog_survives_two_processes_hammering_it(tmp_path):
    """Many short writes and reads from two processes at once: every row lands, none is lost."""
    script = (
        "import os, sys, socket\n"
        "from socialcredit.store import Catalog\n"
        "cat = Catalog(sys.argv[1])\n"
        "for k in range(25):\n"
        "    rid = f'20260101-000000-{sys.argv[2]}{k:04x}'\n"
        "    cat.insert({'id': rid, 'name': 'x', 'status': 'running', 'path': cat.root / 'runs' / rid,\n"
        "                'pid': os.getpid(), 'host': socket.gethostname(), 'agents': 1, 'steps': 1, 'seed': k})\n"
        "    cat.update(rid, status='done')\n"
        "    assert len(cat.frame({'id': rid})) == 1\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path), tag], stderr=subprocess.PIPE, text=True)
             for tag in ("aa", "bb")]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    frame = store.runs(tmp_path)
    assert len(frame) == 50 and frame["id"].is_unique and set(frame["status"]) == {"done"}
