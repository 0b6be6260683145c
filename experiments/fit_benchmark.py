"""The fit's scale row of the benchmark: a year of a busy practice's records, read and
fitted without the back-test (issue 16 item 6: under 30 s, memory under 1 GB).

    python -m experiments.benchmark --fit                 # 50,000 calls, 20,000 inquiries
    python -m experiments.benchmark --fit --fit-calls 100000

The records are drawn at random in the generic layout (a year from Monday 6 January 2025,
London time, calls by leadsim's phone profile and inquiries by its online profile; four
receptionists; outcomes, holds, talk and response times of plausible sizes), written as
CSV, then read and fitted (sim.fit.estimate.fit_records: every estimate of `leadsim fit`
before the back-test) in a fresh Python process, so the time includes importing pandas,
statsmodels and scipy, and the memory is that process's peak resident size (getrusage).
The row: case `fit_year`, seconds (the best of --repeat child runs), calls, inquiries,
peak_rss_bytes, and whether both targets hold.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

TARGET_SECONDS = 30.0
TARGET_BYTES = 1024**3


def write_year(folder: Path, n_calls: int, n_leads: int, seed: int = 1) -> tuple[Path, Path]:
    from sim import arrival_profile

    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-06")

    def times(channel: str, n: int) -> pd.DatetimeIndex:
        how = rng.choice(168, size=n, p=arrival_profile(channel))
        week = rng.integers(0, 52, size=n)
        minutes = (week * 168 + how) * 60 + rng.random(n) * 60
        return pd.DatetimeIndex(np.sort(start.as_unit("s").value
                                        + (minutes * 60).astype("int64")) * 10**9)

    t = times("phone", n_calls)
    outcome = rng.choice(["answered", "abandoned", "voicemail", "missed"], size=n_calls,
                         p=[0.75, 0.1, 0.08, 0.07])
    answered = outcome == "answered"
    hold = np.where(outcome == "missed", 0, rng.exponential(25, n_calls)).round()
    talk = np.where(answered, rng.lognormal(np.log(300), 0.7, n_calls).round(), np.nan)
    agent = np.where(answered, rng.choice(["amy", "ben", "cara", "dev"], size=n_calls), "")
    calls = pd.DataFrame({"started_at": t.strftime("%Y-%m-%d %H:%M:%S"), "hold_seconds": hold,
                          "outcome": outcome, "talk_seconds": talk, "agent": agent,
                          "caller": rng.integers(10**6, 10**7, n_calls)})
    channels = ["web_form", "email", "chat", "sms", "social_dm", "review_site"]
    which = rng.choice(channels, size=n_leads, p=[0.4, 0.15, 0.15, 0.1, 0.15, 0.05])
    created = times("web_form", n_leads)
    first = created + pd.to_timedelta(rng.lognormal(np.log(90), 1.2, n_leads), unit="m")
    never = rng.random(n_leads) < 0.1
    leads = pd.DataFrame({"created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
                          "channel": which,
                          "first_response_at": np.where(never, "",
                                                        first.strftime("%Y-%m-%d %H:%M:%S")),
                          "booked": np.where(rng.random(n_leads) < 0.2, "yes", "no")})
    paths = folder / "calls.csv", folder / "leads.csv"
    calls.to_csv(paths[0], index=False)
    leads.to_csv(paths[1], index=False)
    return paths


def child(calls: str, leads: str) -> None:
    """In the measured process: read and fit, print the seconds it took as JSON."""
    t0 = time.perf_counter()
    from sim.fit.estimate import fit_records
    from sim.fit.mapping import load_mapping

    mapping = load_mapping("generic")
    mapping.timezone = "Europe/London"
    fit = fit_records(calls, leads, mapping)
    keys = fit.keys()
    print(json.dumps({"seconds": time.perf_counter() - t0, "calls": keys["rows.calls.kept"],
                      "inquiries": keys["rows.leads.kept"]}))


def measure_once(calls: Path, leads: Path) -> tuple[dict, int]:
    code = ("import sys; from experiments.fit_benchmark import child; "
            "child(sys.argv[1], sys.argv[2])")
    proc = subprocess.Popen([sys.executable, "-c", code, str(calls), str(leads)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    _, status, usage = os.wait4(proc.pid, 0) if proc.returncode is None else (0, 0, None)
    if proc.returncode != 0:
        raise RuntimeError(f"the fit failed: {err.strip().splitlines()[-1] if err else ''}")
    import resource

    peak = (usage.ru_maxrss if usage is not None
            else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) * 1024
    return json.loads(out.strip().splitlines()[-1]), int(peak)


def fit_row(n_calls: int, n_leads: int, repeat: int, out: Path) -> dict:
    load = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryDirectory() as tmp:
        calls, leads = write_year(Path(tmp), n_calls, n_leads)
        best, peak, value = float("inf"), 0, {}
        for i in range(repeat):
            value, rss = measure_once(calls, leads)
            best, peak = min(best, value["seconds"]), max(peak, rss)
            print(f"  round {i + 1}: fit_year {value['seconds']:.2f} s, peak RSS "
                  f"{rss / 2**20:.0f} MiB", flush=True)
    row = {"case": "fit_year", "seconds": round(best, 3), "calls": value["calls"],
           "inquiries": value["inquiries"], "peak_rss_bytes": peak, "load_1min": load,
           "target": f"seconds < {TARGET_SECONDS:g} and peak_rss_bytes < 1 GiB",
           "meets_target": best < TARGET_SECONDS and peak < TARGET_BYTES}
    out.mkdir(parents=True, exist_ok=True)
    path = out / "benchmark.csv"
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    print(f"\nfit_year: {row['seconds']:.2f} s for {row['calls']:,} calls and "
          f"{row['inquiries']:,} inquiries, peak {peak / 2**20:.0f} MiB (load {load}); "
          f"target met: {row['meets_target']}\nbenchmark.csv: {path}")
    return row
