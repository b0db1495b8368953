"""``writ agency submit|status|download|respond|withdraw|extend``: the agency client on the
command line, for integrators and the README's walk-through. Each command prints what a
script needs on stdout (``submit`` prints the request id alone), explanations on stderr,
and exits non-zero when the API refused or the wait ended elsewhere.

The API and token come from ``--api``/``--token`` or ``WRIT_API_URL``/``WRIT_TOKEN``
(an agency token: ``writ token --role agency …`` locally, the identity provider's in
production)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

DEFAULT_API = "http://127.0.0.1:8000"


def add_agency_commands(subparsers: Any) -> None:
    agency = subparsers.add_parser("agency", help="the agency client: submit, follow, download")
    agency.add_argument("--api", default=None, help=f"API base URL (WRIT_API_URL; {DEFAULT_API})")
    agency.add_argument("--token", default=None, help="an agency bearer token (WRIT_TOKEN)")
    commands = agency.add_subparsers(dest="agency_command", required=True)

    submit = commands.add_parser("submit", help="submit process; prints the request id")
    submit.add_argument("--metadata", required=True, help="the submission: a JSON file, or -")
    submit.add_argument("--document", required=True, type=Path, help="the signed process (PDF)")
    submit.add_argument("--idempotency-key", help="makes a retry of this command safe")
    submit.add_argument("--json", action="store_true", help="print the whole response")
    submit.set_defaults(func=_submit)

    status = commands.add_parser("status", help="a request's status; --wait polls")
    status.add_argument("request_id")
    status.add_argument(
        "--wait",
        metavar="STATUS[,STATUS]",
        help="poll until one of these statuses (or a final one); exit 1 if another came",
    )
    status.add_argument("--timeout", type=float, default=300.0, help="seconds to wait at most")
    status.add_argument("--json", action="store_true", help="print the whole view")
    status.set_defaults(func=_status)

    download = commands.add_parser("download", help="download and verify the production")
    download.add_argument("request_id")
    download.add_argument("-o", "--output", type=Path, default=Path("production.zip"))
    download.set_defaults(func=_download)

    respond = commands.add_parser("respond", help="answer the reviewer's question")
    respond.add_argument("request_id")
    respond.add_argument("--text", required=True)
    respond.set_defaults(func=_respond)

    withdraw = commands.add_parser("withdraw", help="withdraw a request")
    withdraw.add_argument("request_id")
    withdraw.add_argument("--reason", required=True)
    withdraw.set_defaults(func=_withdraw)

    extend = commands.add_parser("extend", help="extend a preservation by 90 days (once)")
    extend.add_argument("request_id")
    extend.set_defaults(func=_extend)


def _client(args: argparse.Namespace):
    from services.agency_client.client import AgencyClient

    token = args.token or os.environ.get("WRIT_TOKEN")
    if not token:
        raise SystemExit("writ agency: no token (--token or WRIT_TOKEN)")
    return AgencyClient(args.api or os.environ.get("WRIT_API_URL") or DEFAULT_API, token)


def _run(args: argparse.Namespace, work) -> int:
    from services.agency_client.client import AgencyApiError

    try:
        with _client(args) as client:
            return work(client)
    except AgencyApiError as exc:
        print(f"writ agency: {exc}", file=sys.stderr)
        return 1
    except TimeoutError as exc:
        print(f"writ agency: {exc}", file=sys.stderr)
        return 1


def _submit(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.metadata == "-" else Path(args.metadata).read_text()

    def work(client) -> int:
        view = client.submit(json.loads(text), args.document.read_bytes(), args.idempotency_key)
        print(json.dumps(view, indent=2) if args.json else view["id"])
        if view.get("message"):
            print(view["message"], file=sys.stderr)
        return 0

    return _run(args, work)


def _summary(view: dict[str, Any]) -> str:
    parts = [view["id"], view["status"]]
    if view.get("outcome"):
        parts.append(f"outcome={view['outcome']}")
    if view.get("question"):
        parts.append(f"question={view['question']!r}")
    return " ".join(parts)


def _status(args: argparse.Namespace) -> int:
    def work(client) -> int:
        if not args.wait:
            view = client.status(args.request_id)
            print(json.dumps(view, indent=2) if args.json else _summary(view))
            return 0
        wanted = {s.strip() for s in args.wait.split(",") if s.strip()}
        view = client.wait(args.request_id, wanted, timeout=args.timeout)
        print(json.dumps(view, indent=2) if args.json else _summary(view))
        return 0 if view["status"] in wanted else 1

    return _run(args, work)


def _download(args: argparse.Namespace) -> int:
    def work(client) -> int:
        result = client.download(args.request_id, args.output)
        if not result.intact:
            print(f"{args.output}: NOT intact", file=sys.stderr)
            for problem in result.problems:
                print(f"  - {problem}", file=sys.stderr)
            return 1
        print(
            f"{args.output}: intact — {result.files_checked} files match the manifest, "
            f"signed by key {result.key_id} (request {result.request_id})"
        )
        return 0

    return _run(args, work)


def _respond(args: argparse.Namespace) -> int:
    return _run(args, lambda c: _print(c.respond(args.request_id, args.text)))


def _withdraw(args: argparse.Namespace) -> int:
    return _run(args, lambda c: _print(c.withdraw(args.request_id, args.reason)))


def _extend(args: argparse.Namespace) -> int:
    return _run(args, lambda c: _print(c.extend_preservation(args.request_id)))


def _print(view: dict[str, Any]) -> int:
    print(_summary(view) if "status" in view and "id" in view else json.dumps(view))
    return 0
