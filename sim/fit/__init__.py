"""Your own practice: read its exports, estimate, make a leadsim practice, back-test it.

    from sim.fit.mapping import load_mapping
    from sim.fit.estimate import fit_records
    fit = fit_records("calls.csv", "leads.csv", load_mapping("generic"))
    fit.keys()["phone.patience_minutes.mean"]

Modules: mapping (the `columns=` YAML), readers (CSV/TSV/Excel through a mapping, bad
rows), arrivals (Poisson GLMs per hour of the week), phone (talk time, patience,
voicemail), roster (who answers when), service (today's service levels), synthetic (a
simulated practice's records in the same layout), practice (the fitted PracticeConfig),
backtest (simulation against the records, calibration), report (fit_report.html). The app
is experiments/fit_practice.py (`leadsim fit`).
"""
