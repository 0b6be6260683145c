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
    "optimise": ("experiments.optimise_staffing", "main",
                 "the best plan for a budget: search the decisions, select with a guarantee"),
    "fit": ("experiments.fit_practice", "main",
            "fit a practice of your own to its call log and inquiry export, back-tested"),
    "app": ("experiments.app", "main",
            "the classroom app in the browser: speed to lead and staffing, day by day"),
    "sweep-summary": ("sim.sweep_summary", "main",
                      "means and intervals over the seeds of a finished sweep"),
    "benchmark": ("experiments.benchmark", "main",
                  "time the model against a bare SimPy queue"),
}


def prog(default: str) -> str:
    """The program name an app's --help shows: `leadsim <command>` when run through
    `leadsim`, else `default` (e.g. `python -m sim.sweep_summary`)."""
    argv0 = sys.argv[0] if sys.argv else ""
    return argv0 if argv0.startswith("leadsim ") else default


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: leadsim <command> [overrides ...]", "", "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, _, help_) in COMMANDS.items()]
    lines += ["", "leadsim <command> --help shows a command's own settings; the Hydra apps",
              "take key=value overrides, -m for a sweep and --cfg job to print the config."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["help"] and len(args) > 1:  # leadsim help compare
        args = [args[1], "--help"]
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        raise SystemExit(0 if args else 2)
    if args[0] == "--version":
        from importlib.metadata import version

        print(f"leadsim {version('leadsim')}")
        raise SystemExit(0)
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"error: '{name}' is not a leadsim command (allowed: {', '.join(COMMANDS)})",
              file=sys.stderr)
        raise SystemExit(2)
    module, function, _ = COMMANDS[name]
    sys.argv = [f"leadsim {name}", *rest]  # the apps read their overrides from sys.argv
    entry = getattr(importlib.import_module(module), function)
    entry()


def exit_now(code: int | str | None = 0) -> None:
    """End the process as soon as its work is done and saved: flush the standard streams,
    run the atexit handlers (logging's flush, joblib's and multiprocessing's shut-down,
    pyarrow's), then leave without the interpreter's tear-down of every module, which
    costs a quarter of a second after a run has imported pandas, Mesa and Hydra. Every
    file leadsim writes is closed (sim.fileio.write_atomic) before this point. With
    worker processes or threads still alive (a joblib sweep), the normal exit instead:
    it stops them before the atexit handlers run (which would otherwise wait for them).
    Only the command-line entry points call it: a library call returns normally."""
    import atexit
    import os
    import threading

    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and not t.daemon]
    children = sys.modules.get("multiprocessing")
    if others or (children is not None and children.active_children()):
        # worker processes or threads (a joblib sweep) are shut down by the interpreter's
        # own exit, before the atexit handlers: leave it to that
        raise SystemExit(code)
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `leadsim ... --help | head`: the reader has gone
        pass
    finally:
        os._exit(code or 0)


def run_entry(function) -> None:
    """Run an app's `main()` as a program: its exit status, then exit_now."""
    try:
        function()
    except SystemExit as exc:
        exit_now(exc.code)
    except BrokenPipeError:  # output piped into a reader that stopped (`| head`)
        exit_now(0)
    exit_now(0)


def entry() -> None:
    """The `leadsim` console script."""
    run_entry(main)


if __name__ == "__main__":
    entry()
