"""Write outreach_households_synthetic.csv: SYNTHETIC households eligible for a benefit, with a model's risk scores.

Run it from the repository root:

    python course/data/outreach_households/make_outreach_households.py [--out PATH]

Every household, score and outcome is invented. A city's welfare division wants to
visit, before the deadline, the eligible households most likely not to claim a benefit
they are entitled to. A (synthetic) model gives each household a risk score: its
predicted probability of not claiming. The model sees less about households whose
members have no My Number Card (fewer linked records), so their scores are too low and
say less: the data is built to show who a score-based rule leaves out. The only
calibration to the real world is the share of households with a card, about 89%, like
the 89.2% of Miyakonojo's residents who held one at the end of October 2025 (MIC via
ITmedia). See DATASHEET.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20251031  # the date of the card figure; any fixed number would do
FILE_NAME = "outreach_households_synthetic.csv"
N_HOUSEHOLDS = 6_000

DISTRICTS = ["Central", "North", "East", "South", "West"]
DISTRICT_MIX = [0.50, 0.14, 0.13, 0.12, 0.11]
DISTRICT_LOGIT = {"Central": 0.0, "North": 0.1, "East": 0.1, "South": 0.3, "West": 0.3}  # farther from the city hall
AGE_GROUPS = ["under 65", "65-74", "75+"]
AGE_MIX = [0.35, 0.35, 0.30]
AGE_LOGIT = {"under 65": 0.0, "65-74": 0.5, "75+": 1.0}
ALONE_SHARE = {"under 65": 0.25, "65-74": 0.35, "75+": 0.50}
CARD_SHARE = {"under 65": 0.94, "65-74": 0.91, "75+": 0.80}  # about 89% overall
BASE_LOGIT = -1.9
ALONE_LOGIT = 0.8
NO_CARD_LOGIT = 0.9  # households without a card miss more often...
UNSEEN_SD = 0.8  # ...and every household has needs that no column records
SEEN_WITH_CARD = 0.8  # share of the unseen part the model picks up from linked records (card holders only)
SCORE_NOISE_SD = 0.2


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def build(seed: int = SEED) -> pd.DataFrame:
    """Return the synthetic households, one row each, with unique risk scores."""
    rng = np.random.default_rng(seed)
    n = N_HOUSEHOLDS
    district = rng.choice(DISTRICTS, size=n, p=DISTRICT_MIX)
    age = rng.choice(AGE_GROUPS, size=n, p=AGE_MIX)
    alone = rng.random(n) < np.array([ALONE_SHARE[a] for a in age])
    card = rng.random(n) < np.array([CARD_SHARE[a] for a in age])
    unseen = rng.normal(0.0, UNSEEN_SD, size=n)
    seen = (
        BASE_LOGIT
        + np.array([AGE_LOGIT[a] for a in age])
        + ALONE_LOGIT * alone
        + np.array([DISTRICT_LOGIT[d] for d in district])
    )
    true_logit = seen + NO_CARD_LOGIT * ~card + unseen
    missed = rng.random(n) < _sigmoid(true_logit)
    # The model was trained mostly on card holders' linked records: it does not know that
    # households without a card miss more, and it sees their unseen needs not at all.
    score_logit = seen + SEEN_WITH_CARD * unseen * card + rng.normal(0.0, SCORE_NOISE_SD, size=n)
    score = np.round(_sigmoid(score_logit), 6)
    while len(np.unique(score)) < n:  # unique scores: a budget cut-off never falls on a tie
        duplicated = pd.Series(score).duplicated(keep="first").to_numpy()
        score[duplicated] = np.round(score[duplicated] + 1e-6, 6)
    return pd.DataFrame(
        {
            "household_id": [f"H{i:05d}" for i in range(1, n + 1)],
            "district": district,
            "head_age_group": age,
            "lives_alone": alone,
            "has_card": card,
            "risk_score": score,
            "missed_claim": missed.astype(int),
        }
    )


def main(argv: list[str] | None = None) -> Path:
    """Write the CSV next to this script, or to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(FILE_NAME))
    args = parser.parse_args(argv)
    build().to_csv(args.out, index=False, lineterminator="\n", float_format="%.6f")
    return args.out


if __name__ == "__main__":
    print(f"wrote {main()}")
