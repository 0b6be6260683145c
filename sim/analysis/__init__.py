"""After the run: tables, statistics, Erlang theory, figures and reports.

Never imports `sim.model`: it reads the records a run returns.
"""
