"""``python -m aha_jira_dev.aha_sim --port 8082 [--webhook-url URL] [--rate-limit N]``"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys

from .server import AhaSimulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aha_jira_dev.aha_sim", description="Run the Aha! simulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--public-url", default=None, help="base URL to put in links and download URLs")
    parser.add_argument("--webhook-url", default=None, help="fire both webhook formats at this URL")
    parser.add_argument("--rate-limit", type=int, default=300, help="requests a minute per API key (0: none)")
    parser.add_argument("--check-responses", action="store_true", help="check answers against the OpenAPI")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s"
    )
    sim = AhaSimulator(
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        rate_limit=args.rate_limit or None,
        check_responses=args.check_responses,
    ).start()
    if args.webhook_url:
        sim.configure_webhook(args.webhook_url)
    print(
        f"Aha! simulator on {sim.base_url} (API {sim.api_url}); bot key {sim.bot_key}, "
        f"product manager key {sim.pm_key}; control API: {sim.base_url}/_sim/info",
        file=sys.stderr,
    )
    with contextlib.suppress(KeyboardInterrupt):
        sim.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
