"""Write onestop_town_panel_synthetic.csv: a SYNTHETIC panel of towns, quarter by quarter, around one city's one-stop desk.

Run it from the repository root:

    python course/data/onestop_town_panel/make_onestop_town_panel.py [--out PATH]

The towns, their populations and their desk times are invented. One synthetic city
("City A") opens a paperless one-stop desk for the procedures after a death at the
start of fiscal year 2019, the year Miyakonojo City opened its one-stop bereavement
desk (jichitai.works). The size of the drop is calibrated to the only published
figure: tasks that "previously took around three hours are now completed in just 45
minutes" (TV Tokyo BIZ via News On Japan, July 2025). Eleven comparison towns never
open one. See DATASHEET.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20190401  # the first day of fiscal year 2019; any fixed number would do
FILE_NAME = "onestop_town_panel_synthetic.csv"

FIRST_QUARTER = "2017-04-01"  # fiscal year 2017, quarter 1 (Japan's fiscal year starts in April)
N_QUARTERS = 20  # FY2017 to FY2021
REFORM_START = "2019-04-01"  # City A's desk opens: FY2019 quarter 1

# town: synthetic population. City A has about Miyakonojo's 164,506 residents (2021-01-01).
TOWNS = {
    "City A": 164_500,
    "Town B": 48_000,
    "Town C": 31_500,
    "Town D": 122_000,
    "Town E": 57_000,
    "Town F": 23_500,
    "Town G": 86_000,
    "Town H": 39_000,
    "Town I": 161_000,
    "Town J": 66_500,
    "Town K": 28_000,
    "Town L": 104_000,
}
TREATED = "City A"

# All assumptions, in minutes unless said otherwise.
CITY_A_LEVEL = 186.0  # City A before its reform: about three hours, as reported
OTHER_LEVELS = (150.0, 210.0)  # comparison towns' levels are drawn from this range
TREND_PER_QUARTER = -0.8  # every town gets a little faster each quarter (common trend)
SEASON = {1: 6.0, 2: -3.0, 3: -5.0, 4: 2.0}  # fiscal quarters: April-June is the busy season
SHOCK_QUARTER = "2020-04-01"  # one quarter with fewer visitors everywhere: a common shock
SHOCK_MINUTES = -10.0
EFFECT_BY_QUARTER = (-100.0, -120.0)  # City A's first two quarters: staff still learning
EFFECT_STEADY = -128.0  # then: about 45 minutes, as reported
TOWN_QUARTER_SD = 3.0  # other town-and-quarter noise
CASE_SPREAD = 0.3  # spread of single cases around the median (log scale)
DEATHS_PER_1000 = 12.5  # bereavement cases per 1,000 residents per year
CASE_SEASON = {1: 0.95, 2: 0.90, 3: 1.00, 4: 1.15}  # more deaths in winter (January-March)


def build(seed: int = SEED) -> pd.DataFrame:
    """Return the synthetic panel: one row per (town, quarter), towns in a fixed order."""
    rng = np.random.default_rng(seed)
    quarters = pd.date_range(FIRST_QUARTER, periods=N_QUARTERS, freq="QS-APR")
    reform = pd.Timestamp(REFORM_START)
    levels = {town: CITY_A_LEVEL if town == TREATED else float(rng.uniform(*OTHER_LEVELS)) for town in TOWNS}
    rows = []
    for town, population in TOWNS.items():
        for t, start in enumerate(quarters):
            fiscal_year = start.year if start.month >= 4 else start.year - 1
            fiscal_quarter = (start.month - 4) % 12 // 3 + 1
            one_stop = town == TREATED and start >= reform
            median = levels[town] + TREND_PER_QUARTER * t + SEASON[fiscal_quarter]
            if start == pd.Timestamp(SHOCK_QUARTER):
                median += SHOCK_MINUTES
            if one_stop:
                since = (start.year - reform.year) * 4 + (start.month - reform.month) // 3
                median += EFFECT_BY_QUARTER[since] if since < len(EFFECT_BY_QUARTER) else EFFECT_STEADY
            median += rng.normal(0.0, TOWN_QUARTER_SD)
            expected_cases = population * DEATHS_PER_1000 / 1000 / 4 * CASE_SEASON[fiscal_quarter]
            cases = int(rng.poisson(expected_cases))
            minutes = median * np.exp(rng.normal(0.0, CASE_SPREAD, size=cases))
            rows.append(
                {
                    "town": town,
                    "group": "one-stop city" if town == TREATED else "comparison",
                    "population": population,
                    "quarter": start.date().isoformat(),
                    "fiscal_year": fiscal_year,
                    "fiscal_quarter": fiscal_quarter,
                    "one_stop": int(one_stop),
                    "cases": cases,
                    "median_minutes": round(float(np.median(minutes)), 1),
                }
            )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> Path:
    """Write the CSV next to this script, or to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(FILE_NAME))
    args = parser.parse_args(argv)
    build().to_csv(args.out, index=False, lineterminator="\n")
    return args.out


if __name__ == "__main__":
    print(f"wrote {main()}")
