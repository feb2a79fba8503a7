"""The command line, end to end with small sizes: every preset runs and reads back; bad input
exits 2 with one clear message and writes nothing; runs, sql, scenario show, resume."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import socialcredit
from socialcredit import checkpoint, store
from socialcredit.cli import app
from socialcredit.scenario import preset_names, resolve
from socialcredit.simulation import Simulation

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
AGENTS = "400"
runner = CliRunner(env={"COLUMNS": "160", "SOCIALCREDIT_DATA_DIR": None})


def cli(*args, input: str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def assert_same_result(a, b) -> None:
    for name in ("metrics", "group_metrics", "agents", "edges"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    assert a.scenario == b.scenario


def run_id_of(output: str) -> str:
    return re.search(r"run (\d{8}-\d{6}-[0-9a-f]{6})", output).group(1)


def assert_nothing_written(data: Path) -> None:
    runs_dir = data / "runs"
    assert not runs_dir.exists() or not any(runs_dir.iterdir()), list(runs_dir.iterdir())
    assert len(store.runs(data)) == 0


# --- every preset, through the CLI and back --------------------------------------------------------------


def test_five_presets_are_shipped():
    assert set(preset_names()) == {"sesame-as-reported", "zhima", "rongcheng", "blacklist", "no-system"}


@pytest.mark.parametrize("preset", ["sesame-as-reported", "zhima", "rongcheng", "blacklist", "no-system"])
def test_each_preset_runs_and_reads_back(tmp_path, preset):
    res = cli("run", preset, "--agents", AGENTS, "--steps", "6", "--seed", "4", "--data-dir", tmp_path)
    assert res.exit_code == 0, res.output
    run_id = run_id_of(res.stdout)
    assert "Headline measures at step 6" in res.stdout
    assert "chilling effect" in res.stdout and "Gini of wealth" in res.stdout
    folder = tmp_path / "runs" / run_id
    assert f"folder: {folder}" in res.stdout.replace("\n", "")
    row = store.Catalog(tmp_path).get(run_id)
    assert row["status"] == "done" and row["preset"] == preset and row["agents"] == int(AGENTS)
    assert_same_result(store.open_run(run_id, data_dir=tmp_path),
                       socialcredit.simulate(preset, agents=int(AGENTS), steps=6, seed=4))


def test_default_preset_and_data_dir_from_environment(tmp_path):
    res = runner.invoke(app, ["run", "--agents", "300", "--steps", "2", "-q"],
                        env={"SOCIALCREDIT_DATA_DIR": str(tmp_path / "env-data")})
    assert res.exit_code == 0, res.output
    frame = store.runs(tmp_path / "env-data")
    assert list(frame["preset"]) == ["sesame-as-reported"]
    assert res.stdout.strip() == frame["path"].iloc[0]


def test_set_overrides_name_and_out(tmp_path):
    out = tmp_path / "exactly-here"
    res = cli("run", "zhima", "--agents", "300", "--steps", "3", "--set", "policy.reversion=0.2",
              "--set", "population.traits.dissent.a=3", "--name", "probe", "--out", out, "--data-dir", tmp_path / "d")
    assert res.exit_code == 0, res.output
    back = store.open_run(out)
    assert back.scenario.policy.reversion == 0.2
    assert back.scenario.population.traits.dissent.a == 3
    row = store.runs(tmp_path / "d").iloc[0]
    assert row["name"] == "probe" and row["path"] == str(out)


def test_real_anonymous_topology_from_an_edge_list(tmp_path):
    edges = SHARED_DATA / "ego-facebook.edges"
    if not edges.is_file():
        pytest.skip("shared/data/ego-facebook.edges is not present")
    scenario = tmp_path / "facebook.toml"
    scenario.write_text(f'extends = "zhima"\nname = "facebook"\n\n[network]\nkind = "edge_list"\npath = "{edges.as_posix()}"\n')
    res = cli("run", scenario, "--steps", "2", "--data-dir", tmp_path / "d", "-q")
    assert res.exit_code == 0, res.output
    back = store.open_run(res.stdout.strip())
    assert len(back.agents_initial) == 4039 and len(back.edges_initial) == 88234
    assert store.runs(tmp_path / "d").iloc[0]["agents"] == 4039


# --- bad input: exit 2, one clear message, nothing written ------------------------------------------------


def _files(tmp: Path) -> dict[str, Path]:
    files = {
        "malformed": "name = \n[population\n",
        "wrong-type": 'extends = "zhima"\n[population]\nagents = "many"\n',
        "probability": 'extends = "zhima"\n[behaviour.social]\nunfriend_probability = 1.5\n',
        "tiers": ('extends = "zhima"\n[[policy.tiers]]\nname = "high"\nmin_score = 700.0\n'
                  '[[policy.tiers]]\nname = "low"\nmin_score = 350.0\n'),
        "unknown-field": 'extends = "zhima"\n[policy]\nsurveilance = 0.5\n',
    }
    out = {}
    for name, text in files.items():
        out[name] = tmp / f"{name}.toml"
        out[name].write_text(text)
    garbage = tmp / "garbage.edges"
    garbage.write_text("0 1\n1 2\n2 banana\n")
    out["edges"] = tmp / "edges.toml"
    out["edges"].write_text(f'extends = "zhima"\n[network]\nkind = "edge_list"\npath = "{garbage.as_posix()}"\n')
    return out


BAD = [
    (["nonexistent-preset"], ["unknown preset 'nonexistent-preset'", "sesame-as-reported"]),
    (["{tmp}/missing.toml"], ["missing.toml", "does not exist"]),
    (["@malformed"], ["not valid TOML"]),
    (["@wrong-type"], ["population.agents", "'many'", "valid integer"]),
    (["@probability"], ["behaviour.social.unfriend_probability", "1.5", "less than or equal to 1"]),
    (["@tiers"], ["tiers must be in increasing order", "700.0, 350.0"]),
    (["@unknown-field"], ["policy.surveilance", "unknown field"]),
    (["@edges"], ["network.path", "line 3", "'2 banana'"]),
    (["zhima", "--agents", "-5"], ["population.agents = -5", "greater than 0"]),
    (["zhima", "--agents", "lots"], ["population.agents = 'lots'", "valid integer"]),
    (["zhima", "--steps", "-1"], ["steps = -1", "greater than or equal to 0"]),
    (["zhima", "--set", "policy.speech.surveillance=1.5"], ["policy.speech.surveillance = 1.5", "less than or equal to 1"]),
    (["zhima", "--set", "policy.nonsense=3"], ["policy.nonsense", "unknown field"]),
    (["zhima", "--set", "policy.reversion=lots"], ["policy.reversion = 'lots'", "valid number"]),
    (["zhima", "--set", "policy.friends.mode=sideways"], ["policy.friends.mode = 'sideways'", "'average', 'drag' or 'off'"]),
    (["zhima", "--set", "no-equals-sign"], ["--set 'no-equals-sign'", "path.to.field=value"]),
    (["zhima", "--checkpoint-every", "-1"], ["--checkpoint-every"]),
]


@pytest.mark.parametrize("args,expected", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_exits_2_with_one_clear_message_and_writes_nothing(tmp_path, args, expected):
    files = _files(tmp_path)
    argv = [str(files[a[1:]]) if a.startswith("@") else a.replace("{tmp}", str(tmp_path)) for a in args]
    data = tmp_path / "data"
    if "--steps" not in argv:
        argv += ["--steps", "2"]
    res = cli("run", *argv, "--data-dir", data)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and res.stdout == ""
    for fragment in expected:
        assert fragment in res.stderr, (fragment, res.stderr)
    assert_nothing_written(data)


def test_bad_input_in_scenario_show_exits_2(tmp_path):
    res = cli("scenario", "show", "zhima", "--set", "policy.reversion=2")
    assert res.exit_code == 2 and "policy.reversion = 2" in res.stderr and res.stdout == ""


def test_out_folder_not_empty_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    res = cli("run", "zhima", "--agents", "300", "--steps", "2", "--out", out, "--data-dir", tmp_path / "data")
    assert res.exit_code == 2 and "not empty" in res.stderr
    assert [p.name for p in out.iterdir()] == ["precious.txt"]
    assert not list(tmp_path.glob(".tmp-*"))
    assert_nothing_written(tmp_path / "data")


def test_unexpected_error_exits_1_and_marks_failed(tmp_path, monkeypatch):
    def broken(self):
        raise MemoryError("pretend we ran out of memory")

    monkeypatch.setattr(Simulation, "step", broken)
    res = cli("run", "zhima", "--agents", "300", "--steps", "3", "--data-dir", tmp_path)
    assert res.exit_code == 1
    assert "MemoryError: pretend we ran out of memory" in res.stderr and "Traceback" not in res.output
    row = store.runs(tmp_path).iloc[0]
    assert row["status"] == "failed" and "MemoryError" in row["error"]
    assert f"--resume {row['id']}" in res.stderr
    assert not (tmp_path / "runs" / row["id"]).exists()


# --- resume through the CLI ---------------------------------------------------------------------------------


def test_crash_then_resume_is_bit_identical(tmp_path, monkeypatch):
    original = Simulation.step

    def crash_after_7(self):
        if self.step_index == 7:
            raise RuntimeError("simulated crash after step 7")
        original(self)

    monkeypatch.setattr(Simulation, "step", crash_after_7)
    res = cli("run", "sesame-as-reported", "--agents", AGENTS, "--steps", "10", "--seed", "9",
              "--checkpoint-every", "5", "--data-dir", tmp_path)
    assert res.exit_code == 1, res.output
    run_id = store.runs(tmp_path).iloc[0]["id"]
    assert store.Catalog(tmp_path).get(run_id)["status"] == "failed"
    ckpt = tmp_path / "runs" / f".tmp-{run_id}" / "checkpoint.npz"
    assert checkpoint.read_meta(ckpt)["step_index"] == 5

    shown = cli("runs", "show", run_id, "--data-dir", tmp_path)
    assert shown.exit_code == 0 and "step 5" in shown.stdout and f"--resume {run_id}" in shown.stdout

    monkeypatch.setattr(Simulation, "step", original)
    res = cli("run", "--resume", run_id, "--data-dir", tmp_path)
    assert res.exit_code == 0, res.output
    assert run_id_of(res.stdout) == run_id
    assert store.Catalog(tmp_path).get(run_id)["status"] == "done"
    expected = socialcredit.simulate("sesame-as-reported", agents=int(AGENTS), steps=10, seed=9)
    assert_same_result(store.open_run(run_id, data_dir=tmp_path), expected)

    again = cli("run", "--resume", run_id, "--data-dir", tmp_path)
    assert again.exit_code == 2 and "already done" in again.stderr


def test_resume_refuses_scenario_options(tmp_path):
    res = cli("run", "zhima", "--resume", "20260101-000000-000000", "--data-dir", tmp_path)
    assert res.exit_code == 2 and "drop PRESET|FILE" in res.stderr
    res = cli("run", "--resume", "20260101-000000-000000", "--data-dir", tmp_path)
    assert res.exit_code == 2 and "no run" in res.stderr


def test_ctrl_c_marks_interrupted_and_exits_130(tmp_path, monkeypatch):
    original = Simulation.step

    def interrupt_at_3(self):
        if self.step_index == 3:
            raise KeyboardInterrupt
        original(self)

    monkeypatch.setattr(Simulation, "step", interrupt_at_3)
    res = cli("run", "zhima", "--agents", "300", "--steps", "6", "--checkpoint-every", "2", "--data-dir", tmp_path)
    assert res.exit_code == 130
    row = store.runs(tmp_path).iloc[0]
    assert row["status"] == "interrupted" and f"--resume {row['id']}" in res.stderr
    monkeypatch.setattr(Simulation, "step", original)
    assert cli("run", "--resume", row["id"], "--data-dir", tmp_path, "-q").exit_code == 0
    assert_same_result(store.open_run(row["id"], data_dir=tmp_path),
                       socialcredit.simulate("zhima", agents=300, steps=6))


# --- scenario show, presets, version, help ----------------------------------------------------------------------


def test_scenario_show_is_copy_pasteable_and_reproduces_the_run(tmp_path):
    args = ["--agents", "300", "--steps", "4", "--seed", "7", "--set", "policy.friends.mode=average"]
    res = cli("scenario", "show", "sesame-as-reported", *args)
    assert res.exit_code == 0, res.output
    toml = tmp_path / "mine.toml"
    toml.write_text(res.stdout)
    expected = resolve("sesame-as-reported", agents=300, steps=4, seed=7, overrides=["policy.friends.mode=average"])
    assert socialcredit.load_scenario(toml) == expected
    res_file = cli("run", toml, "--data-dir", tmp_path / "d", "-q")
    res_preset = cli("run", "sesame-as-reported", *args, "--data-dir", tmp_path / "d", "-q")
    assert res_file.exit_code == 0 and res_preset.exit_code == 0
    a, b = store.open_run(res_file.stdout.strip()), store.open_run(res_preset.stdout.strip())
    assert a.scenario.hash() == b.scenario.hash() == expected.hash()
    assert_same_result(a, b)


def test_presets_lists_each_with_its_summary():
    res = cli("presets")
    assert res.exit_code == 0
    lines = res.stdout.strip().splitlines()
    assert len(lines) == len(preset_names())
    for name, line in zip(preset_names(), lines):
        assert line.startswith(name) and len(line) > len(name) + 10


def test_version():
    res = cli("--version")
    assert res.exit_code == 0 and res.stdout.strip() == f"socialcredit {socialcredit.__version__}"


@pytest.mark.parametrize("command", [[], ["run"], ["presets"], ["scenario"], ["scenario", "show"], ["runs"],
                                     ["runs", "show"], ["runs", "rm"], ["sql"], ["report"], ["compare"]])
def test_every_command_has_help_with_examples(command):
    res = cli(*command, "--help")
    assert res.exit_code == 0, res.output
    assert "Usage: socialcredit" in res.stdout
    assert "Example" in res.stdout and "socialcredit " in res.stdout.split("Example", 1)[1]


# --- runs, sql, report, compare -------------------------------------------------------------------------------------


def test_runs_list_show_and_rm(tmp_path):
    ids = []
    for preset in ("zhima", "no-system"):
        res = cli("run", preset, "--agents", "300", "--steps", "2", "--data-dir", tmp_path)
        ids.append(run_id_of(res.stdout))
    listing = cli("runs", "--data-dir", tmp_path)
    assert listing.exit_code == 0 and all(i in listing.stdout for i in ids)
    assert listing.stdout.index(ids[1]) < listing.stdout.index(ids[0])  # newest first
    only = cli("runs", "--preset", "zhima", "--data-dir", tmp_path)
    assert ids[0] in only.stdout and ids[1] not in only.stdout
    assert ids[0] in cli("runs", "--limit", "5", "--status", "done", "--data-dir", tmp_path).stdout
    assert "no runs matching" in cli("runs", "--status", "failed", "--data-dir", tmp_path).stdout
    bad = cli("runs", "--status", "sleeping", "--data-dir", tmp_path)
    assert bad.exit_code == 2 and "running, done, failed, interrupted" in bad.stderr

    shown = cli("runs", "show", ids[0], "--data-dir", tmp_path)
    assert shown.exit_code == 0 and "scenario_hash" in shown.stdout and "Headline measures" in shown.stdout
    assert cli("runs", "show", "nope", "--data-dir", tmp_path).exit_code == 2

    assert cli("runs", "rm", ids[0], "--data-dir", tmp_path, input="n\n").exit_code == 1
    assert (tmp_path / "runs" / ids[0]).exists()
    removed = cli("runs", "rm", ids[0], "--yes", "--data-dir", tmp_path)
    assert removed.exit_code == 0 and not (tmp_path / "runs" / ids[0]).exists()
    assert list(store.runs(tmp_path)["id"]) == [ids[1]]


def test_sql_prints_and_writes(tmp_path):
    for steps in ("3", "5"):
        assert cli("run", "zhima", "--agents", "300", "--steps", steps, "--data-dir", tmp_path).exit_code == 0
    query = "SELECT run_id, count(*) AS n FROM metrics GROUP BY run_id ORDER BY n"
    printed = cli("sql", query, "--data-dir", tmp_path)
    assert printed.exit_code == 0 and "12" in printed.stdout and "18" in printed.stdout
    csv, parquet = tmp_path / "out.csv", tmp_path / "out.parquet"
    assert cli("sql", query, "--out", csv, "--data-dir", tmp_path).exit_code == 0
    assert cli("sql", "SELECT * FROM agents_final", "--out", parquet, "--data-dir", tmp_path).exit_code == 0
    assert list(pd.read_csv(csv)["n"]) == [12, 18]  # (steps + 1) x (groups + 1)
    assert len(pd.read_parquet(parquet)) == 600
    bad = cli("sql", "SELECT nothing FROM nowhere", "--data-dir", tmp_path)
    assert bad.exit_code == 2 and "SQL" in bad.stderr and "nowhere" in bad.stderr
    assert cli("sql", query, "--out", tmp_path / "out.xlsx", "--data-dir", tmp_path).exit_code == 2


def test_report_command_and_run_report_flag(tmp_path):
    pytest.importorskip("socialcredit.report")
    res = cli("run", "zhima", "--agents", "300", "--steps", "3", "--report", "--data-dir", tmp_path)
    assert res.exit_code == 0, res.output
    run_id = run_id_of(res.stdout)
    assert (tmp_path / "runs" / run_id / "report").is_dir()
    res = cli("report", run_id, "--out", tmp_path / "rep", "--data-dir", tmp_path)
    assert res.exit_code == 0, res.output
    html = Path(res.stdout.strip().split("report: ", 1)[1].replace("\n", ""))
    assert html.is_file() and html.parent == tmp_path / "rep"
    assert cli("report", "no-such-run", "--data-dir", tmp_path).exit_code == 2


def test_compare_command(tmp_path):
    pytest.importorskip("socialcredit.experiments")
    pytest.importorskip("socialcredit.report")
    res = cli("compare", "zhima", "no-system", "--seeds", "2", "--agents", "300", "--steps", "3",
              "--out", tmp_path / "cmp", "--data-dir", tmp_path)
    assert res.exit_code == 0, res.output
    assert "zhima (n=2)" in res.stdout and "no-system (n=2)" in res.stdout
    assert any((tmp_path / "cmp").glob("*.html"))
    assert cli("compare", "zhima", "--data-dir", tmp_path).exit_code == 2
