"""How well common random numbers work (docs/background/common-random-numbers.md): the
paired correlation and the std of the paired difference of alpha's month net and
bookings, current against three shipped plans, 60-day runs (leadsim optimise's
market_days), seeds 1000 + r, through sim.replicate.

    python -m experiments.crn_pairing TAG N [overrides]

DET=1 makes handling times their means (a diagnostic only); NJ: worker processes."""
import sys
import time

import numpy as np

import sim
from experiments.compare_staffing import plan_configs

DPM = 365.25 / 12
F = "practices.alpha."

def measure(result):
    s = result.summary
    return {"net": s[F + "net"] * DPM / 60, "bookings": s[F + "bookings"],
            "inquiries": s[F + "inquiries"], "procedures": s[F + "procedures"],
            "revenue": s[F + "revenue"] * DPM / 60,
            "prospects": s.get("run.prospects", np.nan),
            "rating_end": s[F + "rating_end"], "reviews": s[F + "new_reviews"],
            "referrals": s["market.referrals_generated"],
            "consultations": s[F + "consultations"]}

def patch():
    import os
    if os.environ.get("DET"):
        import sim.model.streams as st
        st.Exponentials.__call__ = lambda self, mean: mean
        st.LogNormals.__call__ = lambda self, mean: mean

def main():
    patch()
    tag, n = sys.argv[1], int(sys.argv[2])
    overrides = sys.argv[3:]
    plans = ["current", "autoreply_callback_5min", "saturday_shift", "answering_service_nights"]
    cfgs = plan_configs(plans, 60, overrides)
    t = time.time()
    jobs = int(__import__("os").environ.get("NJ", "2"))
    table = sim.replicate(cfgs, range(1000, 1000 + n), n_jobs=jobs, measure=measure,
                          progress=False)
    table.to_csv(f"crn_pairing_{tag}.csv", index=False)
    report(table, tag, time.time() - t)

def report(table, tag, secs=0):
    base = table[table.plan == "current"].set_index("replication")
    print(f"== {tag}: {table.replication.nunique()} seeds, {secs:.0f} s")
    for p in table.plan.unique():
        if p == "current":
            continue
        x = table[table.plan == p].set_index("replication")
        for m in ("net", "bookings"):
            a, b = x[m], base[m]
            r = np.corrcoef(a, b)[0, 1]
            d = a - b
            print(f"{p:26s} {m:9s} corr {r:5.2f}  sd plan {a.std():8.0f}  sd cur {b.std():8.0f}"
                  f"  sd diff {d.std():8.0f}  mean diff {d.mean():8.0f}")

if __name__ == "__main__":
    if sys.argv[1] == "report":
        import pandas as pd
        report(pd.read_csv(sys.argv[2]), sys.argv[2])
    else:
        main()
