"""The course's data sets: each one is checked against its recorded checksum and schema, never downloaded.

Every data set lives in ``course/data/<name>/`` with its file, a ``DATASHEET.md`` and,
for generated (synthetic) data, the ``make_<name>.py`` script that writes it.

    >>> from course import datasets
    >>> datasets.available()
    ['civil_service_applicants', 'form_fields', ...]
    >>> visits = datasets.load_service_desk_visits(sample_frac=0.5, seed=2026)
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.resources
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from course import i18n
from course.errors import DatasetError, DatasetNotFound

__all__ = [
    "available",
    "load_application_returns",
    "datasheet",
    "load",
    "load_civil_service_applicants",
    "load_form_fields",
    "load_form_fill_log",
    "load_my_number_card",
    "load_onestop_town_panel",
    "load_outreach_households",
    "load_population_age22",
    "load_service_desk_visits",
    "load_egov_index",
    "load_municipal_task_costs",
    "load_municipalities_by_type",
    "load_front_desk_faq",
    "load_resident_inquiries",
    "load_assistant_answers",
    "load_genai_prices",
]


@dataclass(frozen=True)
class Column:
    """One column of a data set's schema.

    Attributes:
        name: the column name in the file.
        kind: "int", "float", "str", "bool" or "date" (ISO 8601, YYYY-MM-DD).
        nullable: whether empty cells are allowed.
        allowed: for "str" columns, the only values allowed (None: any text).
        low: the smallest value allowed for numbers (None: no limit).
        high: the largest value allowed for numbers (None: no limit).
    """

    name: str
    kind: str
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class DatasetSpec:
    """What the course expects of one shipped data set."""

    name: str
    file: str
    sha256: str
    columns: tuple[Column, ...]
    synthetic: bool
    row_level: bool = False
    description: str = ""
    make_script: str | None = field(default=None)


# The values a column may hold (Column.allowed), by the module whose data sets brought them in.
# module 1 (01-problem-framing)
BRANCHES = ("Central", "North", "East", "South", "West")
PROCEDURES = ("moving", "childbirth", "bereavement", "my number card")
AGE_GROUPS = ("18-29", "30-44", "45-64", "65-74", "75+")
MEASURES = (
    "old Type I + comprehensive (annual report)",
    "spring exam",
    "full year incl. autumn track",
)
DIVISIONS = (
    "Agriculture Committee",
    "Child and Family",
    "Citizen Affairs",
    "Disability Welfare",
    "Elderly Medical Care",
    "Environment",
    "Health Insurance and Pension",
    "Long-term Care",
    "Municipal Housing",
    "Property Tax",
    "Resident Tax",
    "Tax Collection",
    "Water and Sewerage",
)
# module 2 (02-ml-lab)
LIFE_EVENTS = ("moving", "childbirth", "bereavement", "long-term care")
CHANNELS = ("counter", "mail", "one-stop desk", "online")
APPLICANT_AGES = ("18-39", "40-64", "65-74", "75+")
# module 4 (04-ai-front-desk)
FRONT_DESK_DEPARTMENTS = (
    "Citizen Affairs",
    "Tax",
    "Health Insurance and Pension",
    "Child and Family",
    "Elderly and Long-term Care",
    "Waste and Recycling",
    "Water and Sewerage",
    "Disaster Prevention",
)
FRONT_DESK_CITIES = ("City A", "City B")
# module 5 (05-venture-leadership)
# module 4, part 2 (04-genai-assistant)
ANSWER_LABELS = ("correct", "unsupported", "wrong_citation", "outdated", "injection_followed",
                 "personal_data_echoed", "needless_refusal")
MUNICIPALITY_TYPES = ("designated city", "core city", "other city", "special ward", "town", "village")

# The one registry: file names, checksums and schemas. After regenerating a file on
# purpose, update its sha256 here and in its DATASHEET.md (tests check they agree).
REGISTRY: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        # module 1 (01-problem-framing)
        DatasetSpec(
            name="civil_service_applicants",
            file="civil_service_applicants.csv",
            sha256="5a5638f3945c38c47a6a586997340539965c8f6ebf606cbebf6b95c30532077d",
            synthetic=False,
            description="Applicants to Japan's career-track national civil service exam (real, typed from named sources).",
            columns=(
                Column("fiscal_year", "int", low=1990, high=2030),
                Column("measure", "str", allowed=MEASURES),
                Column("applicants", "int", nullable=True, low=0),
                Column("applicants_note", "str", nullable=True),
                Column("women_share_pct", "float", nullable=True, low=0, high=100),
                Column("passed", "int", nullable=True, low=0),
                Column("source", "str"),
            ),
        ),
        DatasetSpec(
            name="population_age22",
            file="population_age22.csv",
            sha256="ae44b3eec47be669f3d9e4a0645d2e26d631fddd986fdeaff5a8f40455d4a14b",
            synthetic=False,
            description="Japan's 22-year-old population in 1996 and 2020 (real, NPA Annual Report FY2021).",
            columns=(
                Column("year", "int", low=1990, high=2030),
                Column("age", "int", low=0, high=120),
                Column("population_thousands", "int", low=0),
                Column("source", "str"),
            ),
        ),
        DatasetSpec(
            name="my_number_card",
            file="my_number_card.csv",
            sha256="80b51eb11757d8e9f6bdea27b5178694f4a925e258d118ed209246b38aa9a845",
            synthetic=False,
            description="Share of the population with a My Number Card, Japan and Miyakonojo (real, typed from named sources).",
            columns=(
                Column("date", "date"),
                Column("area", "str"),
                Column("measure", "str", allowed=("issued", "held")),
                Column("share_pct", "float", low=0, high=100),
                Column("cards", "int", nullable=True, low=0),
                Column("population", "int", nullable=True, low=0),
                Column("note", "str", nullable=True),
                Column("source", "str"),
            ),
        ),
        DatasetSpec(
            name="service_desk_visits",
            file="service_desk_visits_synthetic.csv",
            sha256="19de9fdb6495f6161c594396a58e69b9a52553d85fc43004e17fdf232493851b",
            synthetic=True,
            row_level=True,
            description="SYNTHETIC visits to a city's resident service desk before and after a paperless one-stop reform.",
            make_script="course/data/service_desk_visits/make_service_desk_visits.py",
            columns=(
                Column("visit_id", "str"),
                Column("visit_date", "date"),
                Column("branch", "str", allowed=BRANCHES),
                Column("branch_population", "int", low=1),
                Column("reform_start", "date"),
                Column("period", "str", allowed=("before", "after")),
                Column("procedure", "str", allowed=PROCEDURES),
                Column("age_group", "str", nullable=True, allowed=AGE_GROUPS),
                Column("forms_filled", "int", low=0, high=100),
                Column("minutes", "int", nullable=True, low=0, high=24 * 60),
            ),
        ),
        DatasetSpec(
            name="form_fields",
            file="form_fields_synthetic.csv",
            sha256="e21a4913a35434d69430e879943999a4ae76cf512f3e0563f5b7058ee4dc228b",
            synthetic=True,
            description="SYNTHETIC catalogue of the fields on the paper forms filed after a death, with audit fill counts.",
            make_script="course/data/form_fields/make_form_fields.py",
            columns=(
                Column("form_id", "str"),
                Column("form_name", "str"),
                Column("division", "str", allowed=DIVISIONS),
                Column("field_id", "str"),
                Column("field_name", "str"),
                Column("held_in", "str", allowed=("resident register", "my number card", "none")),
                Column("on_other_forms", "int", low=0),
                Column("used_downstream", "bool"),
                Column("n_checked", "int", low=1),
                Column("n_filled", "int", low=0),
            ),
        ),
        DatasetSpec(
            name="form_fill_log",
            file="form_fill_log_synthetic.csv",
            sha256="27e87b9bb87e3002855a5b4113cdc65109db5ecf7d46b5ce20a330be1ba41c11",
            synthetic=True,
            row_level=True,
            description="SYNTHETIC audit log: for each submitted copy of a form, which fields were filled in.",
            make_script="course/data/form_fill_log/make_form_fill_log.py",
            columns=(
                Column("submission_id", "str"),
                Column("form_id", "str"),
                Column("field_id", "str"),
                Column("filled", "int", low=0, high=1),
            ),
        ),
        # module 2 (02-ml-lab)
        DatasetSpec(
            name="application_returns",
            file="application_returns_synthetic.csv",
            sha256="21a9e37795cd0b718f68b1ddd7c879540afa810dda79a0791cf703c5ccea2490",
            synthetic=True,
            row_level=True,
            description="SYNTHETIC life-event applications to a city, and whether each was returned to the resident for correction.",
            make_script="course/data/application_returns/make_application_returns.py",
            columns=(
                Column("application_id", "str"),
                Column("submitted_date", "date"),
                Column("week_start", "date"),
                Column("fiscal_year", "int", low=2000, high=2100),
                Column("branch", "str", allowed=BRANCHES),
                Column("procedure", "str", allowed=LIFE_EVENTS),
                Column("channel", "str", allowed=CHANNELS),
                Column("age_group", "str", allowed=APPLICANT_AGES),
                Column("card_holder", "bool"),
                Column("proxy_filing", "bool"),
                Column("forms_in_bundle", "int", low=1, high=100),
                Column("attachments", "int", low=0, high=100),
                Column("blank_fields", "int", nullable=True, low=0, high=100),
                Column("days_since_event", "int", nullable=True, low=0, high=3650),
                Column("prior_returns", "int", low=0, high=100),
                Column("documents_on_file", "int", low=0, high=200),
                Column("returned", "int", low=0, high=1),
            ),
        ),
        # module 3 (03-policy-design)
        DatasetSpec(
            name="onestop_town_panel",
            file="onestop_town_panel_synthetic.csv",
            sha256="9382c19d59e34404027db57dc9fb4c065ee07e65bfdf8dad3983f0857c325000",
            synthetic=True,
            description="SYNTHETIC panel of 12 towns by quarter: desk minutes before and after one city's one-stop desk.",
            make_script="course/data/onestop_town_panel/make_onestop_town_panel.py",
            columns=(
                Column("town", "str"),
                Column("group", "str", allowed=("one-stop city", "comparison")),
                Column("population", "int", low=1),
                Column("quarter", "date"),
                Column("fiscal_year", "int", low=2000, high=2100),
                Column("fiscal_quarter", "int", low=1, high=4),
                Column("one_stop", "int", low=0, high=1),
                Column("cases", "int", low=0),
                Column("median_minutes", "float", low=0, high=24 * 60),
            ),
        ),
        DatasetSpec(
            name="outreach_households",
            file="outreach_households_synthetic.csv",
            sha256="7a15f59f123e0b892952e23d46f59fbcc5155336ea83264f9e55feef4e541b13",
            synthetic=True,
            row_level=True,
            description="SYNTHETIC households eligible for a benefit, with a model's risk of not claiming it.",
            make_script="course/data/outreach_households/make_outreach_households.py",
            columns=(
                Column("household_id", "str"),
                Column("district", "str", allowed=BRANCHES),
                Column("head_age_group", "str", allowed=("under 65", "65-74", "75+")),
                Column("lives_alone", "bool"),
                Column("has_card", "bool"),
                Column("risk_score", "float", low=0, high=1),
                Column("missed_claim", "int", low=0, high=1),
            ),
        ),
        # module 4 (04-ai-front-desk)
        DatasetSpec(
            name="front_desk_faq",
            file="front_desk_faq_synthetic.csv",
            sha256="a7486de80b92bb08a43bd2960a2ff31b675e67972815051625ed6b50764d5428",
            synthetic=True,
            description="SYNTHETIC FAQ bases of two invented cities (English and Japanese), each entry with its department and page.",
            make_script="course/data/front_desk_faq/make_front_desk_faq.py",
            columns=(
                Column("faq_id", "str"),
                Column("city", "str", allowed=FRONT_DESK_CITIES),
                Column("topic", "str"),
                Column("department", "str", allowed=FRONT_DESK_DEPARTMENTS),
                Column("scope", "str", allowed=("national rule", "city rule")),
                Column("question_en", "str"),
                Column("answer_en", "str"),
                Column("question_ja", "str"),
                Column("answer_ja", "str"),
                Column("page", "str"),
            ),
        ),
        DatasetSpec(
            name="resident_inquiries",
            file="resident_inquiries_synthetic.csv",
            sha256="a564260b8c96329db1986437331d3e6885c82b6b6ef4ebd89dece5823384d7ba",
            synthetic=True,
            row_level=True,
            description="SYNTHETIC residents' questions to two cities' front desks (English and Japanese), labelled with department and FAQ topic.",
            make_script="course/data/resident_inquiries/make_resident_inquiries.py",
            columns=(
                Column("inquiry_id", "str"),
                Column("city", "str", allowed=FRONT_DESK_CITIES),
                Column("language", "str", allowed=("en", "ja")),
                Column("text", "str"),
                Column("department", "str", allowed=FRONT_DESK_DEPARTMENTS),
                Column("topic", "str", nullable=True),
                Column("phrasing_id", "str"),
                Column("personal_data", "str", nullable=True, allowed=("phone", "email", "my_number")),
            ),
        ),
        # module 5 (05-venture-leadership)
        DatasetSpec(
            name="municipalities_by_type",
            file="municipalities_by_type.csv",
            sha256="9a50d3e499f0bdf333d6cd50cbb77b270cc0644e905b57840001aeff6fb95122",
            synthetic=False,
            description="Number of Japan's municipalities of each type, April 2021 (real, typed from named sources).",
            columns=(
                Column("municipality_type", "str", allowed=MUNICIPALITY_TYPES),
                Column("count", "int", low=0),
                Column("as_of", "date"),
                Column("note", "str"),
                Column("source", "str"),
            ),
        ),
        DatasetSpec(
            name="egov_index",
            file="egov_index.csv",
            sha256="aff3d96cc8f067ee613cfd6ef3f46268ac20055061b5e2e76ff18be0bf244c3a",
            synthetic=False,
            description="UN E-Government Development Index: the 2024 top 13, Japan since 2012, world averages (real).",
            columns=(
                Column("country", "str"),
                Column("year", "int", low=2001, high=2100),
                Column("egdi", "float", nullable=True, low=0, high=1),
                Column("rank", "int", nullable=True, low=1, high=193),
                Column("source", "str"),
            ),
        ),
        DatasetSpec(
            name="municipal_task_costs",
            file="municipal_task_costs_synthetic.csv",
            sha256="04379826b72aa76cc688e66b0a563aceed9b6aa7ce77e17fdf10dc6245b38f1e",
            synthetic=True,
            row_level=True,
            description="SYNTHETIC municipalities of Japan and what the procedures after a death cost each one a year.",
            make_script="course/data/municipal_task_costs/make_municipal_task_costs.py",
            columns=(
                Column("municipality_id", "str"),
                Column("municipality_type", "str", allowed=MUNICIPALITY_TYPES),
                Column("population", "int", low=1),
                Column("cases_per_year", "int", low=0),
                Column("staff_minutes_per_case", "float", low=0, high=24 * 60),
                Column("staff_cost_per_hour", "int", low=0),
                Column("annual_task_cost_yen", "int", low=0),
                Column("has_one_stop_desk", "bool"),
            ),
        ),
        # module 4, part 2 (04-genai-assistant)
        DatasetSpec(
            name="assistant_answers",
            file="assistant_answers_synthetic.csv",
            sha256="bf87d5d47f566b0357859a36c6750787426bd7e60df99b51722932372f743e2f",
            synthetic=True,
            row_level=True,
            description="SYNTHETIC answers of a city-hall AI assistant to residents' questions, labelled by what is wrong with them.",
            make_script="course/data/assistant_answers/make_assistant_answers.py",
            columns=(
                Column("answer_id", "str"),
                Column("inquiry_id", "str"),
                Column("city", "str", allowed=FRONT_DESK_CITIES),
                Column("language", "str", allowed=("en", "ja")),
                Column("question", "str"),
                Column("answer", "str"),
                Column("cited_faq_id", "str", nullable=True),
                Column("right_faq_id", "str"),
                Column("label", "str", allowed=ANSWER_LABELS),
                Column("acceptable", "bool"),
                Column("injection_in_question", "bool"),
            ),
        ),
        DatasetSpec(
            name="genai_prices",
            file="genai_prices.csv",
            sha256="959ee276a0cdc9ce9380cce993d89287a3fdb586cbfd016ca17a77cfe3a4e6d6",
            synthetic=False,
            description="Prices per million tokens of three kinds of generative model: ILLUSTRATIVE ASSUMPTIONS with their sources and date.",
            columns=(
                Column("tier", "str"),
                Column("example_model", "str"),
                Column("usd_per_million_input", "float", low=0),
                Column("usd_per_million_output", "float", low=0),
                Column("status", "str", allowed=("illustrative assumption", "quoted price")),
                Column("source", "str"),
                Column("as_of", "date"),
            ),
        ),
    )
}

_TRUE_FALSE = {"True": True, "False": False, "true": True, "false": False}


def available() -> list[str]:
    """Return the names of the data sets that ship with the course, sorted."""
    return sorted(REGISTRY)


def _spec(name: str) -> DatasetSpec:
    if not isinstance(name, str):
        raise DatasetNotFound(
            f"a data set name must be text like \"service_desk_visits\", got {type(name).__name__}. "
            "See course.datasets.available()."
        )
    if name in REGISTRY:
        return REGISTRY[name]
    close = difflib.get_close_matches(name, available(), n=1, cutoff=0.5)
    hint = f' Did you mean "{close[0]}"?' if close else ""
    raise DatasetNotFound(f'no dataset "{name}".{hint} See course.datasets.available().')


def _data_path(spec: DatasetSpec) -> Path:
    """Where the shipped file is: found through importlib.resources, so it works when installed."""
    resource = importlib.resources.files("course") / "data" / spec.name / spec.file
    return Path(str(resource))


def datasheet(name: str, lang: str | None = None) -> str:
    """Return the text of a data set's DATASHEET.md, with its Japanese summary first for a Japanese reader.

    Every data set has ``DATASHEET.md`` (English, the whole datasheet) and ``DATASHEET.ja.md``
    (the Japanese of its title and summary). For Japanese, the result is the Japanese summary
    followed by the whole English datasheet (sources, licence and method stay in English).

    Args:
        name: a name from available().
        lang: "ja" or "en"; None (the default) uses the course's language
            (``course.i18n.language()``: ``COURSE_LANG``, else ``.course-lang``, else English).
            A language without a translated summary gives the English alone.

    Raises:
        DatasetNotFound: no data set has that name.
        DatasetError: the datasheet is missing.
    """
    spec = _spec(name)
    path = _data_path(spec).with_name("DATASHEET.md")
    if not path.is_file():
        raise DatasetError(f"{name}: DATASHEET.md is missing. Reinstall the course package.")
    english = path.read_text(encoding="utf-8")
    chosen = i18n.language() if lang is None else str(lang).strip().lower()
    if chosen not in i18n.LANGUAGES:
        return english
    summary = path.with_name(f"DATASHEET.{chosen}.md")
    if not summary.is_file():
        return english
    return summary.read_text(encoding="utf-8").rstrip("\n") + "\n\n---\n\n" + english


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_verified(spec: DatasetSpec, path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DatasetError(f"{spec.name}: the file {spec.file} is missing. {_remedy(spec)}")
    if _sha256(path) != spec.sha256:
        raise DatasetError(
            f"{spec.name}: {spec.file} is not the file the course shipped (its SHA-256 does not match). "
            f"{_remedy(spec)}"
        )
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def _remedy(spec: DatasetSpec) -> str:
    if spec.make_script:
        return (
            f"Reinstall the course package, or run python {spec.make_script} to rebuild it "
            "(and, if you changed the data on purpose, update its sha256 in course/datasets.py)."
        )
    return "Reinstall the course package (this is typed real data: restore it from git)."


def _bad(spec: DatasetSpec, column: str, problem: str, what_to_do: str | None = None) -> DatasetError:
    return DatasetError(f'{spec.name}: column "{column}" {problem}. {what_to_do or _remedy(spec)}')


def _first_bad(raw: pd.Series, bad: pd.Series) -> str:
    row = bad.to_numpy().nonzero()[0][0]
    return f'"{raw.iloc[row]}" (row {row + 1})'


def validate(frame: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """Check a frame read as text against a schema and convert its columns to their types.

    Args:
        frame: the file as read with every column as text (empty cells as missing).
        spec: the schema to check against.

    Returns:
        A new DataFrame with typed columns, in the schema's column order.

    Raises:
        DatasetError: a column is missing or extra, a value has the wrong type, is out of
            range, is not one of the allowed values, or is missing where none may be.
    """
    expected = [c.name for c in spec.columns]
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise _bad(spec, missing[0], "is missing from the file")
    extra = [c for c in frame.columns if c not in expected]
    if extra:
        raise _bad(spec, extra[0], "is not expected in the file")
    out = {}
    for col in spec.columns:
        raw = frame[col.name]
        present = raw.notna()
        if not col.nullable and not present.all():
            n = int((~present).sum())
            raise _bad(spec, col.name, f"has {n} missing value{'s' if n > 1 else ''} but should have none")
        if col.kind in ("int", "float"):
            values = pd.to_numeric(raw, errors="coerce")
            wrong = present & values.isna()
            if wrong.any():
                raise _bad(spec, col.name, f"should hold numbers but has {_first_bad(raw, wrong)}")
            if col.kind == "int":
                fractional = values.notna() & (values != values.round())
                if fractional.any():
                    raise _bad(spec, col.name, f"should hold whole numbers but has {_first_bad(raw, fractional)}")
                # float with NaN, not Int64 with pd.NA: NaN behaves the same in pandas,
                # numpy and seaborn, which is kinder to beginners
                values = values.astype("float64" if col.nullable else "int64")
            else:
                values = values.astype("float64")
            low_bad = values.notna() & (values < col.low) if col.low is not None else None
            high_bad = values.notna() & (values > col.high) if col.high is not None else None
            if low_bad is not None and low_bad.any():
                raise _bad(spec, col.name, f"should be at least {col.low} but has {_first_bad(raw, low_bad)}")
            if high_bad is not None and high_bad.any():
                raise _bad(spec, col.name, f"should be at most {col.high} but has {_first_bad(raw, high_bad)}")
        elif col.kind == "date":
            values = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
            wrong = present & values.isna()
            if wrong.any():
                raise _bad(spec, col.name, f"should hold dates like 2024-04-01 but has {_first_bad(raw, wrong)}")
        elif col.kind == "bool":
            values = raw.map(_TRUE_FALSE)
            wrong = present & values.isna()
            if wrong.any():
                raise _bad(spec, col.name, f"should hold True or False but has {_first_bad(raw, wrong)}")
            values = values.astype("boolean" if col.nullable else "bool")
        elif col.kind == "str":
            values = raw
            if col.allowed is not None:
                wrong = present & ~raw.isin(col.allowed)
                if wrong.any():
                    allowed = ", ".join(f'"{a}"' for a in col.allowed)
                    raise _bad(spec, col.name, f"has {_first_bad(raw, wrong)}, which is not one of {allowed}")
        else:  # a mistake in the registry, not in the data
            raise DatasetError(f'{spec.name}: column "{col.name}" has unknown kind "{col.kind}". Fix course/datasets.py.')
        out[col.name] = values
    return pd.DataFrame(out, index=frame.index)


def _check_sampling(sample_frac: object, seed: object) -> None:
    if isinstance(sample_frac, bool) or not isinstance(sample_frac, numbers.Real):
        raise DatasetError(
            f"sample_frac must be a number, got {sample_frac!r}. Use 1.0 for all rows or, say, 0.5 for half of them."
        )
    if math.isnan(sample_frac) or not 0 < sample_frac <= 1:
        raise DatasetError(
            f"sample_frac must be more than 0 and at most 1, got {sample_frac!r}. "
            "Use 1.0 for all rows or, say, 0.5 for half of them."
        )
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**32:
        raise DatasetError(f"seed must be a whole number from 0 to 2**32 - 1, got {seed!r}. Use, say, seed=2026.")


#: Each file's checked, typed frame, by its schema and the file's identity on disk (path, size, change time):
#: the same file is read, verified and converted once per process. A notebook (and its
#: tests, which reload the data to check an answer) loads the same file many times.
_CHECKED: dict[tuple, pd.DataFrame] = {}


def _checked(spec: DatasetSpec) -> pd.DataFrame:
    """The file of ``spec`` read, verified against its SHA-256 and typed; kept while the file is unchanged."""
    path = _data_path(spec)
    try:
        stat = path.stat()
        key = (spec, str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        hash(key)
    except (OSError, TypeError):
        key = None
    if key is None or key not in _CHECKED:
        frame = validate(_read_verified(spec, path), spec)
        if key is None:
            return frame
        _CHECKED[key] = frame
    return _CHECKED[key]


def __grading_preload__() -> None:
    """Read, verify and type every shipped file once, before a grader's pre-loaded process forks its runs.

    The grader's pre-loaded sandboxes call a module's ``__grading_preload__`` once after importing
    it (``course.grading.inside.zygote.preload``): each run forked from them then finds every
    file checked (:data:`_CHECKED`) and loads a copy, as a notebook's second load does.
    """
    for name in available():
        try:
            _checked(_spec(name))
        except DatasetError:  # a broken file fails in the run that loads it, with its own message
            pass


def _load(name: str, sample_frac: float = 1.0, seed: int = 0) -> pd.DataFrame:
    spec = _spec(name)
    frame = _checked(spec).copy(deep=True)  # a copy: what a notebook changes never reaches the next load
    if sample_frac < 1:
        # sorting back to file order keeps the sample as readable as the full file
        frame = frame.sample(frac=sample_frac, random_state=int(seed)).sort_index()
    frame.attrs.update({"dataset": name, "synthetic": spec.synthetic, "sample_frac": float(sample_frac)})
    return frame


def load(name: str, **kwargs) -> pd.DataFrame:
    """Load any data set by name.

    Args:
        name: a name from available().
        **kwargs: passed to the data set's loader (sample_frac and seed for row-level data).

    Returns:
        The data set as a pandas DataFrame.

    Raises:
        DatasetNotFound: no data set has that name (the message suggests the closest one).
        DatasetError: the file is missing, altered, or does not match its schema.
    """
    spec = _spec(name)
    allowed = {"sample_frac", "seed"} if spec.row_level else set()
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        takes = "sample_frac and seed" if spec.row_level else "no options: it is small and loads whole"
        raise DatasetError(f'{name} does not take {", ".join(unknown)}; it takes {takes}. See help(course.datasets.load_{name}).')
    return globals()[f"load_{spec.name}"](**kwargs)


# --- module 1 (01-problem-framing) ---------------------------------------------------


def load_civil_service_applicants() -> pd.DataFrame:
    """Applicants to Japan's career-track (comprehensive, formerly Type I) national civil service exam.

    Real figures typed from the sources named in the ``source`` column. One row per
    (fiscal year, measure): measures differ (spring exam only, full year with the autumn
    track, the annual report's series) and must not be mixed in one trend line.

    Returns:
        Columns fiscal_year, measure, applicants (float, NaN where no exact count is
        reported), applicants_note, women_share_pct (percent), passed (float, NaN where
        not reported), source.

    Raises:
        DatasetError: the file is altered or does not match its schema.
    """
    return _load("civil_service_applicants")


def load_population_age22() -> pd.DataFrame:
    """Japan's 22-year-old population in 1996 and 2020 (thousands), for per-capita rates.

    Returns:
        Columns year, age, population_thousands, source.

    Raises:
        DatasetError: the file is altered or does not match its schema.
    """
    return _load("population_age22")


def load_my_number_card() -> pd.DataFrame:
    """Share of the population with a My Number Card: Japan, two prefectures and Miyakonojo City.

    The measure changed from "issued" to "held" in June 2023: keep the two apart.

    Returns:
        Columns date (datetime), area, measure, share_pct (percent), cards, population,
        note, source.

    Raises:
        DatasetError: the file is altered or does not match its schema.
    """
    return _load("my_number_card")


def load_service_desk_visits(sample_frac: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """SYNTHETIC visits to a city's resident service desk, before and after a paperless reform.

    Invented data, calibrated to the reported "about three hours before, about 45 minutes
    after" (TV Tokyo BIZ via News On Japan, July 2025). See DATASHEET.md.

    Args:
        sample_frac: share of the rows to keep, more than 0 and at most 1. With 1.0 (the
            default) every row is returned in file order.
        seed: random seed for the sample, so the same seed gives the same rows.

    Returns:
        One row per visit: visit_id, visit_date (datetime), branch, branch_population,
        reform_start (datetime), period ("before"/"after"), procedure, age_group (missing
        when not recorded), forms_filled, minutes (float, NaN when not recorded).

    Raises:
        DatasetError: sample_frac or seed is out of range, or the file is altered or does
            not match its schema.
    """
    _check_sampling(sample_frac, seed)
    return _load("service_desk_visits", sample_frac, seed)


def load_form_fields() -> pd.DataFrame:
    """SYNTHETIC catalogue of the fields on the 67 paper forms filed after a death.

    Calibrated to "up to 67 form types across 13 divisions" (AERA dot, 2020). See DATASHEET.md.

    Returns:
        One row per (form, field): form_id, form_name, division, field_id, field_name,
        held_in ("resident register", "my number card" or "none"), on_other_forms (how
        many other forms ask for the same field), used_downstream (bool), n_checked and
        n_filled (audited copies, and how many had the field filled in).

    Raises:
        DatasetError: the file is altered or does not match its schema.
    """
    return _load("form_fields")


def load_form_fill_log(sample_frac: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """SYNTHETIC audit log: for each checked copy of a form, whether each field was filled in.

    Args:
        sample_frac: share of the rows to keep, more than 0 and at most 1.
        seed: random seed for the sample.

    Returns:
        One row per (submitted copy, field): submission_id, form_id, field_id, filled (0 or 1).

    Raises:
        DatasetError: sample_frac or seed is out of range, or the file is altered or does
            not match its schema.
    """
    _check_sampling(sample_frac, seed)
    return _load("form_fill_log", sample_frac, seed)


# --- module 2 (02-ml-lab) ------------------------------------------------------------


def load_application_returns(sample_frac: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """SYNTHETIC applications for life-event procedures, and whether each was returned for correction.

    Invented data for a city like Miyakonojo, April 2022 to March 2025. Only the share of
    applicants holding a My Number Card is calibrated to published figures (Miyakonojo
    City's card share, as listed in the course's DATA-SOURCES.md). The data has the traps
    of real administrative data on purpose: missing values, drift over time, groups of
    different size and base rate, and one column recorded after the outcome. Read
    DATASHEET.md (``datasheet("application_returns")``) before using a column.

    Args:
        sample_frac: share of the rows to keep, more than 0 and at most 1. With 1.0 (the
            default) every row is returned in file order.
        seed: random seed for the sample, so the same seed gives the same rows.

    Returns:
        One row per application: application_id, submitted_date and week_start (Monday of
        its week; datetimes), fiscal_year, branch, procedure, channel, age_group,
        card_holder and proxy_filing (bool), forms_in_bundle, attachments, blank_fields
        (float, NaN when not recorded), days_since_event (float, NaN when not recorded),
        prior_returns, documents_on_file, returned (1 if sent back for correction, else 0).

    Raises:
        DatasetError: sample_frac or seed is out of range, or the file is altered or does
            not match its schema.
    """
    _check_sampling(sample_frac, seed)
    return _load("application_returns", sample_frac, seed)


# --- module 3 (03-policy-design) -----------------------------------------------------


def load_onestop_town_panel() -> pd.DataFrame:
    """SYNTHETIC panel of 12 towns, quarter by quarter (FY2017-FY2021), around one city's one-stop desk.

    Invented data. "City A" opens a paperless one-stop desk for the procedures after a
    death in fiscal year 2019; eleven comparison towns never do. The drop is calibrated to
    the reported "about three hours before, 45 minutes after" (TV Tokyo BIZ via News On
    Japan, July 2025). Made for difference-in-differences. See DATASHEET.md.

    Returns:
        One row per (town, quarter): town, group ("one-stop city" or "comparison"),
        population, quarter (datetime, first day), fiscal_year, fiscal_quarter (1 =
        April-June), one_stop (1 if the desk was open), cases, median_minutes.

    Raises:
        DatasetError: the file is altered or does not match its schema.
    """
    return _load("onestop_town_panel")


def load_outreach_households(sample_frac: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """SYNTHETIC households eligible for a benefit, with a synthetic model's risk that they do not claim it.

    Invented data for choosing whom to visit with a limited budget. The model's scores
    are built to be too low for households without a My Number Card. See DATASHEET.md.

    Args:
        sample_frac: share of the rows to keep, more than 0 and at most 1. With 1.0 (the
            default) every row is returned in file order.
        seed: random seed for the sample, so the same seed gives the same rows.

    Returns:
        One row per household: household_id, district, head_age_group, lives_alone (bool),
        has_card (bool), risk_score (predicted probability of not claiming, 0 to 1),
        missed_claim (1 if the household did not claim in the last round).

    Raises:
        DatasetError: sample_frac or seed is out of range, or the file is altered or does
            not match its schema.
    """
    _check_sampling(sample_frac, seed)
    return _load("outreach_households", sample_frac, seed)


# --- module 4 (04-ai-front-desk): a resident-inquiry corpus for a retrieval assistant -


def load_front_desk_faq(city: str | None = None) -> pd.DataFrame:
    """SYNTHETIC FAQ bases of two invented cities' resident front desks, in English and Japanese.

    Invented text written for the course: 22 entries for City A and 20 for City B, on
    the procedures a Japanese municipal front desk handles. Entries with scope "city
    rule" hold invented local details (fees, days, places) that are true only in the
    city that wrote them. See DATASHEET.md.

    Args:
        city: "City A" or "City B" to keep one city's base; None (the default) for both.

    Returns:
        One row per FAQ entry: faq_id, city, topic (the same topic has the same name in
        both cities), department (which owns the entry), scope ("national rule" or
        "city rule"), question_en, answer_en, question_ja, answer_ja, page (the web page
        it comes from, at a reserved .example domain).

    Raises:
        DatasetError: city is not one of the two cities, or the file is altered or does
            not match its schema.
    """
    if city is not None and city not in FRONT_DESK_CITIES:
        raise DatasetError(f'no city {city!r} in front_desk_faq. Use "City A", "City B" or None for both.')
    faq = _load("front_desk_faq")
    if city is not None:
        faq = faq[faq["city"] == city].reset_index(drop=True)
        faq.attrs.update({"dataset": "front_desk_faq", "synthetic": True, "sample_frac": 1.0})
    return faq


def load_resident_inquiries(sample_frac: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """SYNTHETIC residents' questions to two cities' front desks, in English and Japanese, labelled.

    Invented questions, composed from phrasings written for the course (casual, misspelt,
    some with invented phone numbers, e-mail addresses or 12-digit numbers). See DATASHEET.md.

    Args:
        sample_frac: share of the rows to keep, more than 0 and at most 1.
        seed: random seed for the sample.

    Returns:
        One row per question: inquiry_id, city (whose desk received it), language ("en"
        or "ja"), text, department (which owns it), topic (the FAQ topic that answers it;
        missing when no FAQ entry in either city does, so a person must answer),
        phrasing_id (questions built from the same phrasing share it), personal_data
        ("phone", "email", "my_number", or missing when the text holds none).

    Raises:
        DatasetError: sample_frac or seed is out of range, or the file is altered or does
            not match its schema.
    """
    _check_sampling(sample_frac, seed)
    return _load("resident_inquiries", sample_frac, seed)


# --- module 5 (05-venture-leadership) -------------------------------------------------


def load_municipalities_by_type() -> pd.DataFrame:
    """How many municipalities Japan has of each type (April 2021): real counts typed from named sources.

    Returns:
        One row per type: municipality_type (designated city, core city, other city,
        special ward, town, village), count, as_of (datetime), note, source.

    Raises:
        DatasetError: the file is altered or does not match its schema.
    """
    return _load("municipalities_by_type")


def load_egov_index() -> pd.DataFrame:
    """The UN E-Government Development Index (EGDI): the 2024 top 13, Japan's rank since 2012, world averages.

    Real figures from UN DESA's E-Government Survey, as reported by the sources in the
    ``source`` column. Not every row has a score: some reports give only the rank.

    Returns:
        Columns country, year, egdi (0 to 1, NaN where not reported), rank (float, NaN for
        the world average), source.

    Raises:
        DatasetError: the file is altered or does not match its schema.
    """
    return _load("egov_index")


def load_municipal_task_costs(sample_frac: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """SYNTHETIC municipalities of Japan, and what the procedures after a death cost each one a year.

    Invented data: only the number of municipalities of each type and the total population
    (2020 census) are real. Made for sizing the market of a one-stop bereavement product.
    See DATASHEET.md.

    Args:
        sample_frac: share of the rows to keep, more than 0 and at most 1. With 1.0 (the
            default) all 1,741 municipalities are returned in file order.
        seed: random seed for the sample, so the same seed gives the same rows.

    Returns:
        One row per municipality: municipality_id, municipality_type, population,
        cases_per_year, staff_minutes_per_case, staff_cost_per_hour (yen),
        annual_task_cost_yen (yen a year), has_one_stop_desk (bool).

    Raises:
        DatasetError: sample_frac or seed is out of range, or the file is altered or does
            not match its schema.
    """
    _check_sampling(sample_frac, seed)
    return _load("municipal_task_costs", sample_frac, seed)


# --- module 4, part 2 (04-genai-assistant): evaluating a generative assistant ----------


def load_assistant_answers(sample_frac: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """SYNTHETIC answers of a city-hall AI assistant, each labelled by what is wrong with it.

    Built by make_assistant_answers.py from the synthetic FAQ and residents' questions of
    module 4: 240 answers, 100 correct and 140 with one known fault. See DATASHEET.md.

    Args:
        sample_frac: share of the rows to keep, more than 0 and at most 1.
        seed: random seed for the sample.

    Returns:
        One row per answer: answer_id, inquiry_id, city, language ("en" or "ja"),
        question (the resident's text, sometimes with an injected instruction), answer
        (with its citations like [A001]), cited_faq_id (missing when it cites nothing),
        right_faq_id (the entry that answers the question), label (correct, unsupported,
        wrong_citation, outdated, injection_followed, personal_data_echoed,
        needless_refusal), acceptable (the human verdict: may it be released?),
        injection_in_question (does the question carry an instruction to the assistant?).

    Raises:
        DatasetError: sample_frac or seed is out of range, or the file is altered or does
            not match its schema.
    """
    _check_sampling(sample_frac, seed)
    return _load("assistant_answers", sample_frac, seed)


def load_genai_prices() -> pd.DataFrame:
    """Prices per million tokens for three kinds of model: ILLUSTRATIVE ASSUMPTIONS, with source and date.

    Returns:
        One row per tier: tier, example_model, usd_per_million_input,
        usd_per_million_output, status ("illustrative assumption" unless a primary price
        page was read), source, as_of.

    Raises:
        DatasetError: the file is altered or does not match its schema.
    """
    return _load("genai_prices")
