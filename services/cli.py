"""The ``writ`` command: one entry for operators.

``writ up`` runs the whole embedded stack; ``writ api`` and ``writ worker`` run one
process each against external Temporal, PostgreSQL and S3 (production).
Subcommands import their modules lazily so ``writ --help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys


def _cmd_api(args: argparse.Namespace) -> int:
    from services.intake.server import serve

    serve(workers=args.workers)
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    import asyncio

    from services.workflows.worker import run_worker

    asyncio.run(run_worker())
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from services.platform.settings import get_settings
    from services.register.migrations import upgrade

    upgrade(get_settings())
    return 0


def _cmd_token(args: argparse.Namespace) -> int:
    from services.intake.auth.tokens import mint_local_token
    from services.platform.settings import get_settings

    print(
        mint_local_token(
            get_settings(),
            subject=args.sub,
            roles=args.role,
            agency_id=args.agency,
            ttl_seconds=args.ttl,
            account_id=args.account,
        )
    )
    return 0


def _cmd_audit_verify(args: argparse.Namespace) -> int:
    import asyncio

    from botocore.exceptions import BotoCoreError, ClientError

    from services.delivery.signing import SigningKeyError
    from services.platform.objectstore import s3_client
    from services.platform.settings import get_settings
    from services.platform.unreachable import missing_local_register
    from services.register.audit import AuditChainBroken
    from services.register.audit_checkpoints import read_checkpoints, verify_against_checkpoints
    from services.register.case_register import Register

    settings = get_settings()
    missing = missing_local_register(settings)
    if missing:
        print(f"writ audit: {missing}", file=sys.stderr)
        return 2

    async def verify() -> int:
        register = Register.connect(settings.database_url_async)
        try:
            count = await register.audit.verify()
            checkpoints = []
            if not args.no_checkpoints:
                checkpoints = await asyncio.to_thread(
                    read_checkpoints, s3_client(settings), settings
                )
                await verify_against_checkpoints(register.engine, checkpoints)
        except AuditChainBroken as exc:
            print(f"TAMPERED: {exc}", file=sys.stderr)
            return 1
        except SigningKeyError as exc:
            print(f"cannot check the audit checkpoints' signatures: {exc}", file=sys.stderr)
            return 2
        except (BotoCoreError, ClientError) as exc:
            print(
                f"cannot read the audit checkpoints from {settings.s3_endpoint}: {exc}"
                " (--no-checkpoints checks the rows alone)",
                file=sys.stderr,
            )
            return 2
        else:
            # Say how much of the chain's start sealed segments purged (retention).
            sealed = await register.audit.sealed_event_count()
        finally:
            await register.close()
        since = f" from the newest seal on ({sealed} earlier events sealed)" if sealed else ""
        print(f"audit log intact: {count} events{since}, every hash verified")
        if args.no_checkpoints:
            print("checkpoints not checked (--no-checkpoints)")
        elif checkpoints:
            newest = checkpoints[-1]
            print(
                f"matches {len(checkpoints)} signed checkpoints in object-locked S3; the newest"
                f" anchors seq {newest.seq} ({newest.at.isoformat()}, {newest.reason})"
            )
        else:
            print("no signed checkpoints yet: rows after the last one cannot be vouched for")
        return 0

    return asyncio.run(verify())


def _cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    import asyncio

    from services.platform.objectstore import s3_client
    from services.platform.settings import get_settings
    from services.register.audit_checkpoints import write_checkpoint
    from services.register.case_register import Register

    settings = get_settings()

    async def anchor() -> int:
        register = Register.connect(settings.database_url_async)
        try:
            written = await write_checkpoint(register.engine, s3_client(settings), settings, "cli")
        finally:
            await register.close()
        print(
            f"checkpoint written: seq {written.seq}"
            if written is not None
            else "nothing to anchor: the chain head is already anchored (or the chain is empty)"
        )
        return 0

    return asyncio.run(anchor())


def _cmd_policy_simulate(args: argparse.Namespace) -> int:
    """docs/policy.md: replay every recorded request with a candidate policy."""
    import asyncio
    import datetime as dt
    import getpass

    import msgspec

    from services.decisions.policy import PolicyError, load_policy
    from services.decisions.simulation import render_text
    from services.platform.settings import get_settings
    from services.register.case_register import Register
    from services.register.policy_simulations import run_simulation

    try:
        candidate = load_policy(args.policy)
        since = dt.date.fromisoformat(args.since) if args.since else None
    except (PolicyError, ValueError) as exc:
        print(f"writ policy simulate: {exc}", file=sys.stderr)
        return 2
    settings = get_settings()

    async def replay() -> int:
        register = Register.connect(settings.database_url_async)
        try:
            stored = await run_simulation(
                register.engine, candidate, since=since, actor=f"cli:{getpass.getuser()}"
            )
        finally:
            await register.close()
        if args.format == "json":
            print(msgspec.json.encode(stored).decode())
        else:
            print(f"simulation {stored.id}")
            print(render_text(stored.report), end="")
        return 0

    return asyncio.run(replay())


def _cmd_mailsink(args: argparse.Namespace) -> int:
    from services.stack.mailsink import main as mailsink_main

    return mailsink_main(["--host", args.host, "--port", str(args.port), "--dir", args.dir]) or 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="writ", description="Legal-process handling service")
    sub = parser.add_subparsers(dest="command", required=True)

    from services.stack.up import add_up_command

    add_up_command(sub)

    api = sub.add_parser("api", help="run the intake API server")
    api.add_argument(
        "--workers",
        type=int,
        help="API processes behind the one port (default: $WRIT_API_WORKERS, else 1; "
        "0: one per CPU core)",
    )
    api.set_defaults(func=_cmd_api)
    sub.add_parser("worker", help="run the Temporal workflow worker").set_defaults(func=_cmd_worker)
    sub.add_parser("migrate", help="apply case-register migrations").set_defaults(func=_cmd_migrate)

    token = sub.add_parser("token", help="mint a local (HS256) bearer token")
    token.add_argument("--sub", required=True, help="subject: the user or officer id")
    token.add_argument(
        "--role",
        action="append",
        required=True,
        choices=["agency", "reviewer", "legal", "billing", "auditor", "admin", "customer"],
        help="repeat for several roles",
    )
    token.add_argument("--agency", help="agency id (required for the agency role)")
    token.add_argument("--account", help="account id (required for the customer role)")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    token.set_defaults(func=_cmd_token)

    audit = sub.add_parser("audit", help="the hash-chained audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser(
        "verify",
        help="recompute every hash and check the rows against the signed checkpoints in S3;"
        " exit 1 at the first tampered event, truncated tail or re-hashed segment",
    )
    verify.add_argument(
        "--no-checkpoints", action="store_true", help="check the rows alone (S3 unreachable)"
    )
    verify.set_defaults(func=_cmd_audit_verify)
    audit_sub.add_parser(
        "checkpoint", help="sign the chain head into object-locked S3 now"
    ).set_defaults(func=_cmd_audit_checkpoint)

    policy = sub.add_parser("policy", help="the legal-handling policy (docs/policy.md)")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True)
    simulate = policy_sub.add_parser(
        "simulate",
        help="replay every recorded request with a candidate policy and report what changes",
    )
    simulate.add_argument("--policy", required=True, help="the candidate policy JSON file")
    simulate.add_argument("--since", help="only requests received on or after YYYY-MM-DD")
    simulate.add_argument("--format", choices=["text", "json"], default="text")
    simulate.set_defaults(func=_cmd_policy_simulate)

    mailsink = sub.add_parser("mailsink", help="run the local SMTP sink that keeps mail on disk")
    mailsink.add_argument("--host", default="127.0.0.1")
    mailsink.add_argument("--port", type=int, default=8025)
    mailsink.add_argument("--dir", required=True, help="where received messages are kept")
    mailsink.set_defaults(func=_cmd_mailsink)

    from services.carrier.synthetic.cli import add_lake_commands
    from services.delivery.verification import add_verify_command

    add_lake_commands(sub)
    add_verify_command(sub)

    # Retention hook: `writ retention schedule|run-now` (docs/operations.md).
    from services.workflows.retention.cli import add_retention_commands

    add_retention_commands(sub)
    from services.reporting.cli import add_commands as add_reporting_commands  # §10

    add_reporting_commands(sub)  # writ transparency …, writ register generate

    from services.billing.cli import add_billing_commands  # billing hook: writ billing export

    add_billing_commands(sub)
    from services.agency_client.cli import add_agency_commands  # writ agency … (issue 15)

    add_agency_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except Exception as exc:
        # A server the command needs is not there: one line that says which, not a
        # driver's traceback (issue 13). Anything else keeps its traceback.
        from services.platform.settings import SettingsError, get_settings
        from services.platform.unreachable import describe_unreachable

        if isinstance(exc, SettingsError):
            line = f"{exc} (docs/configuration.md)"
        else:
            try:
                line = describe_unreachable(exc, get_settings())
            except SettingsError:
                line = None
        if line is None:
            raise
        print(f"writ {args.command}: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
