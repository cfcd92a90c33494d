"""Command-line tools: ``flask catalog``, ``reference``, ``forms``, ``drafts``, ``jobs``,
``messages``, ``audit``, ``seed-demo``.

Commands call the same service functions as the views and commit once at the end.
"""
from __future__ import annotations

import json
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, Job, Role
from portal.services import (
    accounts,
    audit,
    catalog_io,
    demo,
    drafts,
    jobs,
    messaging,
    reference,
    runners,
    search,
)
from portal.services.identity import normalize_email
from portal.services.passwords import password_problems

catalog_cli = AppGroup("catalog", help="Import and export the procedure catalogue (JSON).")
search_cli = AppGroup("search", help="The full-text search index.")
users_cli = AppGroup("users", help="Accounts.")
messages_cli = AppGroup("messages", help="Outgoing e-mail and SMS.")
jobs_cli = AppGroup("jobs", help="Background jobs and the outbox sender.")
forms_cli = AppGroup("forms", help="Interactive e-forms (portal/data/forms/*.json).")
drafts_cli = AppGroup("drafts", help="Citizens' drafts.")
reference_cli = AppGroup("reference", help="Shared catalogues: administrative units, ethnic "
                         "groups, nationalities, genders, identity documents.")
audit_cli = AppGroup("audit", help="The audit log.")


@catalog_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--agency", "agency_code", help="Code of the agency that resolves them.")
@click.option("--publish", is_flag=True, help="Publish the imported procedures.")
@click.option("--strict", is_flag=True, help="Import nothing unless every record is valid.")
@click.option("--dry-run", is_flag=True, help="Check the file; change nothing.")
def catalog_import(file, agency_code: str | None, publish: bool, strict: bool,
                   dry_run: bool) -> None:
    """Import procedures from FILE, a JSON array in the catalogue exchange format."""
    try:
        records = json.load(file)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{file.name}: not valid JSON ({error})") from error
    if not isinstance(records, list):
        raise click.ClickException(f"{file.name}: expected a JSON array of procedures")
    agency = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise click.ClickException(f"no agency with code {agency_code}")
    report = catalog_io.import_procedures(
        db.session, records, agency=agency, publish=publish, strict=strict
    )
    for index, code, reasons in report.failed:
        click.echo(f"record {index} ({code or 'no code'}): " + "; ".join(reasons), err=True)
    if dry_run or (strict and report.failed):
        db.session.rollback()
        click.echo("nothing imported" + (" (dry run)" if dry_run else ""))
    else:
        db.session.commit()
        click.echo(f"created {len(report.created)}, updated {len(report.updated)}, "
                   f"failed {len(report.failed)}")
    if report.failed:
        sys.exit(1)


@catalog_cli.command("export")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="Write to this file instead of standard output.")
@click.option("--published-only", is_flag=True, help="Leave unpublished procedures out.")
def catalog_export(output, published_only: bool) -> None:
    """Export procedures as a JSON array in the catalogue exchange format."""
    records = catalog_io.export_procedures(db.session, published_only=published_only)
    json.dump(records, output, ensure_ascii=False, indent=1)
    output.write("\n")


@reference_cli.command("load")
def reference_load() -> None:
    """Load (or refresh) every shared catalogue."""
    report = reference.load_all(db.session)
    db.session.commit()
    click.echo(f"loaded {report}")


@search_cli.command("rebuild")
@click.option("--if-empty", is_flag=True, help="Only when the index is empty (after upgrades).")
def search_rebuild(if_empty: bool) -> None:
    """Index every published procedure, guide and FAQ entry again."""
    if if_empty and not search.is_empty(db.session):
        click.echo("search index present; left as it is")
        return
    count = search.rebuild(db.session)
    db.session.commit()
    click.echo(f"indexed {count} documents")


@users_cli.command("create-admin")
@click.option("--email", prompt=True, help="The administrator's e-mail address.")
@click.option("--name", "display_name", prompt="Full name", help="Full name.")
@click.option("--agency", "agency_code", default="",
              help="Limit to this agency and its units (default: every agency).")
@click.password_option(help="Asked for when not given.")
def create_admin(email: str, display_name: str, agency_code: str, password: str) -> None:
    """Create an administrator account."""
    normalized = normalize_email(email)
    if normalized is None:
        raise click.ClickException("not a valid e-mail address")
    problems = password_problems(password, [display_name, email])
    if problems:
        raise click.ClickException(problems[0])
    agency = None
    if agency_code:
        agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise click.ClickException(f"no agency with code {agency_code}")
    try:
        user = accounts.create_staff(db.session, None, email=normalized,
                                     display_name=display_name, roles={Role.ADMIN},
                                     agency=agency, password=password)
    except accounts.AccountError as error:
        raise click.ClickException("an account with this e-mail already exists") from error
    db.session.commit()
    click.echo(f"administrator {user.email} created")


@users_cli.command("remove-demo")
def remove_demo() -> None:
    """Delete the demo accounts (before turning a demonstration portal into a real one)."""
    from portal.models import User

    users = db.session.scalars(select(User).where(User.email.in_(demo.DEMO_EMAILS))).all()
    for user in users:
        db.session.delete(user)
    db.session.commit()
    click.echo(f"removed {len(users)} demo accounts")


@messages_cli.command("send")
@click.option("--all", "include_waiting", is_flag=True,
              help="Also those waiting to be retried, or given up on after many failures.")
def messages_send(include_waiting: bool) -> None:
    """Send e-mail and SMS still waiting in the outbox (e.g. after a mail-server outage)."""
    tally = jobs.send_messages(db.session, limit=1000, include_waiting=include_waiting)
    failed = tally.processed - tally.succeeded
    click.echo(f"sent {tally.succeeded} messages" + (f", {failed} failed" if failed else ""))


@jobs_cli.command("worker")
@click.option("--once", is_flag=True, help="Do what is due now, then exit.")
def jobs_worker(once: bool) -> None:
    """Run background jobs and send queued messages until stopped (SIGTERM, Ctrl-C)."""
    if not once:
        click.echo(f"worker {os.getpid()} started (JOBS_RUNNER is "
                   f"{current_app.config['JOBS_RUNNER']}); Ctrl-C to stop")
    taken = runners.work(once=once)
    click.echo(f"worker stopped; {taken} items processed")


@jobs_cli.command("list")
@click.option("--limit", default=20, show_default=True, help="How many of the latest jobs.")
def jobs_list(limit: int) -> None:
    """Show the latest jobs: status, progress, attempts, error."""
    for job in db.session.scalars(select(Job).order_by(Job.id.desc()).limit(limit)):
        error = f"  {job.error}" if job.error else ""
        click.echo(f"{job.id:>6}  {job.kind:<24} {job.status.value:<8} {job.progress:>3}%  "
                   f"{job.attempts}/{job.max_attempts}  {job.created_at:%Y-%m-%d %H:%M}"
                   f"{error}")


@forms_cli.command("load")
def forms_load() -> None:
    """Store the e-forms of portal/data/forms for the procedures of the catalogue."""
    counts = drafts.load_form_specs(db.session)
    db.session.commit()
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))


@drafts_cli.command("housekeeping")
def drafts_housekeeping() -> None:
    """Warn owners of drafts about to expire, delete expired drafts (run daily)."""
    warned, deleted = drafts.housekeeping(db.session)
    db.session.commit()
    sent = messaging.deliver_pending(db.session, limit=1000)
    click.echo(f"{warned} owners warned, {deleted} expired drafts deleted, {sent} messages sent")


@audit_cli.command("housekeeping")
def audit_housekeeping() -> None:
    """Clear client addresses older than AUDIT_ADDRESS_DAYS from the audit log (the job
    runners also do it once a day)."""
    cleared = audit.clear_addresses(db.session)
    db.session.commit()
    click.echo(f"{cleared} audit events no longer keep a client address")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when procedures already exist.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Create the demo authority and its procedures (demo mode only)."""
    if not current_app.config["DEMO_MODE"]:
        raise click.ClickException(
            "seed-demo only runs with PORTAL_DEMO_MODE=true: demo data must never reach a "
            "production portal."
        )
    if if_empty and not demo.is_empty(db.session):
        click.echo("catalogue not empty; demo data left as it is")
        return
    report = demo.seed(db.session)
    failed = report.procedures.failed
    for index, code, reasons in failed:
        click.echo(f"demo record {index} ({code}): " + "; ".join(reasons), err=True)
    if failed:
        db.session.rollback()
        raise click.ClickException("demo data is invalid; nothing was saved")
    db.session.commit()
    from portal.services import demo_dossiers, demo_survey

    made = demo_dossiers.seed(db.session)
    made_surveys = demo_survey.seed(db.session)
    db.session.commit()
    click.echo(
        f"demo authority ready: {report.agencies} agencies, {made} demo dossiers, "
        f"{made_surveys} demo survey, "
        f"{len(report.procedures.created) + len(report.procedures.updated)} procedures"
        + (", shared catalogues loaded" if report.reference_loaded else "")
    )


def init_app(app: Flask) -> None:
    """Register the command groups on the app's CLI."""
    app.cli.add_command(catalog_cli)
    app.cli.add_command(reference_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(messages_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(forms_cli)
    app.cli.add_command(drafts_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(seed_demo)
