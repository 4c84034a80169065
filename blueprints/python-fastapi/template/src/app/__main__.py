"""Entry point: `python -m app` serves; `python -m app healthcheck` probes /healthz."""

from __future__ import annotations

import logging
import sys

from . import healthcheck, logs
from .app import create_app
from .auth.mode import AUTH_MODE, build_verifier
from .config import ConfigError, load
from .server import serve


def main(argv: list[str]) -> int:
    if argv[1:] == ["healthcheck"]:
        return healthcheck.main()
    if argv[1:]:
        print("usage: python -m app [healthcheck]", file=sys.stderr)
        return 2
    try:
        settings = load(AUTH_MODE)
    except ConfigError as error:
        # Fail closed: never serve with missing or malformed authentication settings.
        print(f"configuration error: {error}", file=sys.stderr)
        return 1
    logs.configure(settings.log_level)
    logging.getLogger("app").info("starting", extra={"event": "start", "host": settings.host, "port": settings.port})
    serve(create_app(settings, build_verifier(settings)), settings)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
