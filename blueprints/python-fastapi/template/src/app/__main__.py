"""Entry point: `python -m app` serves; `python -m app healthcheck` probes /healthz.

The health check imports nothing but the standard library: the container runs it every
30 s with a 3 s timeout, so it must not pay for importing the web stack.
"""

from __future__ import annotations

import sys

from . import healthcheck


def serve() -> int:
    from .auth.mode import AUTH_MODE, build_verifier
    from .config import ConfigError, load

    try:
        settings = load(AUTH_MODE)
    except ConfigError as error:
        # Fail closed: never serve with missing or malformed authentication settings.
        print(f"configuration error: {error}", file=sys.stderr)
        return 1

    # The web stack is imported only once the configuration is known to be good.
    import logging

    from . import logs
    from .app import create_app
    from .server import serve as run_server

    logs.configure(settings.log_level)
    logging.getLogger("app").info("starting", extra={"event": "start", "host": settings.host, "port": settings.port})
    run_server(create_app(settings, build_verifier(settings)), settings)
    return 0


def main(argv: list[str]) -> int:
    if argv[1:] == ["healthcheck"]:
        return healthcheck.main()
    if argv[1:]:
        print("usage: python -m app [healthcheck]", file=sys.stderr)
        return 2
    return serve()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
