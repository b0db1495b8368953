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

    serve()
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

    from services.platform.settings import get_settings
    from services.register.audit import AuditChainBroken
    from services.register.case_register import Register

    async def verify() -> int:
        register = Register.connect(get_settings().database_url_async)
        try:
            count = await register.audit.verify()
        except AuditChainBroken as exc:
            print(f"TAMPERED: {exc}", file=sys.stderr)
            return 1
        else:
            # Say how much of the chain's start sealed segments purged (retention).
            sealed = await register.audit.sealed_event_count()
        finally:
            await register.close()
        since = f" from the newest seal on ({sealed} earlier events sealed)" if sealed else ""
        print(f"audit log intact: {count} events{since}, every hash verified")
        return 0

    return asyncio.run(verify())


def _cmd_mailsink(args: argparse.Namespace) -> int:
    from services.stack.mailsink import main as mailsink_main

    return mailsink_main(["--host", args.host, "--port", str(args.port), "--dir", args.dir]) or 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="writ", description="Legal-process handling service")
    sub = parser.add_subparsers(dest="command", required=True)

    from services.stack.up import add_up_command

    add_up_command(sub)

    sub.add_parser("api", help="run the intake API server").set_defaults(func=_cmd_api)
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
    audit_sub.add_parser(
        "verify", help="recompute every hash; exit 1 at the first tampered event"
    ).set_defaults(func=_cmd_audit_verify)

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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
