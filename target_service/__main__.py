"""`python -m target_service [serve|seed|reset]`: run the service, load or clear its data.

Configuration comes from TARGET_* environment variables (see README.md); a bad value stops
start-up with a message naming the variable and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import logging
import math
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

from prometheus_client import CollectorRegistry

from target_service.core.config import InvalidSettings, Settings, load_settings
from target_service.core.context import ServiceContext
from target_service.core.redis_gateway import DependencyUnavailable

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except InvalidSettings as error:
        print(f"target_service: invalid configuration: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.command in (None, "serve"):
        return serve(settings)
    try:
        return asyncio.run(_data_command(settings, args))
    except DependencyUnavailable:
        print(
            f"target_service: Redis at {_redacted(settings.redis_url)} is unavailable",
            file=sys.stderr,
        )
        return EXIT_FAILED


def _redacted(url: str) -> str:
    """The URL without its password (it goes to a log)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def serve(settings: Settings) -> int:
    import uvicorn

    from target_service.core.lifecycle import Lifecycle
    from target_service.core.server import GracefulServer
    from target_service.main import create_app

    _configure_logging(settings.log_level)
    lifecycle = Lifecycle()
    config = uvicorn.Config(
        create_app(settings, lifecycle=lifecycle),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        log_level=settings.log_level,
        access_log=settings.access_log,
        timeout_graceful_shutdown=math.ceil(settings.drain_timeout_s),
        server_header=False,
    )
    server = GracefulServer(config, lifecycle, settings.shutdown_delay_s)
    server.run()
    return EXIT_OK if server.started else EXIT_FAILED


def _configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     [target_service] %(message)s"))
    logger = logging.getLogger("target_service")
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


async def _data_command(settings: Settings, args: argparse.Namespace) -> int:
    from target_service.seed import SeedPlan, seed

    context = ServiceContext.build(settings, CollectorRegistry())
    context.gateway.open()
    try:
        if args.command == "reset":
            deleted = await context.store.reset()
            print(json.dumps({"deleted_keys": deleted}))
        else:
            plan = SeedPlan(args.organisations, args.clinics, args.staff, args.seed)
            summary = await seed(context.store, plan)
            print(json.dumps(asdict(summary)))
    finally:
        await context.gateway.close()
    return EXIT_OK


def _count(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1000000")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m target_service",
        description="Clinic network back office (slogate's reference service). "
        "Without a command: serve. Settings come from TARGET_* environment variables.",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve HTTP (the default)")
    seed_parser = commands.add_parser(
        "seed", help="load a deterministic data set into Redis (TARGET_REDIS_URL)"
    )
    seed_parser.add_argument(
        "--organisations", type=_count, default=20, help="organisations (default 20)"
    )
    seed_parser.add_argument(
        "--clinics", type=_count, default=5, help="clinics per organisation (default 5)"
    )
    seed_parser.add_argument(
        "--staff", type=_count, default=8, help="staff assignments per clinic (default 8)"
    )
    seed_parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    commands.add_parser("reset", help="delete every key of this service from Redis")
    return parser


def _exit_promptly(code: int) -> NoReturn:
    """End with `code` once the service has shut down, without the interpreter's teardown:
    freeing every module took 0.3 s after uvicorn's "Finished server process", time a pod's
    termination (a rollout's step) waits for. The atexit handlers still run and the standard
    streams are flushed; with another non-daemon thread still running, the normal exit (which
    waits for it)."""
    current = threading.current_thread()
    if any(t is not current and not t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_promptly(main())
