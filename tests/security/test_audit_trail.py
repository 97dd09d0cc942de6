"""Publishing is audited by the operation, so every way to publish is recorded alike:
the survey page, an XLSForm import asking to publish, a file that says to publish itself."""

from __future__ import annotations

from sqlalchemy import select

from engage.audit.models import AuditEvent
from engage.surveys.models import Survey
from tests.surveys.test_xlsform import _upload, form


def publications(db) -> list[tuple[str, int | None]]:  # type: ignore[no-untyped-def]
    return [(e.subject, e.user_id) for e in db.scalars(
        select(AuditEvent).where(AuditEvent.action == "survey.publish").order_by(AuditEvent.id))]


def test_publishing_by_xlsform_import_is_audited_like_the_page(client, db, login, make_survey) -> None:
    staff = login("staff")
    assert _upload(client, form(), publish="y").status_code == 302
    draft = make_survey("draftone", publish=False)
    client.post(f"/staff/surveys/{draft.id}/publish", data={"csrf_token": _token(client)})
    assert db.get(Survey, draft.id).status == "published"
    assert publications(db) == [("survey:housing-2026", staff.id), ("survey:draftone", staff.id)]


def test_an_import_that_is_refused_publishes_nothing_and_records_nothing(client, db, login) -> None:
    login("staff")
    assert _upload(client, b"not a workbook", publish="y").status_code == 422
    assert publications(db) == []


def test_a_command_line_publication_is_recorded_without_a_user(app, db, tmp_path) -> None:
    path = tmp_path / "housing.xlsx"
    path.write_bytes(form())
    result = app.test_cli_runner().invoke(args=["engage", "import-survey", str(path), "--publish"])
    assert result.exit_code == 0, result.output
    assert publications(db) == [("survey:housing-2026", None)]


def _token(client) -> str:  # type: ignore[no-untyped-def]
    from tests.conftest import csrf_token

    return csrf_token(client.get("/staff/").get_data(as_text=True))
