"""`leadsim`: one command, a subcommand per app.

    leadsim run market.days=30                 # one scenario (python -m sim)
    leadsim compare plans=[current,saturday_shift]   # compare staffing plans
    leadsim --help                             # the subcommands, one line each

Each subcommand takes the same Hydra overrides and `-m` sweeps as the module it runs; the
module is imported only when its subcommand is asked for, so `leadsim --help` stays quick.
A new app adds one line to COMMANDS.
"""

from __future__ import annotations

import importlib
import sys

# subcommand -> (module, function, one line for --help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("sim.__main__", "main",
            "simulate one scenario (the market, or the Erlang A line) and write its outputs"),
    "compare": ("experiments.compare_staffing", "main",
                "compare staffing plans for the focal practice: which pays for itself"),
    "speed-to-lead": ("experiments.speed_to_lead", "main",
                      "the teaching figure: bookings against the first-response delay"),
    "fit": ("experiments.fit_practice", "main",
            "fit a practice of your own to its call log and inquiry export, back-tested"),
    "app": ("experiments.app", "main",
            "the classroom app in the browser: speed to lead and staffing, day by day"),
    "sweep-summary": ("sim.sweep_summary", "main",
                      "means and intervals over the seeds of a finished sweep"),
    "benchmark": ("experiments.benchmark", "main",
                  "time the model against a bare SimPy queue"),
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: leadsim <command> [overrides ...]", "", "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, _, help_) in COMMANDS.items()]
    lines += ["", "leadsim <command> --help shows a command's own settings."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        raise SystemExit(0 if args else 2)
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"error: '{name}' is not a leadsim command (allowed: {', '.join(COMMANDS)})",
              file=sys.stderr)
        raise SystemExit(2)
    module, function, _ = COMMANDS[name]
    sys.argv = [f"leadsim {name}", *rest]  # the apps read their overrides from sys.argv
    entry = getattr(importlib.import_module(module), function)
    entry()


if __name__ == "__main__":
    main()
