"""``python -m aha_jira_dev.jira_sim --port 8081 --mode cloud|datacenter``"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys

from .server import JiraSimulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aha_jira_dev.jira_sim", description="Run the Jira simulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--mode", choices=("cloud", "datacenter"), default="cloud")
    parser.add_argument("--public-url", default=None, help="base URL to put in self links")
    parser.add_argument("--webhook-url", default=None, help="fire admin webhooks at this URL")
    parser.add_argument("--webhook-secret", default=None)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s"
    )
    sim = JiraSimulator(host=args.host, port=args.port, mode=args.mode, public_url=args.public_url)
    sim.start()
    if args.webhook_url:
        sim.configure_webhook(args.webhook_url, args.webhook_secret)
    creds = sim.credentials
    login = (
        f"{creds['cloud_email']} / API token {creds['cloud_api_token']}"
        if args.mode == "cloud"
        else f"{creds['dc_username']} / {creds['dc_password']} or PAT {creds['dc_pat']}"
    )
    print(
        f"Jira simulator ({args.mode}) on {sim.base_url}; bot login: {login}; control API: "
        f"{sim.base_url}/_sim/info",
        file=sys.stderr,
    )
    with contextlib.suppress(KeyboardInterrupt):
        sim.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
