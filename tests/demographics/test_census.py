"""Census baselines: data.census.gov downloads read strictly, ACS tables mapped onto the
standard dimensions, figures stored per geography and summed per neighbourhood.

The fixtures are Data.csv files in the Bureau's format (two header rows, every field
quoted, a BOM, trailing commas, annotation codes and jam values) with real column codes
and internally consistent figures: every table's groups add up to its total.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import func, select

from engage.core.errors import DomainError
from engage.demographics.acs_tables import TABLES, b03002_group, group_figures, label_fits
from engage.demographics.census import (
    ANNOTATIONS,
    JAM_VALUES,
    MAX_BYTES,
    MAX_PROBLEMS,
    Cell,
    CensusFileError,
    combine_moe,
    parse_cell,
    read_acs,
    split_line,
    standard_error,
)
from engage.demographics.standard import DIMENSIONS
from engage.org.models import Area

FIXTURES = Path(__file__).parent / "fixtures"
TRACT_A, TRACT_B, WATER = "1400000US53033010001", "1400000US53033010002", "1400000US53033990100"
COUNTY = "0500000US53033"


ALL = "all"


@pytest.fixture
def bl(app) -> ModuleType:  # type: ignore[no-untyped-def]
    """engage.demographics.baselines, the module under test."""
    from engage.demographics import baselines

    return baselines


def data_csv(table: str) -> bytes:
    return (FIXTURES / f"ACSDT5Y2023.{table}-Data.csv").read_bytes()


def metadata_csv(data: bytes) -> bytes:
    """The Column-Metadata.csv going with a Data.csv: its two header rows as columns."""
    lines = data.decode("utf-8-sig").splitlines()
    codes, labels = split_line(lines[0]), split_line(lines[1])
    assert codes and labels
    rows = ['"Column Name","Label"'] + [f'"{c}","{lbl}"' for c, lbl in zip(codes, labels, strict=True) if c]
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode()


def download(*tables: str) -> bytes:
    """A zip as data.census.gov hands it out: per table, Data.csv, Column-Metadata.csv
    and Table-Notes.txt."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            data = data_csv(table)
            archive.writestr(f"ACSDT5Y2023.{table}-Data.csv", data)
            archive.writestr(f"ACSDT5Y2023.{table}-Column-Metadata.csv", metadata_csv(data))
            archive.writestr(f"ACSDT5Y2023.{table}-Table-Notes.txt",
                             "Notes\r\n=====\r\nAlthough the American Community Survey (ACS) produces "
                             "population, demographic and housing unit estimates, the decennial census "
                             "is the official source of population totals.\r\n")
    return buffer.getvalue()


def problems(err: pytest.ExceptionInfo[CensusFileError]) -> list[tuple[int | None, str | None]]:
    return [(p.line, p.column) for p in err.value.problems]


def figures(table: str, geo_id: str) -> dict[str, tuple[float, float | None]]:
    mapped = group_figures(read_acs(data_csv(table)))
    return {f.group: (f.estimate, f.moe) for f in mapped.figures if f.geo_id == geo_id}


# -- reading the file ------------------------------------------------------------------------

def test_reads_a_data_csv_as_downloaded() -> None:
    acs = read_acs(data_csv("B03002"), filename="ACSDT5Y2023.B03002-Data.csv")
    assert (acs.table, acs.dataset) == ("B03002", "ACSDT5Y2023")
    assert [g.geo_id for g in acs.geographies] == [TRACT_A, TRACT_B, WATER, COUNTY]
    assert [g.line for g in acs.geographies] == [3, 4, 5, 6]
    tract = acs.geographies[0]
    assert tract.name == "Census Tract 100.01; King County; Washington" and tract.summary_level == "140"
    assert tract.cells["B03002_012E"] == Cell(430.0) and tract.cells["B03002_012M"] == Cell(190.0)
    assert acs.columns["B03002_012E"].label == "Estimate!!Total:!!Hispanic or Latino:"
    assert data_csv("B03002").startswith(b'\xef\xbb\xbf"GEO_ID"'), "the BOM, read past"
    assert len(acs.columns) == 42, "the trailing comma makes no column"
    assert acs.margin_code("B03002_012E") == "B03002_012M"


def test_reads_the_zip_as_downloaded() -> None:
    acs = read_acs(io.BytesIO(download("B03002")))
    assert (acs.table, acs.dataset, acs.source_name) == ("B03002", "ACSDT5Y2023", "ACSDT5Y2023.B03002-Data.csv")
    assert acs == read_acs(data_csv("B03002"), filename="ACSDT5Y2023.B03002-Data.csv")


def test_a_zip_of_several_tables_needs_the_table_named() -> None:
    both = download("B03002", "B25003")
    with pytest.raises(CensusFileError, match="several tables"):
        read_acs(both)
    assert read_acs(both, table="b25003").table == "B25003"
    with pytest.raises(CensusFileError, match=r"no Data.csv for table C16001 \(it holds B03002, B25003\)"):
        read_acs(both, table="C16001")


def test_lines_without_trailing_comma_or_bom() -> None:
    acs = read_acs(data_csv("B25003"))
    assert [g.name for g in acs.geographies] == ["ZCTA5 98118", "ZCTA5 98108", "ZCTA5 98134", "ZCTA5 98195"]
    assert acs.geographies[0].summary_level == "860"


def test_labels_with_undoubled_quotes_are_read() -> None:
    """data.census.gov does not double the quotes in C16001's "very well" labels."""
    acs = read_acs(data_csv("C16001"))
    assert acs.columns["C16001_004E"].label == 'Estimate!!Total:!!Spanish:!!Speak English "very well"'
    assert acs.columns["C16001_005M"].label.endswith('less than "very well"')
    assert split_line('"a","b ""c""",') == ["a", 'b "c"', ""]
    assert split_line('"a","b "c"",') == ["a", 'b "c"', ""]
    assert split_line('a,"b ""c"""') == ["a", 'b "c"']
    assert split_line('a,"b "c" d') is None


@pytest.mark.parametrize("code", ["(X)", "-", "N", "**", "***", "*****", "null"])
def test_each_annotation_code_is_no_value_with_a_meaning(code: str) -> None:
    assert parse_cell(f" {code} ") == Cell(None, code)
    assert str(ANNOTATIONS[code])


@pytest.mark.parametrize(("jam", "code"), sorted(JAM_VALUES.items()))
def test_each_jam_value_is_its_annotation(jam: int, code: str) -> None:
    assert parse_cell(str(jam)) == Cell(None, code)
    assert parse_cell(f"{jam}.0") == Cell(None, code)


def test_numbers_and_open_ended_medians() -> None:
    assert parse_cell("1234") == Cell(1234.0)
    assert parse_cell("12.5") == Cell(12.5)
    assert parse_cell("-3") == Cell(-3.0), "only the six jam values are annotations"
    assert parse_cell("250,000+") == Cell(250000.0, "median+")
    assert parse_cell("2,500-") == Cell(2500.0, "median-")
    assert parse_cell("NULL") == Cell(None, "null")
    for text in ("", "12a", "1,23", "±12", "nan", "X"):
        assert parse_cell(text) is None, text


def test_margins_of_annotated_cells() -> None:
    assert Cell(None, "*****").margin() == 0.0, "controlled: no sampling error"
    assert Cell(None, "**").margin() is None
    assert Cell(None, "(X)").margin() is None
    assert Cell(42.0).margin() == 42.0


def test_annotations_in_the_fixtures_are_counted() -> None:
    assert read_acs(data_csv("B19001")).notes() == {"(X)": 2, "null": 2, "N": 1, "**": 1, "-": 1, "***": 1,
                                                    "*****": 1}
    assert read_acs(data_csv("B25003")).notes() == {"(X)": 2, "N": 1, "**": 1, "-": 1, "***": 1, "*****": 1}


# -- refusals name the line and the column ---------------------------------------------------

def refused(data: bytes, table: str | None = None) -> pytest.ExceptionInfo[CensusFileError]:
    with pytest.raises(CensusFileError) as err:
        read_acs(data, table)
    return err


def test_a_cell_that_is_not_a_number_names_line_and_column() -> None:
    err = refused(data_csv("B03002").replace(b'"2100"', b'"2l00"'))  # tract B, the 4th line
    assert problems(err) == [(4, "B03002_003E")]
    assert str(err.value.problems[0]).startswith("Line 4, column B03002_003E: “2l00” is neither a number")


def test_an_empty_cell_is_refused() -> None:
    err = refused(data_csv("B25003").replace(b'"6100"', b'""'))
    assert problems(err) == [(3, "B25003_002E")]
    assert "empty" in str(err.value)


def test_a_missing_geo_id_column_is_refused() -> None:
    err = refused(data_csv("B25003").replace(b'"GEO_ID"', b'"GEOID"'))
    assert (1, "GEO_ID") in problems(err)
    assert "no GEO_ID column" in str(err.value)


def test_a_missing_second_header_row_is_refused() -> None:
    lines = data_csv("B25003").split(b"\n")
    err = refused(b"\n".join([lines[0], *lines[2:]]))
    assert problems(err) == [(2, "GEO_ID")]
    assert "second header row" in str(err.value)


def test_another_table_than_the_one_named_is_refused() -> None:
    err = refused(data_csv("B25003"), table="B03002")
    assert problems(err) == [(1, "B25003_001E")]
    assert "holds table B25003, not B03002" in str(err.value)


def test_ragged_and_duplicate_lines_are_refused() -> None:
    lines = data_csv("B25003").decode().split("\n")
    lines[2] = lines[2].rsplit(",", 1)[0]  # a value short
    lines[4] = lines[3]  # 98108 twice
    err = refused("\n".join(lines).encode())
    assert problems(err) == [(3, None), (5, "GEO_ID")]
    assert "7 values where the header has 8 columns" in str(err.value.problems[0])
    assert "already on line 4" in str(err.value.problems[1])


def test_a_label_that_does_not_fit_its_code_is_refused() -> None:
    err = refused(data_csv("B25003").replace(b'"Margin of Error!!Total:!!Owner', b'"Estimate!!Total:!!Owner'))
    assert problems(err) == [(2, "B25003_002M")]


def test_a_bad_geo_id_and_an_unknown_column_are_refused() -> None:
    data = data_csv("B25003").replace(b'"860Z200US98108"', b'"98108"').replace(b'"NAME"', b'"Name"')
    assert problems(refused(data)) == [(1, "Name"), (4, "GEO_ID")]


def test_files_that_are_not_downloads_are_refused() -> None:
    assert "larger than 20 MB" in str(refused(b"x" * (MAX_BYTES + 1)).value)
    assert "larger than 20 MB" in str(refused(io.BytesIO(b"x" * (MAX_BYTES + 1))).value)  # type: ignore[arg-type]
    assert "cannot be opened" in str(refused(b"PK\x03\x04 not really a zip").value)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "no …-Data.csv" in str(refused(buffer.getvalue()).value)
    assert "empty" in str(refused(b"\xef\xbb\xbf\r\n").value)
    latin1 = data_csv("B25003").replace(b"ZCTA5 98118", "Peña".encode("latin-1"))
    assert problems(refused(latin1)) == [(3, None)]


def test_problems_stop_after_a_hundred() -> None:
    rows = [f'"1400000US530330{i:05d}","T","x","1"' for i in range(MAX_PROBLEMS + 20)]
    text = '"GEO_ID","NAME","B25003_001E","B25003_001M"\n"Geography","Name","Estimate!!Total:","Margin of Error!!Total:"\n'
    err = refused((text + "\n".join(rows)).encode())
    assert len(err.value.problems) == MAX_PROBLEMS + 1
    assert "Stopped after 100 problems" in str(err.value.problems[-1])


# -- mapping tables to groups ------------------------------------------------------------------

def test_b03002_groups_are_the_mutually_exclusive_lines() -> None:
    assert figures("B03002", TRACT_A) == {
        "hispanic": (430, 190), "nh_white": (1200, 260), "nh_black": (900, 310), "nh_aian": (20, 28),
        "nh_asian": (1500, 330), "nh_nhpi": (40, 45), "nh_other": (0, 19), "nh_two_or_more": (210, 120),
    }
    county = figures("B03002", COUNTY)
    assert county["nh_white"] == (1270000, 0.0), "***** : controlled, margin zero"
    assert county["nh_two_or_more"] == (128000, 3800)


def test_b01001_age_bands_sum_both_sexes() -> None:
    tract_a = figures("B01001", TRACT_A)
    # Under 18: male 130+120+110+70, female 125+115+105+65.
    assert tract_a["age_under_18"][0] == 840
    # 18-24: male 45+25+25+80 (MOEs 30, 22, 19, 41), female 40+20+30+85 (28, 17, 24, 44).
    estimate, moe = tract_a["age_18_24"]
    assert estimate == 350
    assert moe == pytest.approx(math.sqrt(30**2 + 22**2 + 19**2 + 41**2 + 28**2 + 17**2 + 24**2 + 44**2))
    # 75+ in tract B: male 15 (12), 8 (9), 0 (13); female 20 (14), 0 (13), 12 (10): the two
    # zero estimates' margin counts once.
    estimate, moe = figures("B01001", TRACT_B)["age_75_plus"]
    assert estimate == 55
    assert moe == pytest.approx(math.sqrt(12**2 + 9**2 + 14**2 + 10**2 + 13**2))


def test_c16001_languages_and_the_rest_in_other() -> None:
    tract_a = figures("C16001", TRACT_A)
    assert {g: e for g, (e, _m) in tract_a.items()} == {
        "en": 2100, "es": 350, "vi": 450, "zh": 300, "tl": 200, "ar": 30, "ko": 60,
        # French 20, German 10, Slavic 40, other Indo-European 150, other Asian 250, other 90.
        "other": 560,
    }
    assert tract_a["other"][1] == pytest.approx(math.sqrt(18**2 + 14**2 + 30**2 + 85**2 + 120**2 + 64**2))
    assert "so" not in tract_a, "C16001 has no Somali line"
    # Tract B: French 0 (19), German 0 (13), Slavic 25 (22), other IE 80 (60), other Asian 0 (17),
    # other 15 (18).
    assert figures("C16001", TRACT_B)["other"] == (120, pytest.approx(math.sqrt(22**2 + 60**2 + 18**2 + 19**2)))
    assert figures("C16001", WATER)["other"] == (0, 13), "all zero: the largest zero margin, once"


def test_b25003_tenure_and_jam_values() -> None:
    mapped = group_figures(read_acs(data_csv("B25003")))
    by_geo = {(f.geo_id, f.group): (f.estimate, f.moe) for f in mapped.figures}
    assert by_geo[("860Z200US98118", "own")] == (6100, 420)
    assert by_geo[("860Z200US98118", "rent")] == (5200, 400)
    assert by_geo[("860Z200US98195", "own")] == (0, 13)
    assert mapped.skipped == [("860Z200US98134", "own", "N"), ("860Z200US98134", "rent", "-")]


def test_b19001_income_bands_on_the_bracket_boundaries() -> None:
    tract_a = figures("B19001", TRACT_A)
    assert tract_a["income_under_25k"] == (140 + 80 + 70 + 60, pytest.approx(math.sqrt(60**2 + 45**2 + 42**2 + 38**2)))
    assert tract_a["income_25k_50k"][0] == 75 + 70 + 65 + 60 + 55
    assert tract_a["income_75k_100k"][0] == 210
    assert tract_a["income_150k_plus"][0] == 130 + 120
    mapped = group_figures(read_acs(data_csv("B19001")))
    assert mapped.skipped == [("1400000US53033009300", "income_under_25k", "N")]


@pytest.mark.parametrize("table", sorted(TABLES))
def test_groups_add_up_to_the_total(table: str) -> None:
    acs = read_acs(data_csv(table))
    mapped = group_figures(acs)
    complete = {g.geo_id for g in acs.geographies} - {geo for geo, _g, _n in mapped.skipped}
    for geography in acs.geographies:
        total = geography.cells[f"{table}_001E"].value
        if geography.geo_id in complete and total is not None:
            assert sum(f.estimate for f in mapped.figures if f.geo_id == geography.geo_id) == total


@pytest.mark.parametrize("table", sorted(TABLES))
def test_groups_are_the_standard_dimension_values(table: str) -> None:
    mapping = TABLES[table]
    dimension = DIMENSIONS[mapping.dimension]
    assert dimension.census_table == table
    groups = [g.group for g in mapping.groups]
    if table == "B03002":
        assert groups == ["hispanic", "nh_white", "nh_black", "nh_aian", "nh_asian", "nh_nhpi", "nh_other",
                          "nh_two_or_more"]
    else:
        values = {c.value for q in dimension.questions if q.dimension == dimension.key for c in q.choices}
        assert set(groups) <= values
    lines = [s.line for g in mapping.groups for s in g.sources]
    assert len(lines) == len(set(lines)), "no line counted twice"


def test_a_table_laid_out_otherwise_is_refused() -> None:
    """Vietnamese where Engage expects Tagalog: the layout of another year, refused."""
    data = data_csv("C16001").replace(b'"Estimate!!Total:!!Tagalog (incl. Filipino):"',
                                      b'"Estimate!!Total:!!Vietnamese:"')
    with pytest.raises(CensusFileError) as err:
        group_figures(read_acs(data))
    assert problems(err) == [(2, "C16001_027E")]
    assert "expects “Total › Tagalog”" in str(err.value)
    assert label_fits("Estimate!!Total:!!Not Hispanic or Latino:!!White alone", ("Not Hispanic or Latino", "White alone"))
    assert not label_fits("Estimate!!Total:!!Not Hispanic or Latino:", ("Total", "Hispanic or Latino"))
    assert not label_fits("Estimate!!Total:!!Female:!!20 years", ("Male", "20 years"))


def test_a_missing_line_and_an_unmapped_table_are_refused() -> None:
    lines = [line.rsplit(",", 2)[0] for line in data_csv("B25003").decode().splitlines()]
    with pytest.raises(CensusFileError) as err:
        group_figures(read_acs("\n".join(lines).encode()))
    assert problems(err) == [(1, "B25003_003E")]
    median = ('"GEO_ID","NAME","B25077_001E","B25077_001M"\n"Geography","Name","Estimate!!Median value (dollars)",'
              '"Margin of Error!!Median value (dollars)"\n"860Z200US98118","ZCTA5 98118","2,000,000+","***"\n')
    acs = read_acs(median.encode())
    assert acs.geographies[0].cells["B25077_001E"] == Cell(2000000.0, "median+")
    with pytest.raises(CensusFileError, match="cannot use table B25077 as a baseline"):
        group_figures(acs)


# -- margins of error and the race crosswalk -------------------------------------------------

def test_margins_of_sums() -> None:
    assert combine_moe([(10, 3), (20, 4)]) == 5
    assert combine_moe([(7, 6)]) == 6
    assert combine_moe([(0, 13), (0, 19), (5, 4)]) == pytest.approx(math.sqrt(16 + 19**2))
    assert combine_moe([(0, 13), (0, 11)]) == 13
    assert combine_moe([(10, 3), (20, None)]) is None
    assert combine_moe([]) == 0
    assert standard_error(16.45) == pytest.approx(10)


@pytest.mark.parametrize(("answers", "group"), [
    (["hispanic", "white"], "hispanic"), (["white"], "nh_white"), (["mena"], "nh_white"),
    (["mena", "white"], "nh_white"), (["mena", "black"], "nh_two_or_more"), (["asian"], "nh_asian"),
    (["nhpi"], "nh_nhpi"), (["aian"], "nh_aian"), (["black", "asian"], "nh_two_or_more"),
    (["prefer_not"], None), ([], None),
])
def test_race_answers_to_b03002_groups(answers: list[str], group: str | None) -> None:
    assert b03002_group(answers) == group


# -- importing ----------------------------------------------------------------------------------

def stored(db, bl, geo_id: str, dimension: str) -> dict[str, tuple[float, float | None]]:  # type: ignore[no-untyped-def]
    rows = db.execute(select(bl.BaselineFigure.group, bl.BaselineFigure.estimate, bl.BaselineFigure.moe)
                      .where(bl.BaselineFigure.geo_id == geo_id, bl.BaselineFigure.dimension == dimension))
    return {group: (estimate, moe) for group, estimate, moe in rows}


def imports(db, bl) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return [(i.table, i.geographies) for i in db.scalars(select(bl.CensusImport).order_by(bl.CensusImport.id))]


def test_import_stores_every_geography(db, bl) -> None:  # type: ignore[no-untyped-def]
    imported = bl.import_baseline(io.BytesIO(download("B03002")), filename="productDownload.zip")
    assert (imported.table, imported.vintage, imported.filename) == ("B03002", "ACSDT5Y2023", "productDownload.zip")
    assert (imported.geographies, imported.skipped) == (4, 0)
    assert imported.imported_at is not None
    assert db.scalar(select(func.count()).select_from(bl.BaselineFigure)) == 4 * 8
    assert stored(db, bl, TRACT_A, "race_ethnicity")["nh_asian"] == (1500, 330)
    figure = db.scalar(select(bl.BaselineFigure).where(bl.BaselineFigure.geo_id == COUNTY,
                                                    bl.BaselineFigure.group == "hispanic"))
    assert (figure.geo_name, figure.estimate, figure.moe) == ("King County, Washington", 197000, 0)


def test_import_counts_figures_left_out(db, bl) -> None:  # type: ignore[no-untyped-def]
    imported = bl.import_baseline(data_csv("B25003"), filename="ACSDT5Y2023.B25003-Data.csv")
    assert (imported.vintage, imported.geographies, imported.skipped) == ("ACSDT5Y2023", 3, 2)
    assert stored(db, bl, "860Z200US98134", "tenure") == {}


def test_a_reimport_replaces_the_figures_of_its_geographies(db, bl) -> None:  # type: ignore[no-untyped-def]
    bl.import_baseline(data_csv("B03002"))
    bl.import_baseline(data_csv("C16001"))
    newer = data_csv("B03002").replace(b'"1500","330"', b'"1600","335"').replace(b'"4300"', b'"4400"')
    bl.import_baseline(newer)
    assert imports(db, bl) == [("C16001", 3), ("B03002", 4)], "the first B03002 import is gone"
    assert stored(db, bl, TRACT_A, "race_ethnicity")["nh_asian"] == (1600, 335)
    assert len(stored(db, bl, TRACT_A, "home_language")) == 8, "other tables untouched"

    only_98118 = "\n".join(data_csv("B25003").decode().splitlines()[:3]).encode()
    bl.import_baseline(data_csv("B25003"))
    bl.import_baseline(only_98118)
    assert imports(db, bl)[-2:] == [("B25003", 2), ("B25003", 1)], "the earlier import keeps its other ZIPs"
    assert db.scalar(select(func.count()).select_from(bl.BaselineFigure)
                     .where(bl.BaselineFigure.geo_id == "860Z200US98118")) == 2


def test_a_refused_import_stores_nothing(db, bl) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CensusFileError):
        bl.import_baseline(data_csv("B03002"), table="B01001")
    assert imports(db, bl) == []


# -- mapping geographies onto neighbourhoods ---------------------------------------------------

@pytest.fixture
def areas(db) -> dict[str, Area]:  # type: ignore[no-untyped-def]
    made = {slug: Area(slug=slug, name={"en": slug.replace("-", " ").title()})
            for slug in ("rainier-valley", "beacon-hill")}
    db.add_all(made.values())
    db.flush()
    return made


def test_geography_codes_staff_write(bl) -> None:
    assert bl.geo_id_from_code(" 53033010001 ") == TRACT_A
    assert bl.geo_id_from_code("98118") == "860Z200US98118"
    assert bl.geo_id_from_code("ZCTA5 98118") == "860Z200US98118"
    assert bl.geo_id_from_code("530330100011") == "1500000US530330100011"
    assert bl.geo_id_from_code("1400000us53033010001") == TRACT_A
    for bad in ("5303301000", "2134", "９８１１８", "Rainier", ""):
        assert bl.geo_id_from_code(bad) is None, bad


def test_map_a_geography(db, bl, areas) -> None:  # type: ignore[no-untyped-def]
    mapping = bl.map_geography("53033010001", "rainier-valley")
    assert (mapping.geo_id, mapping.summary_level, mapping.area.slug) == (TRACT_A, "140", "rainier-valley")
    again = bl.map_geography(TRACT_A, "beacon-hill")
    assert again is mapping and mapping.area.slug == "beacon-hill", "mapping again moves it"
    with pytest.raises(DomainError, match="leading zero"):
        bl.map_geography("5303301000", "beacon-hill")
    with pytest.raises(DomainError, match="no neighborhood downtown"):
        bl.map_geography("98118", "downtown")


def test_map_geographies_from_a_csv(db, bl, areas) -> None:  # type: ignore[no-untyped-def]
    text = "\ufefftract,neighborhood\r\n53033010001,rainier-valley\r\n\r\n53033990100,rainier-valley\r\n" \
           f"{TRACT_B},beacon-hill\r\n"
    mappings = bl.map_geographies_from_csv(io.BytesIO(text.encode()))
    assert [(m.geo_id, m.area.slug) for m in mappings] == [
        (TRACT_A, "rainier-valley"), (WATER, "rainier-valley"), (TRACT_B, "beacon-hill")]
    moved = bl.map_geographies_from_csv(b"53033010001,beacon-hill\n")
    assert moved[0] is mappings[0] and mappings[0].area.slug == "beacon-hill"
    assert db.scalar(select(func.count()).select_from(bl.GeographyArea)) == 3


def test_a_bad_mapping_file_names_line_and_column_and_maps_nothing(db, bl, areas) -> None:  # type: ignore[no-untyped-def]
    text = ("tract,neighborhood\n53033010001,rainier-valley\n5303301000,rainier-valley\n"
            "98118,downtown\n53033010001,beacon-hill\n98108,beacon-hill,extra\n")
    with pytest.raises(CensusFileError) as err:
        bl.map_geographies_from_csv(text.encode())
    assert problems(err) == [(3, "tract"), (4, "neighborhood"), (5, "tract"), (6, None)]
    assert "Line 5, column tract: Line 2 maps this geography to rainier-valley." in str(err.value)
    assert db.scalar(select(func.count()).select_from(bl.GeographyArea)) == 0
    with pytest.raises(CensusFileError, match="maps no geography"):
        bl.map_geographies_from_csv(b"tract,neighborhood\n")
    headerless = pytest.raises(CensusFileError)
    with headerless as err:
        bl.map_geographies_from_csv(b"98118,beacon-hill\nnope,beacon-hill\n")
    assert problems(err) == [(2, "1")]


# -- neighbourhood baselines ---------------------------------------------------------------------

@pytest.fixture
def mapped(db, bl, areas) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Tract A and the water tract in Rainier Valley, tract B in Beacon Hill; the county
    row of the file is imported but in no neighbourhood."""
    bl.import_baseline(data_csv("B03002"))
    bl.import_baseline(data_csv("C16001"))
    bl.map_geographies_from_csv(f"{TRACT_A},rainier-valley\n{WATER},rainier-valley\n{TRACT_B},beacon-hill\n".encode())
    yield


def test_area_baseline_sums_mapped_geographies(db, bl, mapped) -> None:  # type: ignore[no-untyped-def]
    race = bl.area_baseline("race_ethnicity")
    assert list(race) == ["beacon-hill", "rainier-valley", ALL]
    # Hispanic: tract A 430 (190) + water tract 0 (13).
    assert race["rainier-valley"]["hispanic"] == (430, pytest.approx(math.sqrt(190**2 + 13**2)))
    assert race["beacon-hill"]["hispanic"] == (275, 150)
    assert race[ALL]["hispanic"] == (705, pytest.approx(math.sqrt(190**2 + 150**2 + 13**2)))
    # Some other race: tract A 0 (19), water 0 (13): zeros count their largest margin once.
    assert race["rainier-valley"]["nh_other"] == (0, 19)
    assert race[ALL]["nh_other"] == (35, pytest.approx(math.sqrt(40**2 + 19**2)))
    assert sum(e for e, _m in race[ALL].values()) == 4300 + 3700, "the county is in no neighborhood"
    language = bl.area_baseline("home_language")
    assert language[ALL]["vi"] == (550, pytest.approx(math.sqrt(150**2 + 55**2 + 13**2)))
    assert bl.area_baseline("tenure") == {}


def test_an_unknown_margin_makes_the_sum_unknown(db, bl, areas) -> None:  # type: ignore[no-untyped-def]
    bl.import_baseline(data_csv("B25003").replace(b'"6100","420"', b'"6100","**"'))
    bl.map_geography("98118", "rainier-valley")
    bl.map_geography("98108", "beacon-hill")
    tenure = bl.area_baseline("tenure")
    assert tenure["rainier-valley"]["own"] == (6100, None)
    assert tenure[ALL]["own"] == (10300, None)
    assert tenure[ALL]["rent"] == (11000, pytest.approx(math.sqrt(400**2 + 380**2)))


def test_tracts_and_zip_codes_are_not_summed_together(db, bl, areas) -> None:  # type: ignore[no-untyped-def]
    bl.import_baseline(data_csv("B25003").replace(b'"860Z200US98108"', f'"{TRACT_B}"'.encode()))
    bl.map_geography("98118", "rainier-valley")
    bl.map_geography(TRACT_B, "beacon-hill")
    with pytest.raises(DomainError, match=re.escape("census tracts, ZIP code areas (ZCTAs)")):
        bl.area_baseline("tenure")
    assert bl.area_baseline("tenure", summary_level="860") == {
        "rainier-valley": {"own": (6100, 420), "rent": (5200, 400)},
        ALL: {"own": (6100, 420), "rent": (5200, 400)}}


# -- the commands ---------------------------------------------------------------------------------

def _run(app, args: Sequence[str]):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["engage", *args])


def test_cli_import_and_map(app, db, bl, areas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "productDownload_2024.zip"
    path.write_bytes(download("B03002", "B25003"))
    result = _run(app, ["import-baseline", str(path), "--table", "B25003"])
    assert result.exit_code == 0, result.output
    assert "Imported B25003 (ACSDT5Y2023): 3 geographies." in result.output
    assert "2 figures left out" in result.output

    mapping = tmp_path / "zips.csv"
    mapping.write_text("zip,neighborhood\n98118,rainier-valley\n98108,beacon-hill\n98195,beacon-hill\n")
    result = _run(app, ["map-geographies", str(mapping)])
    assert result.exit_code == 0, result.output
    assert "Mapped 3 geographies to 2 neighborhoods." in result.output
    assert bl.area_baseline("tenure")[ALL]["own"] == (10300, pytest.approx(math.sqrt(420**2 + 310**2 + 13**2)))


def test_cli_refusals_name_line_and_column(app, db, bl, areas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ACSDT5Y2023.B03002-Data.csv"
    path.write_bytes(data_csv("B03002").replace(b'"2100"', b'"2l00"'))
    result = _run(app, ["import-baseline", str(path)])
    assert result.exit_code == 1
    assert "Line 4, column B03002_003E: “2l00” is neither a number" in result.output
    assert imports(db, bl) == []

    result = _run(app, ["import-baseline", str(path), "--table", "B01001"])
    assert "Line 1, column B03002_001E: This file holds table B03002, not B01001." in result.output

    mapping = tmp_path / "bad.csv"
    mapping.write_text("98118,rainier-valley\n98108,downtown\n")
    result = _run(app, ["map-geographies", str(mapping)])
    assert result.exit_code == 1
    assert "Line 2, column 2: There is no neighborhood downtown." in result.output
