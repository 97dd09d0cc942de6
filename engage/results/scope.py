"""The responses a results page counts, settled once: a temporary table of response ids
with each one's breakdown group and raking cell (race answers, age band, area).

Without it every question's counts rebuild every response's group and cell from the
tags (the race group alone aggregates all race tags): on 200,000 responses and a dozen
questions that was most of a page's time. The table lives for the transaction only.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert, select, text

from engage.extensions import db
from engage.responses.models import Response
from engage.results.filters import Filters
from engage.results.linked import atom_column, family_dimension
from engage.results.queries import response_conditions, with_group
from engage.results.weighting import cell_columns


@contextmanager
def scoped_responses(survey_id: int, by: str | None, filters: Filters,
                     cells: bool = False, atoms: bool = False) -> Iterator[Table]:
    """Columns ``rid``, ``g`` (the group ``by`` names) and, with ``cells``, ``race``,
    ``age`` and ``area`` (see engage.results.weighting), with ``atoms`` the ``atom`` of
    ``by``'s family (engage.results.linked). One row per response and group: a resident
    who chose two races (or genders, or difficulties) is in two groups."""
    table = Table(f"tmp_scope_{secrets.token_hex(6)}", MetaData(),
                  Column("rid", Integer, primary_key=True), Column("g", String(64), primary_key=True),
                  Column("race", Text), Column("age", String(64)), Column("area", String(64)),
                  Column("atom", Text),
                  prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
    connection = db.session.connection()
    table.create(connection)
    query, group = with_group(select(Response.id).select_from(Response), by)
    names = ["rid", "g"]
    if cells:
        query, columns = cell_columns(query)
        query = query.add_columns(group, *columns)
        names += ["race", "age", "area"]
    else:
        query = query.add_columns(group)
    if atoms and by is not None:
        if cells and family_dimension(by) == "race_ethnicity":
            atom = columns[0]  # the race answers as one string, joined for the cells already
        else:
            query, atom = atom_column(query, by)
        query = query.add_columns(atom)
        names.append("atom")
    connection.execute(insert(table).from_select(
        names, query.where(*response_conditions(survey_id, filters))))
    if connection.dialect.name == "postgresql":  # the planner needs its size to join it well
        connection.execute(text(f"ANALYZE {table.name}"))
    try:
        yield table
    finally:
        table.drop(connection, checkfirst=True)
