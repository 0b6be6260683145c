"""`leadsim app`: the classroom app. Speed to lead and staffing, played in a browser.

    leadsim app                 # serves http://127.0.0.1:8765/ until Ctrl-C
    leadsim app port=9000
    make app

A Mesa SolaraViz page (experiments/app/page.py) over the public API: the controls become
`sim.load_config` overrides (experiments/app/lesson.py) and the market steps a day at a
time. Everything the page loads comes from this machine: Solara's JavaScript and fonts
from the `solara-assets` package (no CDN), no telemetry, no version check. It needs the
`app` extra: pip install -e '.[app]'.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import sys
import warnings

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
USAGE = """usage: leadsim app [port=8765]

Serves the classroom app on http://127.0.0.1:PORT/ until Ctrl-C (or SIGTERM).
  port   the port to listen on (default 8765)"""

# Solara reads its settings from the environment when it is first imported.
SOLARA_ENV = {
    "SOLARA_APP": "experiments.app.page:Page",
    "SOLARA_MODE": "production",  # no tracebacks on the page
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    # The page's JavaScript, CSS and fonts are served by this server from the
    # solara-assets package (the "proxy"); an asset it lacks would be downloaded from
    # the CDN setting, which points nowhere (this machine's discard port): a 404 instead.
    "SOLARA_ASSETS_PROXY": "True",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    "SOLARA_THEME_SHOW_BANNER": "False",
    "SOLARA_CHECK_HOOKS": "off",  # Mesa's own components trip Solara's hook linter
    "SOLARA_KERNEL_CULL_TIMEOUT": "10m",  # a closed tab's lesson is let go
}


class AppError(ValueError):
    """A bad `leadsim app` argument: one line."""


def parse_args(args: list[str]) -> int:
    """The port of `leadsim app [port=N]`."""
    port = DEFAULT_PORT
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep:
            raise AppError(f"'{arg}' is not a setting (allowed: port=N)")
        if key != "port":
            raise AppError(f"{key}: unknown key (allowed: port)")
        if not (value.isdigit() and 1 <= int(value) <= 65535):
            raise AppError(f"port: '{value}' is not allowed (allowed: a whole number from "
                           "1 to 65535)")
        port = int(value)
    return port


def missing_extra() -> str | None:
    """None, or the one line that says the app extra is not installed."""
    import importlib.util

    missing = [m for m in ("solara", "solara_assets", "altair", "networkx")
               if importlib.util.find_spec(m) is None]
    if missing:
        return (f"the app needs the 'app' extra ({', '.join(missing)} missing): "
                "pip install -e '.[app]' (or: make app)")
    return None


def bind(port: int, host: str = HOST) -> socket.socket:
    """The listening socket, or AppError if the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise AppError(f"port: {port} is in use (allowed: a free port, e.g. "
                           f"port={port + 1})") from None
        raise AppError(f"port: {port} cannot be used ({exc.strerror})") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def warm_up() -> None:
    """Compose the default config and the first speed-to-lead curve in the background,
    so the first page shows them at once."""
    import threading

    from . import lesson, views  # imported here, not in the thread beside the server's

    def work():
        lesson._archetype_patient_share()
        views.speed_curve(lesson.DEFAULTS["profile"])

    threading.Thread(target=work, daemon=True, name="leadsim-warm-up").start()


def serve(port: int = DEFAULT_PORT, host: str = HOST) -> None:
    """Serve the app until Ctrl-C or SIGTERM; prints the address once it listens."""
    os.environ.update(SOLARA_ENV)
    # Solara warns on every page load that 127.0.0.1 is not https (it means cookies of
    # pages embedded in another site's frame); nothing here is embedded
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    sock = bind(port, host)
    import uvicorn

    # a SIGTERM that uvicorn passes on after its graceful shut-down ends here too
    signal.signal(signal.SIGTERM, _stop)
    config = uvicorn.Config("solara.server.starlette:app", log_level="warning",
                            timeout_graceful_shutdown=3, lifespan="on")
    server = uvicorn.Server(config)
    url = f"http://{host}:{sock.getsockname()[1]}/"
    warm_up()
    print(f"leadsim app: {url}  (Ctrl-C to stop)", flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("leadsim app: stopped", flush=True)


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    args = sys.argv[1:]
    if args[:1] in (["-h"], ["--help"]):
        print(USAGE)
        raise SystemExit(0)
    try:
        port = parse_args(args)
        problem = missing_extra()
        if problem:
            raise AppError(problem)
        serve(port)
    except AppError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
