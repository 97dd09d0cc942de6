"""Writing a survey as an XLSForm that pyxform accepts and Engage reads back."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from engage.core.i18n import translated
from engage.engine import TYPES
from engage.engine.questions import SummaryKind
from engage.surveys.models import Survey
from engage.surveys.texts import UI_WORDS
from engage.surveys.xlsform.expressions import constraint_expression, relevant_expression
from engage.surveys.xlsform.format import (
    CHOICES,
    ENGAGE_AREAS,
    ENGAGE_CHANNELS,
    ENGAGE_DIMENSION,
    ENGAGE_EXCLUSIVE,
    ENGAGE_GROUP,
    ENGAGE_HIGH,
    ENGAGE_INTRO,
    ENGAGE_KEYWORD,
    ENGAGE_LOW,
    ENGAGE_THANKS,
    ENGAGE_TITLE,
    ENGAGE_TYPE,
    RATING_PARAMETERS,
    SETTINGS,
    SHARED_LIST,
    SURVEY,
)
from engage.surveys.xlsform.sheets import language_header, language_label

# -- export ----------------------------------------------------------------------------

def _texts(name: str, text: Mapping[str, str] | None, locales: Sequence[str]) -> dict[str, str]:
    return {language_header(name, code): (text or {}).get(code, "") for code in locales}


def _unique_name(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate


def survey_rows(survey: Survey) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The survey and choices sheets: one dict (header -> cell) per row."""
    locales = list(survey.locales)
    types = {q.key: q.type for q in survey.questions}
    # Each choice question's list is named after it; a list a type brings itself (yes/no)
    # is shared by its questions, under a name none of them has.
    taken: set[str] = set(types)
    shared = {name: _unique_name(SHARED_LIST.format(type=name), taken)
              for name in dict.fromkeys(types.values()) if TYPES[name].own_choices}
    questions, choices = [], []
    for q in survey.questions:
        settings = q.settings or {}
        kind = TYPES[q.type]
        scale = kind.summary is SummaryKind.SCALE
        questions.append({
            "type": kind.xls_type.format(list=shared.get(q.type, q.key)), "name": q.key,
            **_texts("label", q.prompt, locales), **_texts("hint", q.help, locales),
            "required": "yes" if q.required else "",
            "relevant": relevant_expression(q.condition, types),
            "constraint": constraint_expression(q.type, settings),
            "parameters": RATING_PARAMETERS if scale else "",
            ENGAGE_TYPE: q.type if q.type in shared else "",
            ENGAGE_DIMENSION: q.dimension or "", ENGAGE_CHANNELS: " ".join(q.channels or []),
            **_texts(ENGAGE_LOW, settings.get("low_label") if scale else None, locales),
            **_texts(ENGAGE_HIGH, settings.get("high_label") if scale else None, locales),
        })
        choices += [{"list_name": q.key, "name": c.value, **_texts("label", c.label, locales),
                     ENGAGE_EXCLUSIVE: "yes" if c.exclusive else "", ENGAGE_GROUP: c.group or ""}
                    for c in q.choices]
    for name, list_name in shared.items():
        choices += [{"list_name": list_name, "name": c.value, **_texts(
                        "label", translated(UI_WORDS[c.ui_word], locales) if c.ui_word else c.label,
                        locales)}
                    for c in TYPES[name].own_choices]
    return questions, choices


def settings_row(survey: Survey) -> dict[str, str]:
    locales, default = list(survey.locales), survey.default_locale
    moment = survey.updated_at or survey.created_at
    return {
        "form_title": survey.title.get(default, ""),
        **_texts(ENGAGE_TITLE, survey.title, [c for c in locales if c != default]),
        "form_id": survey.slug, "version": moment.strftime("%Y%m%d%H%M%S") if moment else "",
        "default_language": language_label(default),
        **_texts(ENGAGE_INTRO, survey.intro, locales), **_texts(ENGAGE_THANKS, survey.thanks, locales),
        ENGAGE_KEYWORD: survey.sms_keyword or "", ENGAGE_CHANNELS: " ".join(survey.channels),
        ENGAGE_AREAS: " ".join(a.slug for a in survey.areas),
    }


def _write_sheet(sheet: Worksheet, rows: Sequence[Mapping[str, str]], keep: Sequence[str]) -> None:
    """Columns in first-seen order, leaving out those empty in every row (but ``keep``).
    Text starting with "=" stays text: a label must never become a formula."""
    headers = list(dict.fromkeys(h for row in rows for h in row))
    headers = [h for h in headers if h in keep or any(row.get(h) for row in rows)]
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"


def export_survey(survey: Survey) -> bytes:
    """The survey as an XLSForm workbook (.xlsx) that pyxform converts and
    :func:`import_survey` reads back whole."""
    questions, choices = survey_rows(survey)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SURVEY
    _write_sheet(sheet, questions, ("type", "name"))
    _write_sheet(book.create_sheet(CHOICES), choices, ("list_name", "name"))
    _write_sheet(book.create_sheet(SETTINGS), [settings_row(survey)], ("form_title", "form_id"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
