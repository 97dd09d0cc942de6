"""``flask --app wsgi engage ...``: thin commands over operations, one commit each."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from engage.core.errors import DomainError
from engage.core.roles import Role
from engage.extensions import db
from engage.results import aggregates
from engage.surveys.models import Survey

engage_cli = AppGroup("engage", help="Engage administration commands.")


def _fail(err: DomainError) -> None:
    db.session.rollback()
    raise click.ClickException("; ".join(str(m) for m in err.messages))


@engage_cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="")
@click.option("--department", "department_slug", help="Department slug (planners).")
def create_user(email: str, role: str, password: str, name: str,
                department_slug: str | None) -> None:
    """Create a staff account."""
    from sqlalchemy import select

    from engage.accounts.operations import create_user as create
    from engage.org.models import Department

    department_id = None
    if department_slug:
        department_id = db.session.scalar(
            select(Department.id).where(Department.slug == department_slug))
        if department_id is None:
            raise click.ClickException(f"No department {department_slug!r}.")
    try:
        user = create(email, password, role, name, department_id)
    except DomainError as err:
        _fail(err)
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}).")


@engage_cli.command("demo")
@click.option("--responses", default=500, show_default=True)
def demo(responses: int) -> None:
    """Load the demo department, neighbourhoods, survey and synthetic responses
    (idempotent: a second run adds nothing)."""
    from engage.demo import load_demo

    summary = load_demo(responses)
    db.session.commit()
    for line in summary:
        click.echo(line)


@engage_cli.command("rebuild-results")
@click.argument("slug", required=False)
def rebuild_results(slug: str | None) -> None:
    """Count a survey's results (every survey's without SLUG) again from the raw answers:
    after a bulk load that wrote rows directly, or to repair the aggregates."""
    query = select(Survey).order_by(Survey.id)
    if slug:
        query = query.where(Survey.slug == slug)
    surveys = list(db.session.scalars(query))
    if slug and not surveys:
        raise click.ClickException(f"No survey {slug!r}.")
    for survey in surveys:
        done = aggregates.rebuild(survey.id)
        db.session.commit()
        click.echo(f"{survey.slug}: {done.changed} responses counted.")


@engage_cli.command("import-survey")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--publish", is_flag=True, help="Publish it once imported.")
def import_survey(path: str, publish: bool) -> None:
    """Create a survey from an XLSForm (.xlsx); refusals name sheet, row and column."""
    from engage.surveys.xlsform import import_survey as run

    try:
        with open(path, "rb") as fh:
            survey = run(fh, publish=publish)
    except DomainError as err:
        _fail(err)
    db.session.commit()
    click.echo(f"Imported {survey.slug}: {len(survey.questions)} questions, {survey.status}.")


@engage_cli.command("export-survey")
@click.argument("slug")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_survey(slug: str, path: str) -> None:
    """Write a survey as an XLSForm (.xlsx)."""
    from pathlib import Path

    from engage.surveys.queries import survey_by_slug
    from engage.surveys.xlsform import export_survey as run

    survey = survey_by_slug(slug)
    if survey is None:
        raise click.ClickException(f"No survey {slug!r}.")
    Path(path).write_bytes(run(survey))
    click.echo(f"Wrote {path}.")


@engage_cli.command("import-baseline")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--table", help="ACS table to import, e.g. B03002 (needed for a zip of several).")
def import_baseline(path: str, table: str | None) -> None:
    """Import a census table downloaded from data.census.gov (the zip or its Data.csv);
    refusals name line and column."""
    from pathlib import Path

    from engage.core.i18n import _
    from engage.demographics.baselines import import_baseline as run

    try:
        with open(path, "rb") as fh:
            imported = run(fh, table=table, filename=Path(path).name)
    except DomainError as err:
        _fail(err)
    db.session.commit()
    click.echo(_("Imported %(table)s (%(vintage)s): %(count)s geographies.", table=imported.table,
                 vintage=imported.vintage or "?", count=imported.geographies))
    if imported.skipped:
        click.echo(_("%(count)s figures left out: the file gives no estimate for them.",
                     count=imported.skipped))


@engage_cli.command("map-geographies")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def map_geographies(path: str) -> None:
    """Map census tracts or ZIP codes to neighbourhoods from a two-column CSV
    (geography, neighbourhood short name); refusals name line and column."""
    from engage.core.i18n import _
    from engage.demographics.baselines import map_geographies_from_csv

    try:
        with open(path, "rb") as fh:
            mappings = map_geographies_from_csv(fh)
    except DomainError as err:
        _fail(err)
    db.session.commit()
    click.echo(_("Mapped %(count)s geographies to %(areas)s neighborhoods.", count=len(mappings),
                 areas=len({m.area_id for m in mappings})))


@engage_cli.command("import-contacts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_contacts(path: str) -> None:
    """Load a partner's contact list (CSV: phone, language, area or zip, consent_source,
    consent_date); bad lines are listed with their reason, good ones load. The file is
    read as it loads: the bar shows how much of it."""
    from pathlib import Path

    from engage.core.i18n import _
    from engage.outreach.contacts import REASONS
    from engage.outreach.contacts import import_contacts as run

    file = Path(path)
    try:
        with file.open("rb") as fh, click.progressbar(length=file.stat().st_size,
                                                       label=_("Loading contacts")) as bar:
            record = run(fh, file.name, progress=lambda _rows: bar.update(fh.tell() - bar.pos))
    except DomainError as err:
        _fail(err)
    db.session.commit()
    for line, code in record.problems:
        click.echo(_("Line %(line)s: %(reason)s", line=line, reason=REASONS[code]))
    click.echo(_("%(loaded)s of %(rows)s contacts loaded.", loaded=record.loaded,
                 rows=record.rows))


@engage_cli.command("rotate-phone-key")
def rotate_phone_key() -> None:
    """Re-encrypt every kept phone number with the first key of PHONE_ENCRYPTION_KEY
    (set NEW,OLD first; drop OLD after). One transaction: all or nothing."""
    from engage.core.i18n import _
    from engage.outreach.models import Contact
    from engage.responses.models import Respondent
    from engage.responses.phones import rotate_column

    count = rotate_column(Respondent, "phone_encrypted") + rotate_column(Contact, "phone_encrypted")
    db.session.commit()
    click.echo(_("%(count)s phone numbers re-encrypted with the first key.", count=count))


@engage_cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="Sending threads.")
def worker(workers: int) -> None:
    """Run a task-queue worker: sends campaign texts and updates (huey; SQLite queue by
    default, Redis with ENGAGE_QUEUE_URL=redis://...). Run as many as you like."""
    from engage.worker import run_worker

    run_worker(current_app, workers)


def register(app: Flask) -> None:
    app.cli.add_command(engage_cli)
