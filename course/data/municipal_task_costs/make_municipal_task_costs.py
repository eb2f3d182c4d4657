"""Write municipal_task_costs_synthetic.csv: SYNTHETIC municipalities and what the procedures after a death cost them today.

Run it from the repository root:

    python course/data/municipal_task_costs/make_municipal_task_costs.py [--out PATH]

One row per municipality. Only two things are real: the number of municipalities of
each type (course data set ``municipalities_by_type``: 20 designated cities, 62 core
cities, 710 other cities, 23 special wards, 743 towns and 183 villages, April 2021) and
the total population, scaled to the 2020 census (126,146,099). Every population, case
count, minute and yen is invented. See DATASHEET.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20210401  # the date of the municipality counts; any fixed number would do
FILE_NAME = "municipal_task_costs_synthetic.csv"
CENSUS_2020 = 126_146_099  # Japan's population, 2020 census (final)

# type: (count [real], median population, spread on the log scale, lowest, highest) [invented]
TYPES = {
    "designated city": (20, 1_100_000, 0.45, 700_000, 3_800_000),
    "core city": (62, 330_000, 0.30, 200_000, 650_000),
    "other city": (710, 55_000, 0.80, 3_000, 199_000),
    "special ward": (23, 300_000, 0.60, 60_000, 950_000),
    "town": (743, 11_000, 0.90, 800, 50_000),
    "village": (183, 3_000, 0.90, 150, 40_000),
}
CASES_PER_1000 = 12.5  # bereavement cases per 1,000 residents a year (course assumption, as in module 3)
MINUTES_AT_50K = 180.0  # staff minutes per case, all divisions together, in a town of 50,000 (assumption)
SCALE_ELASTICITY = -0.08  # bigger places spend a little less staff time per case (assumption)
MINUTES_SPREAD = 0.2  # log-scale spread of staff minutes between places (assumption)
STAFF_COST = (3_500, 4_500)  # yen per staff hour, with overheads (assumption)
DESK_SHARE_AT_100K = 0.08  # share of places of 100,000 with a one-stop desk already (assumption)


def build(seed: int = SEED) -> pd.DataFrame:
    """Return the synthetic table: one row per municipality, types in a fixed order."""
    rng = np.random.default_rng(seed)
    types, populations = [], []
    for kind, (count, median, spread, low, high) in TYPES.items():
        draws = np.clip(median * np.exp(rng.normal(0.0, spread, size=count)), low, high)
        types += [kind] * count
        populations.append(draws)
    population = np.concatenate(populations)
    population = np.round(population * CENSUS_2020 / population.sum()).astype(np.int64)
    population[np.argmax(population)] += CENSUS_2020 - population.sum()  # the total is exact
    cases = rng.poisson(population * CASES_PER_1000 / 1000)
    minutes = MINUTES_AT_50K * (population / 50_000) ** SCALE_ELASTICITY * np.exp(rng.normal(0.0, MINUTES_SPREAD, len(population)))
    minutes = np.round(minutes, 1)  # the cost below uses the minutes as stored, so the file adds up
    cost_per_hour = np.round(rng.uniform(*STAFF_COST, len(population)), -1)
    annual = np.round(cases * minutes / 60 * cost_per_hour, -3)
    desk_chance = np.clip(DESK_SHARE_AT_100K * (population / 100_000) ** 0.5, 0, 0.6)
    desk = rng.random(len(population)) < desk_chance
    return pd.DataFrame(
        {
            "municipality_id": [f"M{i:04d}" for i in range(1, len(population) + 1)],
            "municipality_type": types,
            "population": population,
            "cases_per_year": cases,
            "staff_minutes_per_case": minutes,
            "staff_cost_per_hour": cost_per_hour.astype(np.int64),
            "annual_task_cost_yen": annual.astype(np.int64),
            "has_one_stop_desk": desk,
        }
    )


def main(argv: list[str] | None = None) -> Path:
    """Write the CSV next to this script, or to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(FILE_NAME))
    args = parser.parse_args(argv)
    build().to_csv(args.out, index=False, lineterminator="\n")
    return args.out


if __name__ == "__main__":
    print(f"wrote {main()}")
