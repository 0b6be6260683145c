"""Every key `leadsim fit` writes to fit.json is documented in docs/reference/fit-json.md,
and every field of the mapping is in the column-mapping reference."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config import CHANNELS
from sim.fit.arrivals import MODELS
from sim.fit.estimate import fit_records
from sim.fit.mapping import SECTIONS, load_mapping

DOCS = Path(__file__).resolve().parent.parent / "docs" / "reference"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CAUSES = ("wrong_field_count", "stray_header", "missing_value", "bad_timestamp",
          "unknown_value", "bad_duration", "negative_duration", "bad_number",
          "response_before_inquiry")


def documented() -> set[str]:
    text = (DOCS / "fit-json.md").read_text()
    keys = set()
    for cell in re.findall(r"^\| (.+?) \|", text, flags=re.M):
        names = re.findall(r"`([^`]+)`", cell)
        base = None
        for n in names:
            if n.startswith("."):  # `.low` after a key: a suffix of the key before it
                if base:
                    stem = base.rsplit(".", 1)[0] if not n.startswith((".low", ".high")) \
                        else base
                    keys.add(stem + n)
                continue
            keys.add(n)
            base = n
        for n in names:  # `(`.low`, `.high`)`
            if n in (".low", ".high") and base:
                keys.add(base + n)
    return keys


def pattern(key: str) -> str:
    parts = key.split(".")
    out = []
    for i, p in enumerate(parts):
        if p in CHANNELS and i > 0:
            out.append("<channel>")
        elif p in ("calls", "leads") and parts[0] in ("rows", "span"):
            out.append("<kind>")
        elif p in CAUSES:
            out.append("<cause>")
        elif p in MODELS:
            out.append("<model>")
        elif p in DAYS:
            out.append("<day>")
        elif p in ("answered", "abandoned", "voicemail", "missed") and "outcome_share" in key:
            out.append("<outcome>")
        elif parts[0] == "rows" and i == 3 and parts[2] == "unknown_values":
            out.append("<field>")
        else:
            out.append(p)
    return ".".join(out)


@pytest.mark.slow
def test_every_fit_key_is_documented(tmp_path):
    rng = np.random.default_rng(3)
    n = 600
    t = pd.Timestamp("2025-01-06 08:00") + pd.to_timedelta(np.sort(rng.random(n)) * 20,
                                                           unit="D")
    outcome = rng.choice(["answered", "abandoned", "voicemail", "missed"], n, p=[.7, .1, .1, .1])
    calls = pd.DataFrame({"started_at": t.strftime("%Y-%m-%d %H:%M:%S"),
                          "hold_seconds": rng.integers(0, 90, n), "outcome": outcome,
                          "talk_seconds": np.where(outcome == "answered",
                                                   rng.integers(30, 600, n), ""),
                          "agent": np.where(outcome == "answered", "amy", "")})
    calls.loc[5, "outcome"] = "transferred"
    calls.to_csv(tmp_path / "c.csv", index=False)
    leads = pd.DataFrame({"created_at": t.strftime("%Y-%m-%d %H:%M:%S"),
                          "channel": rng.choice(["web_form", "email"], n),
                          "first_response_at": (t + pd.Timedelta(hours=2))
                          .strftime("%Y-%m-%d %H:%M:%S"),
                          "booked": rng.choice(["yes", "no"], n), "value": "100"})
    leads.to_csv(tmp_path / "l.csv", index=False)
    fit = fit_records(tmp_path / "c.csv", tmp_path / "l.csv", load_mapping("generic"))
    keys = {"fit.name": "", "fit.base": "", "fit.max_bad_share": 0.01, **fit.keys()}
    keys.update({f"calibration.{k}": 0 for k in ("patient_share", "discipline",
                                                 "first_response_delay_minutes")})
    keys.update({"calibration.inquiry_share.phone": 0, "backtest.metrics": 0,
                 "backtest.within": 0, "backtest.runs": 0})
    docs = documented()
    missing = sorted({pattern(k) for k in keys} - docs)
    assert not missing, missing
    assert "rows.calls.skipped.unknown_value" in keys  # the control: a pattern key is made


def test_every_mapping_field_is_in_the_reference():
    text = (DOCS / "column-mapping.md").read_text()
    for kind, fields in SECTIONS.items():
        for name in fields:
            assert f"| {kind} | `{name}` |" in text, (kind, name)
