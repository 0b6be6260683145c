"""experiments/benchmark.py runs end to end on tiny sizes and writes its CSV.

Speed is never asserted here (a shared CI machine says nothing about it); only that every
case ran, that the rates and ratios follow from the counts and seconds, and that the
bare SimPy line and leadsim's M/M/c+M line simulate the same queue."""

from __future__ import annotations

import pandas as pd
import pytest

from experiments import benchmark


@pytest.mark.slow
def test_benchmark_writes_every_case_with_the_expected_columns(tmp_path, capsys):
    path = benchmark.main(["--mmc-days", "1", "--market-days", "2", "--sweep-jobs", "2",
                           "--sweep-days", "1", "--n-jobs", "2", "--repeat", "1",
                           "--out", str(tmp_path / "bench")])
    assert path.name == "benchmark.csv" and path.parent.parent == tmp_path / "bench"
    out = capsys.readouterr().out
    assert str(path) in out
    df = pd.read_csv(path).set_index("case")
    assert list(df.reset_index().columns) == benchmark.COLUMNS
    assert list(df.index) == ["bare_simpy_mmc", "leadsim_mmc", "leadsim_mmc_simulate",
                              "leadsim_market", "leadsim_market_simulate",
                              "startup_help", "startup_run_1day",
                              "sweep_sequential", "sweep_joblib"]
    assert (df.loc[["startup_help", "startup_run_1day"], "seconds"] > 0).all()
    assert df.loc["startup_help", "target"] == "seconds <= 0.5"
    runs = df.loc[["bare_simpy_mmc", "leadsim_mmc", "leadsim_market"]]
    assert (runs["seconds"] > 0).all() and (runs["inquiries"] > 0).all()
    assert runs["customers_per_s"].tolist() == pytest.approx(
        (runs["customers"] / runs["seconds"]).tolist())
    floor = df.loc["bare_simpy_mmc", "customers_per_s"]
    assert runs["ratio_inquiries"].tolist() == pytest.approx(
        (runs["inquiries_per_s"] / floor).tolist())
    assert (runs["peak_bytes_per_inquiry"] > 0).all()
    assert (df.loc[["leadsim_mmc", "leadsim_market"], "held_bytes_per_inquiry"] > 0).all()
    # same queue, same parameters: about 30 callers an hour for a day in both
    bare, mmc = df.loc["bare_simpy_mmc"], df.loc["leadsim_mmc"]
    assert abs(bare["customers"] - mmc["customers"]) < 6 * (bare["customers"] ** 0.5)
    # a market prospect makes one inquiry per practice on their shopping list
    market = df.loc["leadsim_market"]
    assert market["customers"] <= market["inquiries"] <= 4 * market["customers"]
    sweep = df.loc["sweep_joblib"]
    assert sweep["speedup"] == pytest.approx(df.loc["sweep_sequential", "seconds"]
                                             / sweep["seconds"], rel=1e-3)
    # the sweep rows split into a fixed cost and a cost per job (a one-job sweep)
    seq = df.loc["sweep_sequential"]
    assert seq["fixed_seconds"] + 2 * seq["per_job_seconds"] == pytest.approx(seq["seconds"])
    assert sweep["fixed_seconds"] + sweep["per_job_seconds"] == pytest.approx(sweep["seconds"])
    # a sweep of twice the jobs gives a round's cost (tiny jobs: too noisy, then both are
    # empty and the reason is printed)
    if pd.isna(sweep["per_round_seconds"]):
        assert pd.isna(sweep["speedup_many_jobs"]) and "many jobs: not measured" in out
    else:
        assert sweep["speedup_many_jobs"] == pytest.approx(
            2 * sweep["per_job_seconds"] / sweep["per_round_seconds"], rel=1e-6)
    assert set(df["meets_target"].dropna().astype(str)) <= {"True", "False"}
    assert df.loc["leadsim_mmc", "target"] == "ratio_customers >= 3"


def test_sweep_costs_split_the_times_and_give_the_job_length_the_target_needs():
    # sequential = 3 + 4 x 2, parallel = 4 + 2 x 2 (two workers): 11 / 8 = 1.375x
    costs = benchmark.sweep_costs(4, 11.0, 5.0, 8.0, 2)
    assert costs == pytest.approx({"fixed": 3.0, "per_job": 2.0, "fixed_parallel": 4.0,
                                   "breakeven": (1.7 * 4 - 3) / (4 - 1.7 * 2)})
    j = costs["breakeven"]
    assert (3 + 4 * j) / (4 + 2 * j) == pytest.approx(1.7)
    # one worker per job can never beat jobs / ceil(jobs / workers) = 1.5 < 1.7
    assert benchmark.sweep_costs(3, 9.0, 5.0, 8.0, 2)["breakeven"] is None
    assert benchmark.workers(-1, 2, 4) == 2 and benchmark.workers(-1, 8, 4) == 4
    assert benchmark.workers(3, 2, 4) == 3 and benchmark.workers(-2, 4, 4) == 3


def test_many_jobs_takes_the_cost_of_a_round_from_a_sweep_of_twice_the_jobs():
    # 4 jobs on 2 workers: 2 rounds in 8 s; 8 jobs: 4 rounds in 12 s -> 2 s a round;
    # jobs of 1.8 s one after another: 2 x 1.8 / 2 = 1.8x for a very large sweep
    many = benchmark.many_jobs(1.8, 4, 8.0, 12.0, 2)
    assert (many["per_round"], many["speedup"]) == pytest.approx((2.0, 1.8))
    assert many["why"] is None
    # 4 jobs on 4 workers: one round; 8 jobs: two rounds -> 4 s a round, 4 x 1.8 / 4
    assert benchmark.many_jobs(1.8, 4, 8.0, 12.0, 4)["speedup"] == pytest.approx(1.8)
    for args in [(None, 4, 8.0, 12.0, 2), (1.8, 4, 8.0, None, 2),
                 (1.0, 3, 5.08, 6.24, 2),  # a round half empty: a job alone is faster
                 (1.8, 4, 8.0, 7.9, 2),  # twice the jobs no slower: noise
                 (1.8, 4, 8.0, 12.0, 1)]:  # one worker: nothing shares the cores
        many = benchmark.many_jobs(*args)
        assert many["speedup"] is None and many["per_round"] is None and many["why"], args


def test_bad_sizes_are_one_line_errors(capsys):
    with pytest.raises(SystemExit) as exc:
        benchmark.main(["--repeat", "0"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "--repeat: 0 is not allowed" in err[-1]
