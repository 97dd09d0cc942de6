"""Census baselines: importing ACS tables, mapping their geographies onto the city's
neighbourhoods, and each neighbourhood's population by group for the results pages.

Operations flush only: the caller commits, or rolls back on DomainError (which
CensusFileError is).
"""

from __future__ import annotations

import csv
from typing import IO

from sqlalchemy import case, delete, distinct, func, select, update

from engage.core.errors import DomainError
from engage.core.i18n import _l
from engage.demographics.acs_tables import MappedTable, group_figures
from engage.demographics.baseline_models import BaselineFigure, CensusImport, GeographyArea
from engage.demographics.census import (
    GEO_ID_RE,
    MarginSum,
    Problems,
    read_acs,
    refuse,
)
from engage.extensions import db
from engage.org.models import Area

INSERT_BATCH = 5000
#: The key of the whole city (every mapped geography) in :func:`area_baseline`.
ALL = "all"
#: A mapping file lists a city's tracts or ZIP codes: hundreds of lines, not megabytes.
MAX_MAPPING_BYTES = 2 * 1024 * 1024
#: What staff write for a geography, by number of digits: a ZCTA (ZIP code), a tract
#: (state, county, tract) or a block group (tract and group).
_PREFIXES = {5: "860Z200US", 11: "1400000US", 12: "1500000US"}
SUMMARY_LEVELS = {"140": _l("census tracts"), "150": _l("block groups"), "160": _l("places"),
                  "860": _l("ZIP code areas (ZCTAs)")}
BAD_GEOGRAPHY = _l("Give a GEO_ID (such as 1400000US53033000100), a 5-digit ZIP code or an 11-digit "
                   "tract code. A spreadsheet may have dropped a leading zero.")

Baseline = dict[str, dict[str, tuple[float, float | None]]]


# -- importing a table --------------------------------------------------------------------

def import_baseline(fileobj: IO[bytes] | bytes, table: str | None = None,
                    filename: str = "") -> CensusImport:
    """Import a data.census.gov download (zip or Data.csv) of a table Engage maps.

    Every geography in the file is stored, mapped to a neighbourhood or not (mapping may
    come later). A re-import of the same table replaces the earlier figures of the
    geographies the new file gives figures for, whatever the years: the latest import
    wins. Earlier imports keep their other geographies; one left with none is deleted.
    """
    acs = read_acs(fileobj, table, filename)
    mapped = group_figures(acs)
    census_import = CensusImport(table=acs.table, vintage=acs.dataset, filename=filename[:255],
                                 geographies=len({f.geo_id for f in mapped.figures}),
                                 skipped=len(mapped.skipped))
    db.session.add(census_import)
    db.session.flush()
    _store(census_import, mapped)
    _replace_earlier(census_import)
    db.session.flush()
    return census_import


def _store(census_import: CensusImport, mapped: MappedTable) -> None:
    """Insert the figures in batches: a national file has hundreds of thousands."""
    dimension = mapped.mapping.dimension
    for start in range(0, len(mapped.figures), INSERT_BATCH):
        db.session.execute(BaselineFigure.__table__.insert(), [
            {"import_id": census_import.id, "geo_id": f.geo_id, "geo_name": f.geo_name[:255],
             "dimension": dimension, "group": f.group, "estimate": f.estimate, "moe": f.moe}
            for f in mapped.figures[start:start + INSERT_BATCH]])


def _replace_earlier(census_import: CensusImport) -> None:
    """Drop the same table's earlier figures for the geographies just imported, recount
    what earlier imports still cover, and delete those covering nothing."""
    earlier = (CensusImport.table == census_import.table) & (CensusImport.id != census_import.id)
    replaced = select(BaselineFigure.geo_id).where(BaselineFigure.import_id == census_import.id)
    db.session.execute(
        delete(BaselineFigure)
        .where(BaselineFigure.import_id.in_(select(CensusImport.id).where(earlier)),
               BaselineFigure.geo_id.in_(replaced))
        .execution_options(synchronize_session=False))
    covered = (select(func.count(distinct(BaselineFigure.geo_id)))
               .where(BaselineFigure.import_id == CensusImport.id).scalar_subquery())
    db.session.execute(update(CensusImport).where(earlier).values(geographies=covered)
                       .execution_options(synchronize_session="fetch"))
    db.session.execute(delete(CensusImport).where(earlier, CensusImport.geographies == 0)
                       .execution_options(synchronize_session="fetch"))


# -- mapping geographies onto neighbourhoods ----------------------------------------------

def geo_id_from_code(text: str) -> str | None:
    """The GEO_ID staff mean: a GEO_ID as written, a ZCTA (``98118`` or ``ZCTA5 98118``,
    as the Bureau names it), an 11-digit tract or a 12-digit block group code; None for
    anything else (never guessing at a code that lost a leading zero)."""
    code = text.strip().upper()
    if GEO_ID_RE.match(code):
        return code
    code = code.removeprefix("ZCTA5").strip()
    prefix = _PREFIXES.get(len(code))
    return prefix + code if prefix and code.isascii() and code.isdigit() else None


def _no_area(slug: str) -> object:
    return _l("There is no neighborhood %(slug)s.", slug=slug[:64])


def _mapping(geo_id: str, area: Area, existing: dict[str, GeographyArea]) -> GeographyArea:
    """Map ``geo_id`` to ``area``, moving it if it was mapped elsewhere."""
    mapping = existing.get(geo_id)
    if mapping is None:
        mapping = GeographyArea(geo_id=geo_id, summary_level=geo_id[:3])
        db.session.add(mapping)
        existing[geo_id] = mapping
    mapping.area = area
    return mapping


def map_geography(geo_id: str, area_slug: str) -> GeographyArea:
    """Count a geography in a neighbourhood (again: a second call moves it)."""
    full = geo_id_from_code(geo_id)
    if full is None:
        raise DomainError(BAD_GEOGRAPHY)
    area = db.session.scalar(select(Area).where(Area.slug == area_slug.strip()))
    if area is None:
        raise DomainError(_no_area(area_slug))
    existing = db.session.scalar(select(GeographyArea).where(GeographyArea.geo_id == full))
    mapping = _mapping(full, area, {full: existing} if existing else {})
    db.session.flush()
    return mapping


def map_geographies_from_csv(fileobj: IO[bytes] | bytes) -> list[GeographyArea]:
    """Map the geographies a two-column CSV lists: a geography (GEO_ID, ZIP code or tract
    code) and a neighbourhood's short name, with an optional header line (a first line
    whose first cell is no geography). All or nothing: any bad line refuses the file,
    each problem naming its line and column. Geographies not in the file stay mapped."""
    lines = _mapping_lines(fileobj)
    areas = {area.slug: area for area in db.session.scalars(select(Area))}
    problems = Problems()
    wanted: dict[str, tuple[int, Area]] = {}
    names = ["1", "2"]
    for index, (line, cells) in enumerate(lines):
        cells = [c.strip() for c in cells] + ["", ""]
        if index == 0 and geo_id_from_code(cells[0]) is None and cells[1] not in areas:
            names = [cells[0] or "1", cells[1] or "2"]
            continue
        if any(cells[2:]):
            problems.add(line, None, _l("Give two columns: a geography and a neighborhood."))
            continue
        geo_id, area = geo_id_from_code(cells[0]), areas.get(cells[1])
        if geo_id is None:
            problems.add(line, names[0], BAD_GEOGRAPHY)
        if area is None:
            problems.add(line, names[1], _no_area(cells[1]))
        if geo_id and area:
            earlier = wanted.get(geo_id)
            if earlier and earlier[1] is not area:
                problems.add(line, names[0], _l("Line %(line)s maps this geography to %(area)s.",
                                                line=earlier[0], area=earlier[1].slug))
            wanted[geo_id] = (line, area)
    problems.raise_any()
    if not wanted:
        raise refuse(_l("The file maps no geography."))
    existing = {m.geo_id: m for m in db.session.scalars(select(GeographyArea))}
    mappings = [_mapping(geo_id, area, existing) for geo_id, (_line, area) in wanted.items()]
    db.session.flush()
    return mappings


def _mapping_lines(fileobj: IO[bytes] | bytes) -> list[tuple[int, list[str]]]:
    data = bytes(fileobj) if isinstance(fileobj, bytes) else fileobj.read(MAX_MAPPING_BYTES + 1)
    if len(data) > MAX_MAPPING_BYTES:
        raise refuse(_l("The file is larger than %(size)s MB.", size=MAX_MAPPING_BYTES // (1024 * 1024)))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise refuse(_l("This line is not UTF-8 text. Save the file as CSV UTF-8."),
                     data[:err.start].count(b"\n") + 1) from err
    reader = csv.reader(text.splitlines())
    try:
        return [(reader.line_num, cells) for cells in reader if any(c.strip() for c in cells)]
    except csv.Error as err:
        raise refuse(_l("This line is not valid CSV."), reader.line_num) from err


# -- neighbourhood baselines ---------------------------------------------------------------

def mapped_levels(dimension: str) -> list[str]:
    """The summary levels of the mapped geographies having figures for ``dimension``."""
    return list(db.session.scalars(
        select(GeographyArea.summary_level).distinct()
        .join(BaselineFigure, BaselineFigure.geo_id == GeographyArea.geo_id)
        .where(BaselineFigure.dimension == dimension)
        .order_by(GeographyArea.summary_level)))


def area_baseline(dimension: str, summary_level: str | None = None) -> Baseline:
    """Each neighbourhood's population by group of ``dimension`` (and the whole city's,
    under :data:`ALL`): ``{area_slug: {group: (estimate, moe)}}``, summing the mapped
    geographies. Margins combine as :class:`~engage.demographics.census.MarginSum` says;
    a margin is None if any summed one is unknown.

    Tracts and ZIP code areas overlap, so one kind is summed at a time: refused when
    several are mapped and ``summary_level`` (``140``, ``860``…) does not pick one. A
    group missing from a geography (the file gave no estimate) counts as nothing there.
    """
    levels = mapped_levels(dimension)
    if summary_level is None and len(levels) > 1:
        raise DomainError(_l("Neighborhoods are mapped from %(kinds)s: counting them together "
                             "would count people twice. Choose one.",
                             kinds=", ".join(str(SUMMARY_LEVELS.get(lvl, lvl)) for lvl in levels)))
    zero = BaselineFigure.estimate == 0
    query = (
        select(Area.slug, BaselineFigure.group, func.sum(BaselineFigure.estimate),
               func.sum(case((zero, 0.0), else_=BaselineFigure.moe * BaselineFigure.moe)),
               func.max(case((zero, BaselineFigure.moe))),
               func.count(), func.count(BaselineFigure.moe))
        .join(GeographyArea, GeographyArea.geo_id == BaselineFigure.geo_id)
        .join(Area, Area.id == GeographyArea.area_id)
        .where(BaselineFigure.dimension == dimension)
        .group_by(Area.slug, BaselineFigure.group)
        .order_by(Area.slug, BaselineFigure.group))
    if summary_level is not None:
        query = query.where(GeographyArea.summary_level == summary_level)
    sums: dict[str, dict[str, MarginSum]] = {}
    city: dict[str, MarginSum] = {}
    for slug, group, estimate, squares, largest_zero, count, with_moe in db.session.execute(query):
        part = MarginSum(float(estimate), float(squares or 0), float(largest_zero or 0),
                         with_moe == count)
        sums.setdefault(slug, {})[group] = part
        city[group] = city.get(group, MarginSum()) + part
    if city:
        sums[ALL] = city
    return {slug: {group: (s.estimate, s.moe) for group, s in groups.items()}
            for slug, groups in sums.items()}
