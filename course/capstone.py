"""The capstone's reproducibility checks: a project's data, key numbers, figures and scaling, recomputed from its recipes.

Each check raises ``AssertionError`` with a message in the student's terms (as course.checks
does), and returns None when the project passes.

    >>> capstone.recompute(project_data, key_recipes)
    >>> capstone.check_key_numbers_reproduce(key_numbers, key_recipes, project_data)
"""

from __future__ import annotations

import math
import numbers
import re

import numpy as np
import pandas as pd

from course.assertions import _fail, _show, check_answered
from course.i18n import _

__all__ = [
    "check_data_provenance", "check_figure_specs", "check_figures_draw", "check_key_numbers",
    "check_key_numbers_reproduce", "check_project_data", "check_scale", "check_scale_reproduces",
    "recipe_columns", "recompute",
]


# A project declares its data, its key numbers with a *recipe* for each, its figures and its
# scaling inputs as plain data (dicts and lists), so that the grader can recompute them from the
# data in its own kernel without running any student code. A recipe is a dict:
#   {"stat": "median", "column": "minutes", "where": {"period": "before"}}     from the data
#   {"stat": "share", "where": {...}, "of": {"forms_filled": {"min": 3}}}       share of rows meeting "of"
#   {"combine": "difference", "of": ["before", "after"]}                        from other numbers
# "where" and "of" map a column to a value, a list of values, or {"min": a, "max": b}.

RECIPE_STATS = ("count", "share", "sum", "mean", "median", "min", "max", "std", "nunique")
RECIPE_COMBINE = ("difference", "ratio", "sum", "product")
FIGURE_KINDS = ("bars", "trend", "boxes")
FIGURE_TEXT = ("title", "xlabel", "ylabel", "alt", "takeaway")


#: Hiragana, katakana and kanji: Japanese writes words without spaces between them.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _word_count(text: str) -> int:
    """Words in ``text``: space-separated words, with two Japanese characters counted as one word."""
    cjk = len(_CJK.findall(text))
    return sum(any(ch.isalnum() for ch in word) for word in _CJK.sub(" ", text).split()) + cjk // 2


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _rows(data: pd.DataFrame, where: object, label: str) -> pd.Series:
    """A True/False mask of the rows of ``data`` that meet every condition of ``where``."""
    mask = pd.Series(True, index=data.index)
    if where is None:
        return mask
    if not isinstance(where, dict):
        _fail(_('{label}: "where" should be a dict such as {{"period": "before"}}, not {shown}.').format(label=label, shown=_show(where)))
    for column, condition in where.items():
        if column not in data.columns:
            _fail(_("{label}: project_data has no column {column}. Its columns are {columns}.").format(
                label=label, column=repr(column), columns=list(data.columns)[:12]))
        values = data[column]
        if isinstance(condition, dict):
            unknown = sorted(set(condition) - {"min", "max"})
            if unknown or not condition:
                _fail(_('{label}: a range is written {{"min": 3, "max": 10}} (either or both), not {shown}.').format(
                    label=label, shown=_show(condition)))
            if "min" in condition:
                mask &= values >= condition["min"]
            if "max" in condition:
                mask &= values <= condition["max"]
        elif isinstance(condition, (list, tuple, set)):
            mask &= values.isin(list(condition))
        else:
            mask &= values == condition
    return mask.fillna(False).astype(bool)


def recipe_columns(recipe: object) -> set[str]:
    """The columns of the data that a recipe reads (its column, and those of its filters), nested recipes included."""
    if not isinstance(recipe, dict):
        return set()
    if "combine" in recipe:
        parts = recipe.get("of")
        return set().union(*(recipe_columns(p) for p in parts)) if isinstance(parts, list) and parts else set()
    found = {recipe["column"]} if isinstance(recipe.get("column"), str) else set()
    for key in ("where", "of"):
        if isinstance(recipe.get(key), dict):
            found |= {str(c) for c in recipe[key]}
    return found


def _from_data(data: pd.DataFrame | None, recipe: dict, label: str) -> float:
    stat = recipe.get("stat")
    if stat not in RECIPE_STATS:
        _fail(_("{label}: stat {stat} is not one of {stats}.").format(label=label, stat=repr(stat), stats=list(RECIPE_STATS)))
    if not isinstance(data, pd.DataFrame):
        _fail(_("{label}: there is no project data to compute it from. Answer Question 1 (project_data) first.").format(label=label))
    unknown = sorted(set(recipe) - {"stat", "column", "where", "of"})
    if unknown:
        _fail(_("{label}: a recipe from the data takes stat, column, where and of, not {key}.").format(label=label, key=repr(unknown[0])))
    rows = data[_rows(data, recipe.get("where"), label)]
    if rows.empty:
        _fail(_("{label}: its filter (where) keeps no rows of project_data. Check the values and their spelling.").format(label=label))
    if stat == "share":
        if "of" not in recipe:
            _fail(_('{label}: a share needs "of", the condition to count, e.g. {{"of": {{"forms_filled": {{"min": 3}}}}}}.').format(label=label))
        return float(_rows(rows, recipe["of"], label).mean())
    if stat == "count" and "column" not in recipe:
        return float(len(rows))
    column = recipe.get("column")
    if column not in data.columns:
        _fail(_('{label}: stat {stat} needs a column of project_data ("column": ...), and {column} is not one.').format(
            label=label, stat=repr(stat), column=repr(column)))
    values = rows[column]
    if stat == "count":
        return float(values.notna().sum())
    if stat == "nunique":
        return float(values.nunique())
    if pd.api.types.is_bool_dtype(values):
        values = values.astype("float64")
    if not pd.api.types.is_numeric_dtype(values):
        _fail(_("{label}: column {column} does not hold numbers, so its {stat} cannot be taken.").format(
            label=label, column=repr(column), stat=stat))
    return float(getattr(values, stat)())


def recompute(data: pd.DataFrame | None, recipes: dict, known: dict | None = None) -> dict[str, float]:
    """Compute every named number from its recipe: from the data, or by combining other numbers.

    Args:
        data: the project's table (may be None when every recipe combines known numbers).
        recipes: name -> recipe (see the comment above RECIPE_STATS).
        known: name -> number, usable by combining recipes (e.g. assumptions).

    Returns:
        name -> float, in the order of ``recipes``.

    Raises:
        AssertionError: a recipe is malformed, names an unknown column or number, refers to
            itself in a loop, or keeps no rows.
    """
    if not isinstance(recipes, dict):
        _fail(_("the recipes should be a dict of name -> recipe, not {shown}.").format(shown=_show(recipes)))
    known = dict(known or {})
    done: dict[str, float] = {}

    def value_of(item: object, label: str, stack: tuple[str, ...]) -> float:
        if isinstance(item, dict):
            return evaluate(item, label, stack)
        if not isinstance(item, str):
            _fail(_("{label}: combine the names of other numbers (text) or recipes (dicts), not {shown}.").format(
                label=label, shown=_show(item)))
        if item in recipes:
            return resolve(item, stack)
        if item in known and _is_number(known[item]):
            return float(known[item])
        _fail(_("{label}: it uses {item}, which is neither a key number with a recipe nor a known number.").format(
            label=label, item=repr(item)))

    def evaluate(recipe: object, label: str, stack: tuple[str, ...]) -> float:
        if not isinstance(recipe, dict):
            _fail(_('{label}: a recipe is a dict such as {{"stat": "mean", "column": "minutes"}}, not {shown}.').format(
                label=label, shown=_show(recipe)))
        if "combine" not in recipe:
            return _from_data(data, recipe, label)
        how, parts = recipe["combine"], recipe.get("of")
        if how not in RECIPE_COMBINE:
            _fail(_("{label}: combine {how} is not one of {combines}.").format(label=label, how=repr(how), combines=list(RECIPE_COMBINE)))
        if not isinstance(parts, list) or len(parts) < 2 or (how in ("difference", "ratio") and len(parts) != 2):
            _fail((_('{label}: "of" should list two numbers to {how} them.') if how in ("difference", "ratio")
                   else _('{label}: "of" should list two or more numbers to {how} them.')).format(label=label, how=how))
        values = [value_of(p, label, stack) for p in parts]
        if how == "difference":
            return values[0] - values[1]
        if how == "ratio":
            if values[1] == 0:
                _fail(_("{label}: it divides by {name}, which is zero.").format(label=label, name=repr(parts[1])))
            return values[0] / values[1]
        if how == "sum":
            return float(sum(values))
        return float(np.prod(values))

    def resolve(name: str, stack: tuple[str, ...]) -> float:
        if name in done:
            return done[name]
        if name in stack:
            _fail(_("{name} is computed from itself (through {chain}). Break the loop.").format(
                name=repr(name), chain=" -> ".join(stack + (name,))))
        done[name] = evaluate(recipes[name], _("key number {name}").format(name=repr(name)), stack + (name,))
        return done[name]

    for name in recipes:
        resolve(name, ())
    return {name: done[name] for name in recipes}


def check_project_data(project_data: object, data_source: object, min_rows: int = 30) -> None:
    """Fail unless the project's table is a real, non-trivial DataFrame and its source is declared.

    Args:
        project_data: the student's main table.
        data_source: a dict with "description", "origin" (where the data comes from) and
            "synthetic" (True or False).
        min_rows: the fewest rows a project table may have.

    Raises:
        AssertionError: naming what is missing and what to write.
    """
    check_answered(project_data, "project_data")
    if not isinstance(project_data, pd.DataFrame):
        _fail(_("project_data should be a pandas DataFrame (a table), but is {shown}.").format(shown=_show(project_data)))
    n_rows, n_cols = project_data.shape
    if n_rows < min_rows:
        _fail(_("project_data has {rows} rows; a project needs at least {min_rows}. Load the rows you analyse, "
                "not a summary you typed in.").format(rows=n_rows, min_rows=min_rows))
    if n_cols < 2:
        _fail(_("project_data has one column; keep at least two (an outcome, and what you compare it by)."))
    empty = [c for c in project_data.columns if project_data[c].isna().all()]
    if empty:
        _fail(_("project_data column {column} is entirely missing. Drop it or check how you loaded it.").format(column=repr(empty[0])))
    numeric = [c for c in project_data.columns
               if pd.api.types.is_numeric_dtype(project_data[c]) and not pd.api.types.is_bool_dtype(project_data[c])]
    if not numeric:
        _fail(_("project_data has no column of numbers. Convert the measured column with pd.to_numeric(...)."))
    check_answered(data_source, "data_source")
    if not isinstance(data_source, dict):
        _fail(_('data_source should be a dict: {"description": ..., "origin": ..., "synthetic": True or False}.'))
    for key in ("description", "origin"):
        text = data_source.get(key)
        if not isinstance(text, str) or len(text.strip()) < 10:
            _fail((_('data_source["description"] should be a sentence (at least 10 characters) saying what one row is.')
                   if key == "description" else
                   _('data_source["origin"] should be a sentence (at least 10 characters) saying where the data comes from: '
                     "a course data set, a package, or a publication.")))
    if not isinstance(data_source.get("synthetic"), bool):
        _fail(_('data_source["synthetic"] should be True (invented or generated data) or False (real data).'))


def check_data_provenance(project_data: pd.DataFrame, data_source: dict) -> None:
    """Fail if the declared origin names a course data set that the table does not come from, or hides that it is synthetic.

    Raises:
        AssertionError: the synthetic flag contradicts a named course data set, or the table
            shares no column with any course data set its origin names.
    """
    from course import datasets

    origin = str(data_source.get("origin", ""))
    named = [n for n in datasets.available() if n in origin]
    if not named:
        return
    specs = [datasets._spec(n) for n in named]  # noqa: SLF001  (the registry's own record of each data set)
    synthetic = [s.name for s in specs if s.synthetic]
    if synthetic and data_source.get("synthetic") is not True:
        _fail(_('data_source names {name}, which is synthetic, so data_source["synthetic"] must be True. '
                "Synthetic data stays labelled synthetic.").format(name=synthetic[0]))
    columns = {c.name for s in specs for c in s.columns}
    if not columns & {str(c) for c in project_data.columns}:
        _fail(_("data_source names {names}, but project_data shares no column with it. "
                "Declare the data set the table really comes from.").format(names=", ".join(named)))


def check_key_numbers(key_numbers: object, key_recipes: object, data: pd.DataFrame | None, min_numbers: int = 3) -> None:
    """Fail unless the key numbers are named, finite, each with a well-formed recipe, at least two from the data.

    Raises:
        AssertionError: naming the number or recipe at fault.
    """
    check_answered(key_numbers, "key_numbers")
    check_answered(key_recipes, "key_recipes")
    if not isinstance(data, pd.DataFrame):
        _fail(_("There is no project_data to recompute the key numbers from: answer Question 1 first."))
    if not isinstance(key_numbers, dict):
        _fail(_('key_numbers should be a dict of name -> number, such as {"median_before": 180.0, ...}.'))
    if len(key_numbers) < min_numbers:
        _fail(_("key_numbers has {count} numbers; a project reports at least {min_numbers}.").format(
            count=len(key_numbers), min_numbers=min_numbers))
    for name, value in key_numbers.items():
        if not isinstance(name, str):
            _fail(_("key_numbers has the key {shown}; name each number with text, such as 'median_before'.").format(shown=_show(name)))
        if not _is_number(value) or not math.isfinite(float(value)):
            _fail(_("key_numbers[{name}] is {shown}, but a finite number is asked. Use float(...) on the result.").format(
                name=repr(name), shown=_show(value)))
    if not isinstance(key_recipes, dict):
        _fail(_('key_recipes should be a dict of name -> recipe, such as {"median_before": {"stat": "median", ...}}.'))
    missing = [n for n in key_numbers if n not in key_recipes]
    if missing:
        _fail(_("key number {name} has no recipe in key_recipes: say how it is computed from project_data.").format(name=repr(missing[0])))
    extra = [n for n in key_recipes if n not in key_numbers]
    if extra:
        _fail(_("key_recipes has a recipe for {name}, which is not in key_numbers. Add the number or drop the recipe.").format(
            name=repr(extra[0])))
    from_data = [n for n, r in key_recipes.items() if isinstance(r, dict) and "stat" in r]
    if len(from_data) < 2:
        _fail(_('At least two key numbers should be computed straight from the data (recipes with "stat").'))
    columns = set().union(*(recipe_columns(key_recipes[n]) for n in from_data))
    if len(columns) < 2:
        _fail(_("The key numbers read only one column of project_data; a project compares an outcome across "
                'something (use "where" or another column).'))


def check_key_numbers_reproduce(key_numbers: dict, key_recipes: dict, data: pd.DataFrame, rel: float = 1e-6) -> None:
    """Fail unless every key number equals what its recipe gives on the data (computed, not typed in).

    Raises:
        AssertionError: naming the first number that differs, with both values.
    """
    again = recompute(data, key_recipes)
    for name, value in key_numbers.items():
        if not math.isclose(float(value), again[name], rel_tol=rel, abs_tol=1e-9):
            _fail(_("key_numbers[{name}] is {value:,.6g}, but its recipe gives {again:,.6g} on project_data.").format(
                name=repr(name), value=float(value), again=again[name])
                  + _other_stat_note(data, key_recipes.get(name), float(value), rel)
                  + _sign_or_filter_note(data, key_recipes.get(name), float(value), again[name], rel) + " "
                  + _("Compute the number in the notebook (do not type or round it), and make the recipe say how."))


def _sign_or_filter_note(data: pd.DataFrame, recipe: object, value: float, expected: float, rel: float) -> str:
    """' It has the opposite sign ...' or ' It is computed over all rows ...' when that explains ``value``."""
    if expected != 0 and math.isclose(value, -expected, rel_tol=rel, abs_tol=1e-9):
        return " " + _("It has the opposite sign: subtract in the order the recipe lists (first minus second).")
    if isinstance(recipe, dict) and recipe.get("stat") in RECIPE_STATS and recipe.get("where"):
        try:
            got = _from_data(data, {k: v for k, v in recipe.items() if k != "where"}, "")
        except AssertionError:
            return ""
        if math.isclose(value, got, rel_tol=rel, abs_tol=1e-9):
            return " " + _('It is computed over all rows: keep only the rows the recipe\'s "where" names first.')
    return ""


def _other_stat_note(data: pd.DataFrame, recipe: object, value: float, rel: float) -> str:
    """' It is the mean of those rows, not their median.' when another statistic of the recipe's rows gives ``value``."""
    if not isinstance(recipe, dict) or recipe.get("stat") not in RECIPE_STATS or "column" not in recipe:
        return ""
    for other in ("mean", "median", "sum", "count", "min", "max"):
        if other == recipe["stat"]:
            continue
        try:
            got = _from_data(data, {**recipe, "stat": other}, "")
        except AssertionError:
            continue
        if math.isclose(value, got, rel_tol=rel, abs_tol=1e-9):
            return " " + _("It is the {other} of those rows, but the recipe says {stat}: use the same statistic in both.").format(
                other=other, stat=recipe["stat"])
    return ""


def check_figure_specs(figures: object, data: pd.DataFrame | None, max_figures: int = 6) -> None:
    """Fail unless ``figures`` lists 1 to ``max_figures`` figure specs that course.plots can draw from the data.

    Raises:
        AssertionError: naming the figure and the field at fault.
    """
    check_answered(figures, "figures")
    if not isinstance(data, pd.DataFrame):
        _fail(_("There is no project_data to draw the figures from: answer Question 1 first."))
    if isinstance(figures, dict):
        _fail(_("figures should be a list of figure specs: put your dict in a list, [ {...} ]."))
    if not isinstance(figures, list) or not 1 <= len(figures) <= max_figures:
        _fail(_("figures should be a list of 1 to {max_figures} figure specs (dicts), not {shown}.").format(
            max_figures=max_figures, shown=_show(figures)))
    for i, spec in enumerate(figures):
        label = f"figures[{i}]"
        if not isinstance(spec, dict):
            _fail(_("{label} should be a dict with kind, x, y, title, xlabel, ylabel, alt and takeaway.").format(label=label))
        if spec.get("kind") not in FIGURE_KINDS:
            _fail(_("{label}: kind should be one of {kinds}, not {shown}.").format(
                label=label, kinds=list(FIGURE_KINDS), shown=_show(spec.get("kind"))))
        for key in ("x", "y") + (("group",) if spec.get("group") is not None else ()):
            if spec.get(key) not in data.columns:
                _fail(_("{label}: {key} = {shown} is not a column of project_data.").format(label=label, key=key, shown=_show(spec.get(key))))
        for key in FIGURE_TEXT:
            if not isinstance(spec.get(key), str) or not spec[key].strip():
                _fail(_("{label}: {key} should be a sentence; every figure needs a title, labelled axes, alt text and a takeaway.").format(
                    label=label, key=key))
        words = _word_count(spec["alt"])
        if words < 8:
            _fail((_("{label}: the alt text has {count} words. Describe the pattern in one full sentence "
                    "(two Japanese characters count as one word).") if _CJK.search(spec["alt"]) else
                  _("{label}: the alt text has {count} words. Describe the pattern in one full sentence.")).format(
                      label=label, count=words))
        if spec.get("aggregate") not in (None, "mean", "median", "sum", "count"):
            _fail(_("{label}: aggregate should be mean, median, sum, count or left out, not {shown}.").format(
                label=label, shown=_show(spec.get("aggregate"))))


def check_figures_draw(figures: list, data: pd.DataFrame) -> None:
    """Fail unless every figure spec draws, from the data, a figure with marks on it and its alt text.

    Raises:
        AssertionError: naming the figure that could not be drawn, or that is empty.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from course import plots

    for i, spec in enumerate(figures):
        try:
            ax = plots.plot_spec(data, spec, show=False)
        except (ValueError, KeyError, TypeError) as exc:
            _fail(_("figures[{i}] could not be drawn from project_data: {problem}").format(i=i, problem=exc))
        marks = len(ax.lines) + len(ax.patches) + len(ax.collections)
        alt = plots.alt_text(ax)
        plt.close(ax.figure)
        if marks == 0:
            _fail(_("figures[{i}] draws an empty figure: check x, y and the rows of project_data.").format(i=i))
        if alt != spec["alt"]:
            _fail(_("figures[{i}] lost its alt text.").format(i=i))


def check_scale(scale_inputs: object, scale_recipe: object, scale_estimate: object, key_numbers: dict | None) -> None:
    """Fail unless a scaling estimate combines the project's own key numbers with sourced inputs, by a stated recipe.

    Args:
        scale_inputs: name -> {"value": number, "source": text}; a source of "key_numbers"
            means the value is the project's key number of the same name.
        scale_recipe: a combining recipe over the input names.
        scale_estimate: the number the recipe gives.
        key_numbers: the project's key numbers (from Question 2), or None.

    Raises:
        AssertionError: naming the input or step at fault.
    """
    for value, name in ((scale_inputs, "scale_inputs"), (scale_recipe, "scale_recipe"), (scale_estimate, "scale_estimate")):
        check_answered(value, name)
    if not isinstance(scale_inputs, dict) or len(scale_inputs) < 2:
        _fail(_('scale_inputs should be a dict of at least two inputs, each {"value": number, "source": "..."}.'))
    for name, item in scale_inputs.items():
        if not isinstance(item, dict) or not _is_number(item.get("value")) or not math.isfinite(float(item["value"])):
            _fail(_('scale_inputs[{name}] should be {{"value": a finite number, "source": "..."}}.').format(name=repr(name)))
        if not isinstance(item.get("source"), str) or len(item["source"].strip()) < 5:
            _fail(_('scale_inputs[{name}] needs a "source": "key_numbers", a publication, or "assumption: why".').format(name=repr(name)))
    from_project = [n for n, item in scale_inputs.items() if item["source"].strip() == "key_numbers"]
    if not from_project:
        _fail(_('At least one input should be one of your key numbers (source "key_numbers"): scale what you measured.'))
    if len(from_project) == len(scale_inputs):
        _fail(_("Every input is a key number: name at least one input from outside your data (a source or an assumption)."))
    if not isinstance(key_numbers, dict):
        _fail(_("There are no key numbers to scale from: answer Question 2 first."))
    for name in from_project:
        if name not in key_numbers or not _is_number(key_numbers[name]):
            _fail(_("scale_inputs[{name}] says it is a key number, but key_numbers has no number {name}.").format(name=repr(name)))
        if not math.isclose(float(scale_inputs[name]["value"]), float(key_numbers[name]), rel_tol=1e-6, abs_tol=1e-9):
            _fail(_("scale_inputs[{name}] is {value}, but key_numbers[{name}] is {key_number}. "
                    "Take the value from key_numbers[{name}].").format(
                        name=repr(name), value=repr(scale_inputs[name]["value"]), key_number=repr(key_numbers[name])))
    if not isinstance(scale_recipe, dict) or "combine" not in scale_recipe:
        _fail(_('scale_recipe should combine the inputs, e.g. {"combine": "product", "of": ["cases", "hours_saved"]}.'))
    if not _is_number(scale_estimate) or not math.isfinite(float(scale_estimate)):
        _fail(_("scale_estimate should be one finite number, not {shown}.").format(shown=_show(scale_estimate)))
    used = _recipe_names(scale_recipe)
    unused = [n for n in scale_inputs if n not in used]
    if unused:
        _fail(_("scale_inputs[{name}] is not used by scale_recipe. Use it, or drop it.").format(name=repr(unused[0])))


def _recipe_names(recipe: object) -> set[str]:
    if isinstance(recipe, str):
        return {recipe}
    if isinstance(recipe, dict) and isinstance(recipe.get("of"), list):
        return set().union(*(_recipe_names(p) for p in recipe["of"]))
    return set()


def check_scale_reproduces(scale_inputs: dict, scale_recipe: dict, scale_estimate: float, rel: float = 1e-6) -> None:
    """Fail unless the scaling recipe, applied to the inputs, gives the stated estimate.

    Raises:
        AssertionError: the recipe gives another number.
    """
    known = {n: float(item["value"]) for n, item in scale_inputs.items()}
    again = recompute(None, {"scale_estimate": scale_recipe}, known=known)["scale_estimate"]
    if not math.isclose(float(scale_estimate), again, rel_tol=rel, abs_tol=1e-9):
        _fail(_("scale_estimate is {value:,.6g}, but scale_recipe gives {again:,.6g} from scale_inputs. "
                "Compute it from the inputs in the notebook.").format(value=float(scale_estimate), again=again))
