"""Tests for course.datasets: checksums, schemas, names, sampling, and the generators that made the files."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from course import datasets
from course.errors import DatasetError, DatasetNotFound

DATA = Path(datasets.__file__).parent / "data"
ROW_LEVEL = ["service_desk_visits", "form_fill_log", "application_returns"]


def _use_copy(monkeypatch, tmp_path, name, edit=None, update_checksum=False):
    """Point the loader at a tmp copy of a data set's file, optionally edited (never the shipped file)."""
    spec = datasets.REGISTRY[name]
    copy = tmp_path / spec.file
    shutil.copy(DATA / name / spec.file, copy)
    if edit is not None:
        copy.write_text(edit(copy.read_text(encoding="utf-8")), encoding="utf-8")
    if update_checksum:
        digest = hashlib.sha256(copy.read_bytes()).hexdigest()
        monkeypatch.setitem(datasets.REGISTRY, name, dataclasses.replace(spec, sha256=digest))
    monkeypatch.setattr(datasets, "_data_path", lambda s: copy if s.name == name else DATA / s.name / s.file)
    return copy


def test_available_lists_every_data_set_directory():
    on_disk = sorted(p.name for p in DATA.iterdir() if p.is_dir() and not p.name.startswith("__"))
    assert datasets.available() == on_disk


@pytest.mark.parametrize("name", sorted(datasets.REGISTRY))
def test_each_data_set_loads_with_its_schema(name):
    frame = datasets.load(name)
    spec = datasets.REGISTRY[name]
    assert list(frame.columns) == [c.name for c in spec.columns]
    assert len(frame) > 0
    for column in spec.columns:
        if column.kind == "date":
            assert pd.api.types.is_datetime64_any_dtype(frame[column.name]), column.name
        if column.kind in ("int", "float"):
            assert pd.api.types.is_numeric_dtype(frame[column.name]), column.name
        if column.kind == "bool":
            assert pd.api.types.is_bool_dtype(frame[column.name]), column.name
    assert frame.attrs["synthetic"] is spec.synthetic


@pytest.mark.parametrize("name", sorted(datasets.REGISTRY))
def test_each_data_set_has_a_datasheet_with_the_registered_checksum(name):
    spec = datasets.REGISTRY[name]
    sheet = datasets.datasheet(name)
    for heading in ("Source and licence", "Who is included", "Columns", "Sensitive attributes", "Retrieval date"):
        assert heading in sheet, f"{name}: DATASHEET.md lacks a '{heading}' section"
    assert spec.sha256 in sheet, f"{name}: DATASHEET.md and course/datasets.py record different checksums"
    assert hashlib.sha256((DATA / name / spec.file).read_bytes()).hexdigest() == spec.sha256
    if spec.synthetic:
        assert "SYNTHETIC" in sheet and "synthetic" in spec.file
        assert spec.make_script and (DATA.parent.parent / spec.make_script).is_file()


def test_real_data_names_a_source_on_every_row():
    for name in ("civil_service_applicants", "population_age22", "my_number_card", "egov_index"):
        frame = datasets.load(name)
        assert frame["source"].notna().all() and (frame["source"].str.len() >= 3).all(), name


# The 2024 leaders in the order UN DESA's press release of 17 September 2024 names them (see the datasheet).
_UN_DESA_2024_ORDER = ["Denmark", "Estonia", "Singapore", "Republic of Korea", "Iceland", "Saudi Arabia",
                       "United Kingdom", "Australia", "Finland", "Netherlands", "United Arab Emirates",
                       "Germany", "Japan"]


def test_egov_index_keeps_the_figures_its_datasheet_quotes_and_the_un_desa_2024_order():
    egov = datasets.load_egov_index()
    y2024 = egov[(egov["year"] == 2024) & egov["rank"].notna()].sort_values("rank")
    assert y2024["country"].tolist() == _UN_DESA_2024_ORDER, "the 2024 rows must follow UN DESA's order"
    assert y2024["rank"].tolist() == list(range(1, 14))
    by_country = y2024.set_index("country")
    assert by_country.loc["Denmark", "egdi"] == pytest.approx(0.9847)
    assert by_country.loc["Japan", "egdi"] == pytest.approx(0.9351) and by_country.loc["Japan", "rank"] == 13
    world = egov[egov["country"] == "World average"].set_index("year")["egdi"]
    assert world.loc[2024] == pytest.approx(0.638) and world.loc[2018] == pytest.approx(0.55)


def test_egov_index_warns_it_is_not_re_based_while_any_row_cites_a_press_report():
    egov = datasets.load_egov_index()
    sheet = datasets.datasheet("egov_index", lang="en")
    from_the_annex = egov["source"].str.contains("E-Government Survey") & egov["source"].str.contains("annex", case=False)
    if not from_the_annex.all():
        assert "Not yet re-based" in sheet, "rows from press reports: the datasheet must keep its warning"
    assert "GovTech Maturity Index" in sheet, "the datasheet must say what became of the GTMI"


def test_unverified_figure_is_not_stored_as_an_exact_number():
    applicants = datasets.load_civil_service_applicants()
    fy2023 = applicants[applicants["fiscal_year"] == 2023]
    assert fy2023["applicants"].isna().all()
    assert fy2023["applicants_note"].str.contains("more than 14,300").all()


def test_altered_file_fails_the_checksum_with_a_clear_message(monkeypatch, tmp_path):
    _use_copy(monkeypatch, tmp_path, "civil_service_applicants", edit=lambda t: t.replace("45254", "45255"))
    with pytest.raises(DatasetError, match=r"SHA-256 does not match.*Reinstall the course package"):
        datasets.load_civil_service_applicants()


def test_altered_synthetic_file_points_at_its_make_script(monkeypatch, tmp_path):
    _use_copy(monkeypatch, tmp_path, "service_desk_visits", edit=lambda t: t.replace("V00001", "V99999"))
    with pytest.raises(DatasetError, match=r"make_service_desk_visits\.py"):
        datasets.load_service_desk_visits()


def test_a_file_is_checked_once_and_each_load_is_a_fresh_copy(monkeypatch, tmp_path):
    copy = _use_copy(monkeypatch, tmp_path, "service_desk_visits")
    reads = []
    read = datasets._read_verified
    monkeypatch.setattr(datasets, "_read_verified", lambda spec, path: reads.append(path) or read(spec, path))
    first = datasets.load_service_desk_visits()
    first["minutes"] = -1.0  # what a notebook does to its frame...
    first.drop(index=first.index[:10], inplace=True)
    again = datasets.load_service_desk_visits()
    sample = datasets.load_service_desk_visits(sample_frac=0.25, seed=2026)
    assert reads == [copy]  # read and verified once
    # ...never reaches the next load, which equals a load from the file
    monkeypatch.setattr(datasets, "_CHECKED", {})
    assert again.equals(datasets.load_service_desk_visits())
    assert sample.equals(datasets.load_service_desk_visits(sample_frac=0.25, seed=2026))
    assert again.attrs["sample_frac"] == 1.0 and sample.attrs["sample_frac"] == 0.25
    # a file changed on disk is verified again
    before = copy.stat().st_mtime_ns
    copy.write_text(copy.read_text(encoding="utf-8").replace("V00001", "V99999"), encoding="utf-8")
    os.utime(copy, ns=(before + 10**9, before + 10**9))  # as an edit a second later would (a clock tick may be coarse)
    with pytest.raises(DatasetError, match=r"SHA-256 does not match"):
        datasets.load_service_desk_visits()


def test_missing_file_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setattr(datasets, "_data_path", lambda s: tmp_path / "nothing.csv")
    with pytest.raises(DatasetError, match=r"is missing\. Reinstall"):
        datasets.load_population_age22()


BAD_SCHEMAS = [
    ("population_age22", lambda t: t.replace("year,age,", "yr,age,"), r'column "year" is missing'),
    ("population_age22", lambda t: t.replace(",1988,", ",lots,"), r'column "population_thousands" should hold numbers but has "lots" \(row 1\)'),
    ("population_age22", lambda t: t.replace(",1988,", ",1988.5,"), r'"population_thousands" should hold whole numbers'),
    ("population_age22", lambda t: t.replace(",1988,", ",-5,"), r'"population_thousands" should be at least 0'),
    ("population_age22", lambda t: t.replace("1996,22,", ",22,"), r'column "year" has 1 missing value'),
    ("my_number_card", lambda t: t.replace("2021-02-01", "1 Feb 2021"), r'column "date" should hold dates like 2024-04-01 but has "1 Feb 2021"'),
    ("my_number_card", lambda t: t.replace(",issued,25.2", ",given,25.2"), r'column "measure" has "given" \(row 2\), which is not one of "issued", "held"'),
    ("my_number_card", lambda t: t.replace(",issued,25.2", ",issued,125.2"), r'"share_pct" should be at most 100'),
    ("form_fields", lambda t: t.replace(",True,", ",yes,", 1), r'column "used_downstream" should hold True or False but has "yes"'),
    ("form_fields", lambda t: t.replace("n_filled\n", "n_filled,extra\n", 1), r'column "extra" is not expected'),
]


@pytest.mark.parametrize(("name", "edit", "message"), BAD_SCHEMAS)
def test_bad_schema_names_the_column_and_the_problem(monkeypatch, tmp_path, name, edit, message):
    _use_copy(monkeypatch, tmp_path, name, edit=edit, update_checksum=True)
    with pytest.raises(DatasetError, match=message):
        datasets.load(name)


def test_unknown_name_suggests_the_closest_one():
    with pytest.raises(DatasetNotFound, match=r'no dataset "service_desk_visit"\. Did you mean "service_desk_visits"\? See course\.datasets\.available\(\)\.'):
        datasets.load("service_desk_visit")


def test_unknown_name_without_a_close_match_still_points_at_available():
    with pytest.raises(DatasetNotFound) as error:
        datasets.load("zzz")
    assert "Did you mean" not in str(error.value) and "available()" in str(error.value)


def test_options_a_data_set_does_not_take_are_refused():
    with pytest.raises(DatasetError, match="does not take sample_frac"):
        datasets.load("form_fields", sample_frac=0.5)


@pytest.mark.parametrize("name", ROW_LEVEL)
@pytest.mark.parametrize("bad", [0, -0.1, 1.5, float("nan"), "0.5", True, None])
def test_sample_frac_outside_zero_to_one_is_refused(name, bad):
    with pytest.raises(DatasetError, match="sample_frac must be"):
        datasets.load(name, sample_frac=bad)


@pytest.mark.parametrize("bad", [-1, 1.5, "7", 2**32])
def test_bad_seed_is_refused(bad):
    with pytest.raises(DatasetError, match="seed must be a whole number"):
        datasets.load_service_desk_visits(sample_frac=0.5, seed=bad)


@pytest.mark.parametrize("name", ROW_LEVEL)
def test_sampling_is_reproducible_and_depends_on_the_seed(name):
    full = datasets.load(name)
    first = datasets.load(name, sample_frac=0.5, seed=7)
    again = datasets.load(name, sample_frac=0.5, seed=7)
    other = datasets.load(name, sample_frac=0.5, seed=8)
    assert first.equals(again)
    assert not first.index.equals(other.index)
    assert abs(len(first) - round(len(full) * 0.5)) <= 1
    assert first.index.is_monotonic_increasing, "a sample keeps the file's order"
    assert first.attrs["sample_frac"] == 0.5


def test_full_load_ignores_the_seed():
    assert datasets.load_service_desk_visits(seed=1).equals(datasets.load_service_desk_visits(seed=2))


def _run_make_script(path: Path, out: Path) -> None:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--out", str(out)])


@pytest.mark.parametrize("name", [n for n, s in sorted(datasets.REGISTRY.items()) if s.synthetic])
def test_generator_reproduces_the_shipped_file_exactly(name, tmp_path):
    spec = datasets.REGISTRY[name]
    out = tmp_path / spec.file
    _run_make_script(DATA / name / f"make_{name}.py", out)
    assert out.read_bytes() == (DATA / name / spec.file).read_bytes()


def test_service_desk_visits_match_their_calibration_target():
    visits = datasets.load_service_desk_visits()
    heavy = visits[visits["procedure"].isin(["bereavement", "moving"])]
    medians = heavy.groupby("period")["minutes"].median()
    assert 160 <= medians["before"] <= 200, "about three hours before (TV Tokyo BIZ via News On Japan)"
    assert 40 <= medians["after"] <= 50, "about 45 minutes after (TV Tokyo BIZ via News On Japan)"
    assert re.fullmatch(r"V\d{5}", visits["visit_id"].iloc[0])


def test_form_fields_match_their_calibration_target_and_the_log():
    fields = datasets.load_form_fields()
    assert fields["form_id"].nunique() == 67 and fields["division"].nunique() == 13, "67 forms, 13 divisions (AERA dot, 2020)"
    log = datasets.load_form_fill_log()
    counts = log.groupby("field_id")["filled"].agg(["size", "sum"])
    merged = fields.set_index("field_id").join(counts)
    assert (merged["n_checked"] == merged["size"]).all() and (merged["n_filled"] == merged["sum"]).all()


@pytest.fixture(scope="module")
def applications():
    return datasets.load_application_returns()


def test_application_returns_card_share_follows_miyakonojo(applications):
    """Calibrated to Miyakonojo's card share (DATA-SOURCES.md): about 74% in April 2022, about 90% from 2023."""
    share = applications.groupby("fiscal_year")["card_holder"].mean()
    assert 0.80 <= share[2022] <= 0.88 and 0.87 <= share[2023] <= 0.93 and 0.87 <= share[2024] <= 0.93
    assert (applications.loc[applications["channel"] == "online", "card_holder"]).all(), "filing online needs the card"


def test_application_returns_cover_156_full_weeks_with_weeks_starting_on_monday(applications):
    weeks = applications["week_start"]
    assert weeks.nunique() == 156 and (weeks.dt.dayofweek == 0).all()
    days = (applications["submitted_date"] - weeks).dt.days
    assert days.between(0, 4).all(), "applications arrive on weekdays of their week"
    fiscal = applications["submitted_date"].dt.year - (applications["submitted_date"].dt.month < 4)
    assert (fiscal == applications["fiscal_year"]).all()


def test_application_returns_have_the_traps_the_lab_teaches(applications):
    rate = applications.groupby("fiscal_year")["returned"].mean()
    assert rate[2022] > rate[2023] < rate[2024], "drift: one-stop desks lower returns, the upload rule raises them"
    online = applications[applications["channel"] == "online"].groupby("fiscal_year")["returned"].mean()
    assert online[2024] > 2 * online[2023], "the upload rule of April 2024 makes online filings riskier"
    missing = applications["blank_fields"].isna().groupby(applications["channel"]).mean()
    assert missing["mail"] > 0.7 and missing["online"] == 0, "blank counts are missing mostly for mail"
    groups = applications.groupby("age_group")["returned"].agg(["size", "mean"])
    assert groups["size"]["18-39"] > 2 * groups["size"]["75+"] and groups["mean"]["75+"] > 2 * groups["mean"]["18-39"]
    grew = applications["documents_on_file"] > applications["attachments"]
    by_outcome = grew.groupby(applications["returned"]).mean()
    assert by_outcome[1] > 0.6 and by_outcome[0] < 0.3, "documents_on_file leaks the outcome"
    assert (applications["documents_on_file"] >= applications["attachments"]).all()


def test_application_returns_datasheet_says_when_each_column_is_recorded():
    sheet = datasets.datasheet("application_returns")
    spec = datasets.REGISTRY["application_returns"]
    for column in spec.columns:
        assert f"| `{column.name}` |" in sheet, f"the datasheet does not describe {column.name}"
    assert "when the case is closed" in sheet and "leak" in sheet


# --- The Japanese datasheet summaries (issue 19) -------------------------------------------------

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _english_summary(name):
    """The English datasheet's title line and summary: the text before its first `## ` heading."""
    text = (DATA / name / "DATASHEET.md").read_text(encoding="utf-8")
    return text.split("\n## ", 1)[0]


@pytest.mark.parametrize("name", sorted(datasets.REGISTRY))
def test_each_data_set_has_a_japanese_summary_that_names_it_and_says_what_kind_of_data_it_is(name):
    path = DATA / name / "DATASHEET.ja.md"
    assert path.is_file(), f"{name}: DATASHEET.ja.md is missing (the Japanese of the datasheet's title and summary)"
    text = path.read_text(encoding="utf-8")
    title = text.splitlines()[0]
    assert title.startswith("# ") and _JAPANESE.search(title), f"{name}: the first line must be a heading in Japanese, got {title!r}"
    assert f"`{name}`" in title, f"{name}: the Japanese title must name the data set as the English does"
    assert "\n## " not in text, f"{name}: DATASHEET.ja.md is a summary only; the sections stay in the English datasheet"
    assert "英語" in text.strip().splitlines()[-1], f"{name}: the last line must say the full datasheet follows in English"
    if datasets.REGISTRY[name].synthetic:
        assert "合成" in title, f"{name} is synthetic: the Japanese title must say 合成データ"
    else:
        assert "合成" not in text, f"{name} is not synthetic: its Japanese summary must not call it 合成"
        if "(real figures)" in _english_summary(name):
            assert "実データ" in title, f"{name} is real: the Japanese title must say 実データ"


@pytest.mark.parametrize("name", sorted(datasets.REGISTRY))
def test_each_japanese_summary_keeps_the_numbers_of_the_english_one(name):
    english = _english_summary(name)
    japanese = (DATA / name / "DATASHEET.ja.md").read_text(encoding="utf-8")
    missing = [n for n in re.findall(r"\d[\d,]*\d|\d", english) if n not in japanese]
    assert not missing, f"{name}: the Japanese summary lacks the English summary's numbers {missing}"


def test_datasheet_in_japanese_starts_with_the_japanese_summary_and_contains_the_whole_english():
    name = "service_desk_visits"
    japanese = (DATA / name / "DATASHEET.ja.md").read_text(encoding="utf-8")
    english = (DATA / name / "DATASHEET.md").read_text(encoding="utf-8")
    sheet = datasets.datasheet(name, lang="ja")
    assert sheet.startswith(japanese.rstrip("\n")), "lang='ja' must start with the Japanese summary"
    assert sheet.endswith(english), "lang='ja' must be followed by the whole English datasheet"
    assert sheet.index("データシート") < sheet.index("Datasheet:")


def test_datasheet_in_english_is_the_english_alone(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "ja")  # an explicit lang wins over the course's language
    name = "application_returns"
    english = (DATA / name / "DATASHEET.md").read_text(encoding="utf-8")
    assert datasets.datasheet(name, lang="en") == english


def test_datasheet_without_lang_uses_the_course_language(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .course-lang here
    name = "egov_index"
    english = (DATA / name / "DATASHEET.md").read_text(encoding="utf-8")
    monkeypatch.setenv("COURSE_LANG", "ja")
    assert datasets.datasheet(name).startswith("# データシート"), "COURSE_LANG=ja must give the Japanese summary first"
    monkeypatch.setenv("COURSE_LANG", "en")
    assert datasets.datasheet(name) == english, "COURSE_LANG=en must give the English alone"
    monkeypatch.delenv("COURSE_LANG")
    (tmp_path / ".course-lang").write_text("ja\n", encoding="utf-8")
    assert datasets.datasheet(name).startswith("# データシート"), "a .course-lang of ja must give the Japanese summary first"


def test_datasheet_without_a_translated_summary_gives_the_english(monkeypatch, tmp_path):
    name = "population_age22"
    shutil.copy(DATA / name / "DATASHEET.md", tmp_path / "DATASHEET.md")
    monkeypatch.setattr(datasets, "_data_path", lambda s: tmp_path / s.file)
    english = (DATA / name / "DATASHEET.md").read_text(encoding="utf-8")
    assert datasets.datasheet(name, lang="ja") == english, "a missing DATASHEET.ja.md must give the English, not an error"


def test_package_data_ships_the_japanese_summaries():
    pyproject = (DATA.parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    block = pyproject.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    patterns = re.findall(r'"([^"]+)"', block)
    for name in datasets.REGISTRY:
        relative = Path("data") / name / "DATASHEET.ja.md"
        assert any(relative.match(p) for p in patterns), f"pyproject's package-data does not ship {relative}"


def test_the_graders_preload_checks_every_file_so_no_run_reads_one_again(monkeypatch):
    """course.grading.inside.zygote.preload calls datasets.__grading_preload__ after the import; each run it forks
    then loads copies of frames checked once (the same frames a first load makes)."""
    from course.grading.inside import zygote

    monkeypatch.setattr(datasets, "_CHECKED", {})
    fresh = {name: datasets.load(name) for name in ("civil_service_applicants", "service_desk_visits")}
    monkeypatch.setattr(datasets, "_CHECKED", {})
    zygote.preload(["course.datasets"])  # the import a notebook's first cell makes, as a zygote does it
    assert len(datasets._CHECKED) == len(datasets.available())
    monkeypatch.setattr(datasets, "_read_verified", lambda spec, path: pytest.fail(f"{spec.name} read again"))
    for name, frame in fresh.items():
        assert datasets.load(name).equals(frame)
