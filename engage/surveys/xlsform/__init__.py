"""XLSForm import and export: the ODK / KoboToolbox spreadsheet format for surveys.

Reading is strict on purpose: whatever a file says that Engage cannot honour exactly (a
skip rule it cannot express, a repeat, a calculation) is refused with the sheet, row and
column to fix, rather than imported with another meaning. Engage's own settings travel
in extra ``engage_*`` columns, which pyxform and ODK ignore, so an exported file still
converts with pyxform and imports back with nothing lost.

Reading (:func:`read_xlsform`) turns a workbook into plain data; :func:`import_survey`
creates it through the survey operations, which flush only: the caller commits, or rolls
back on :class:`~engage.core.errors.DomainError` (which :class:`XLSFormError` is).

The work a file can cause is bounded: the caps in ``format.py`` are checked before the
work each one bounds (``workbook.py`` streams only the parts a form needs, through
defusedxml), so a zip bomb or a sheet claiming a million rows is refused in about a second.
"""

from engage.surveys.xlsform.expressions import (
    constraint_expression,
    parse_constraint,
    parse_relevant,
    relevant_expression,
)
from engage.surveys.xlsform.format import (
    MAX_BYTES,
    XLSX_MIMETYPE,
    ImportedSurvey,
    Problem,
    XLSFormError,
)
from engage.surveys.xlsform.reader import import_survey, read_xlsform
from engage.surveys.xlsform.sheets import language_code
from engage.surveys.xlsform.writer import export_survey

__all__ = [
    "MAX_BYTES", "XLSX_MIMETYPE", "ImportedSurvey", "Problem", "XLSFormError",
    "constraint_expression", "export_survey", "import_survey", "language_code",
    "parse_constraint", "parse_relevant", "read_xlsform", "relevant_expression",
]
