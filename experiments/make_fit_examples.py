"""Make the example exports of examples/ (synthetic): a practice's call log and CRM export.

    python -m experiments.make_fit_examples            # rewrites examples/harbour_*

The practice, "Harbour Dermatology", is not one of leadsim's archetypes (HARBOUR below):
three receptionists on different hours (Friday closes at 14:00, Saturday mornings), phone,
web forms, e-mail and chat. It is simulated for 13 weeks from Monday 3 March 2025 in
London, across the night the clocks go forward (30 March), and its records are written as
a phone system and a CRM would:
- harbour_calls.tsv: a call-detail record, tab-separated, date and time in separate
  columns (day/month/year), durations in seconds, results as words, outbound call-backs
  mixed in (the mapping's filter keeps inbound calls), test calls to drop, and a few broken
  rows: a row with a stray tab, the header repeated, a date that is not a date, a result
  nobody mapped, a negative duration; one row twice.
- harbour_leads.csv: the CRM's inquiries (web form, e-mail, chat) with times in UTC (Z),
  so the daylight-saving change shows as a change of offset; one row twice, one broken.
- harbour_columns.yaml: the column mapping for both (docs/reference/column-mapping.md).
Each file says in its first line or its comments that it is synthetic.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HARBOUR = {
    "name": "Harbour Dermatology (synthetic)",
    "channels": ["phone", "web_form", "email", "chat"],
    "opening_hours": [{"days": ["mon", "tue", "wed", "thu"], "start": "08:00", "end": "18:00"},
                      {"days": ["fri"], "start": "08:00", "end": "14:00"},
                      {"days": ["sat"], "start": "09:00", "end": "12:00"}],
    "roster": [{"days": ["mon", "tue", "wed", "thu"], "start": "08:00", "end": "16:00"},
               {"days": ["mon", "tue", "wed", "thu"], "start": "10:00", "end": "18:00"},
               {"days": ["fri"], "start": "08:00", "end": "14:00", "staff": 2},
               {"days": ["sat"], "start": "09:00", "end": "12:00"}],
    "patient_share": 0.35,
    "handling": {"call_minutes": 5.5, "call_distribution": "lognormal", "call_sigma": 0.75},
    "hold_patience_minutes": 1.5,
    "voicemail_share": 0.45,
    "policy": {"discipline": "newest_first", "first_response_delay_minutes": 30,
               "follow_up_minutes": [0, 60, 1440], "max_attempts": 3},
    "marketing_weight": 1.6,
}
NAMES = {"front_desk.1": "Amy", "front_desk.2": "Ben", "front_desk.3": "Amy",
         "front_desk.4": "Ben", "front_desk.5": "Cara"}
START = pd.Timestamp("2025-03-03")  # a Monday
ZONE = "Europe/London"
DAYS = 91
SEED = 16
SYNTHETIC = ("SYNTHETIC DATA made by leadsim's simulator (python -m "
             "experiments.make_fit_examples): not a real practice")


def harbour_config():
    from omegaconf import OmegaConf

    import sim
    from sim.config import PracticeConfig, validate

    cfg = sim.load_config([f"market.days={DAYS}", f"seed={SEED}",
                           "market.prospects_per_day=60"])
    merged = OmegaConf.merge(OmegaConf.structured(PracticeConfig), HARBOUR)
    cfg.practices["alpha"] = OmegaConf.to_object(merged)
    return validate(cfg)


def calls_text(calls: pd.DataFrame, rng) -> list[list[str]]:
    """The call-detail record's rows (inbound calls, call-backs, test calls), in time order."""
    local = pd.DatetimeIndex(calls["started_at"])
    words = {"answered": "Answered", "abandoned": "Abandoned", "voicemail": "Voicemail",
             "missed": "Closed"}
    rows = []
    for i in range(len(calls)):
        t = local[i]
        agent = NAMES.get(calls["agent"].iat[i], "")
        talk = calls["talk_seconds"].iat[i]
        rows.append([t.strftime("%d/%m/%Y"), t.strftime("%H:%M:%S"), "Inbound",
                     calls["caller"].iat[i], "+44 20 7946 0000", "Main line",
                     f"{calls['hold_seconds'].iat[i]:.0f}",
                     "" if not np.isfinite(talk) else f"{talk:.0f}",
                     words[calls["outcome"].iat[i]], agent])
    # call-backs the desk made (the filter leaves them out) and test calls (dropped)
    for i in rng.choice(len(calls), size=len(calls) // 12, replace=False):
        t = local[i] + pd.Timedelta(minutes=float(rng.uniform(20, 240)))
        rows.append([t.strftime("%d/%m/%Y"), t.strftime("%H:%M:%S"), "Outbound",
                     "+44 20 7946 0000", calls["caller"].iat[i], "Main line", "0",
                     f"{rng.exponential(180):.0f}", "Answered", "Amy"])
    for day in range(0, DAYS, 14):
        t = START + pd.Timedelta(days=day, hours=8, minutes=2)
        rows.append([t.strftime("%d/%m/%Y"), t.strftime("%H:%M:%S"), "Inbound",
                     "+44 20 7946 0999", "+44 20 7946 0000", "Main line", "0", "12", "Test",
                     "Ben"])
    rows.sort(key=lambda r: (pd.Timestamp(f"{r[0][6:]}-{r[0][3:5]}-{r[0][:2]} {r[1]}")))
    return rows


def mess_calls(rows: list[list[str]], rng) -> list[list[str]]:
    """A handful of broken rows and one duplicate, as real exports have."""
    rows = [list(r) for r in rows]
    picks = rng.choice(np.arange(50, len(rows) - 50), size=6, replace=False)
    rows[picks[0]][7] = rows[picks[0]][7] + "\t"  # a stray tab: one field too many
    rows[picks[1]][0] = "31/02/2025"  # not a date
    rows[picks[2]][8] = "Transferred"  # a result the mapping does not cover
    rows[picks[3]][6] = "-4"  # a negative wait
    rows.insert(int(picks[4]), HEADER)  # the header again (two exports pasted together)
    rows.insert(int(picks[5]), list(rows[picks[5]]))  # the same row twice
    return rows


HEADER = ["Date", "Time", "Direction", "From", "To", "Queue", "Wait", "Talk", "Status", "Agent"]


def main(argv: list[str] | None = None) -> None:
    from sim.fit import synthetic

    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "examples"
    logging.getLogger("MESA").setLevel(logging.WARNING)
    rng = np.random.default_rng(SEED)
    calls, leads, _ = synthetic.simulate_records(harbour_config(), "alpha", START, ZONE,
                                                 ["web_form", "email", "chat"], seed=SEED)
    rows = mess_calls(calls_text(calls, rng), rng)
    lines = [f"# {SYNTHETIC}", "\t".join(HEADER)] + ["\t".join(r) for r in rows]
    out.mkdir(parents=True, exist_ok=True)
    (out / "harbour_calls.tsv").write_text("\n".join(lines) + "\n")
    text = synthetic.generic_leads_text(leads, ZONE, with_offset=True)
    for col in ("created_at", "first_response_at", "booked_at"):  # the CRM writes UTC, as Z
        text[col] = [_utc(v) for v in text[col]]
    text.insert(0, "lead_id", [f"L{10000 + i}" for i in range(len(text))])
    text = text.drop(columns=["booked_at"])
    csv_rows = text.astype(str).values.tolist()
    k = len(csv_rows) // 3
    csv_rows.insert(k, list(csv_rows[k]))  # exported twice
    csv_rows[2 * k][1] = "yesterday"  # a created date that is not a date
    body = [f"# {SYNTHETIC}", ",".join(text.columns)] + [",".join(r) for r in csv_rows]
    (out / "harbour_leads.csv").write_text("\n".join(body) + "\n")
    print(f"{out / 'harbour_calls.tsv'}: {len(rows)} rows; {out / 'harbour_leads.csv'}: "
          f"{len(csv_rows)} rows ({SYNTHETIC})")


def _utc(text: str) -> str:
    if not text:
        return ""
    return pd.Timestamp(text).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


if __name__ == "__main__":
    main()
