"""Write service_desk_visits_synthetic.csv: SYNTHETIC visits to a city's resident service desk.

Run it from the repository root:

    python course/data/service_desk_visits/make_service_desk_visits.py [--out PATH]

The city, its branches, populations and visits are invented. Only the size of the
reform's effect is calibrated to a published figure: about three hours before the
paperless one-stop desk and about 45 minutes after, as reported for Miyakonojo City
(TV Tokyo BIZ via News On Japan, July 2025). See DATASHEET.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20250716  # the date of the News On Japan report; any fixed number would do
FILE_NAME = "service_desk_visits_synthetic.csv"

FIRST_MONTH = "2022-04"  # start of fiscal year 2022
N_MONTHS = 36  # FY2022 to FY2024

# branch: (synthetic population, first month of the reform, visits per 1,000 residents per month)
BRANCHES = {
    "Central": (96_000, "2023-04", 0.75),
    "North": (21_500, "2023-07", 0.50),
    "East": (18_500, "2023-10", 0.50),
    "South": (16_000, "2024-01", 0.50),
    "West": (12_500, "2024-07", 0.50),
}

PROCEDURES = ["moving", "childbirth", "bereavement", "my number card"]
PROCEDURE_MIX = np.array([0.40, 0.15, 0.15, 0.30])

# base median minutes (before, after), before the busy-season and age adjustments.
# Bereavement and moving carry the calibration target: with the adjustments their
# medians come out near 180 minutes before the reform and near 45 minutes after.
MINUTES = {
    "moving": (172.0, 42.0),
    "childbirth": (120.0, 40.0),
    "bereavement": (172.0, 42.0),
    "my number card": (40.0, 30.0),
}

AGE_GROUPS = ["18-29", "30-44", "45-64", "65-74", "75+"]
AGE_MIX = {
    "moving": [0.40, 0.35, 0.18, 0.05, 0.02],
    "childbirth": [0.35, 0.60, 0.05, 0.00, 0.00],
    "bereavement": [0.03, 0.12, 0.40, 0.30, 0.15],
    "my number card": [0.15, 0.20, 0.25, 0.20, 0.20],
}

# forms before the reform: a fixed minimum plus a Poisson number of extra forms
FORMS_BEFORE = {
    "moving": (2, 3.0),
    "childbirth": (2, 2.0),
    "bereavement": (3, 8.0),
    "my number card": (1, 0.3),
}


def build(seed: int = SEED) -> pd.DataFrame:
    """Return the synthetic visits, one row per visit, in date order."""
    rng = np.random.default_rng(seed)
    months = pd.period_range(FIRST_MONTH, periods=N_MONTHS, freq="M")
    rows = []
    for branch, (population, reform_month, rate) in BRANCHES.items():
        reform = pd.Period(reform_month, freq="M")
        for month in months:
            after = month >= reform
            months_since = (month - reform).n if after else -1
            busy = month.month in (3, 4)  # assumed moving season: the fiscal and school year start in April
            expected = population / 1000 * rate * (1.35 if busy else 1.0) * (1.1 if after else 1.0)
            n_visits = rng.poisson(expected)
            weekdays = pd.bdate_range(month.start_time, month.end_time)
            mix = PROCEDURE_MIX.copy()
            if busy:
                mix[0] *= 1.8
            mix = mix / mix.sum()
            for _ in range(n_visits):
                procedure = PROCEDURES[rng.choice(len(PROCEDURES), p=mix)]
                age = rng.choice(len(AGE_GROUPS), p=AGE_MIX[procedure])
                median = MINUTES[procedure][1 if after else 0]
                if after and months_since < 2:
                    median *= (1.35, 1.15)[months_since]  # staff still learning the new desk
                if busy:
                    median *= 1.15
                if AGE_GROUPS[age] == "75+":
                    median *= 1.1
                minutes = float(np.round(median * np.exp(rng.normal(0.0, 0.3))))
                if after:
                    forms = 1 + rng.poisson(0.2)
                else:
                    base, extra = FORMS_BEFORE[procedure]
                    forms = base + rng.poisson(extra)
                # paper-era timing was written by hand and skipped when busy
                p_missing = (0.20 if busy else 0.08) if not after else 0.02
                if rng.random() < p_missing:
                    minutes = np.nan
                age_label = AGE_GROUPS[age] if rng.random() >= 0.03 else None
                rows.append(
                    {
                        "visit_date": weekdays[rng.integers(len(weekdays))].date().isoformat(),
                        "branch": branch,
                        "branch_population": population,
                        "reform_start": reform.start_time.date().isoformat(),
                        "period": "after" if after else "before",
                        "procedure": procedure,
                        "age_group": age_label,
                        "forms_filled": int(forms),
                        "minutes": minutes,
                    }
                )
    visits = pd.DataFrame(rows)
    visits = visits.sort_values(["visit_date", "branch"], kind="stable").reset_index(drop=True)
    visits.insert(0, "visit_id", [f"V{i:05d}" for i in range(1, len(visits) + 1)])
    visits["minutes"] = visits["minutes"].astype("Int64")
    return visits


def main(argv: list[str] | None = None) -> Path:
    """Write the CSV next to this script, or to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(FILE_NAME))
    args = parser.parse_args(argv)
    build().to_csv(args.out, index=False, lineterminator="\n")
    return args.out


if __name__ == "__main__":
    print(f"wrote {main()}")
