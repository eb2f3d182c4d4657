"""Write application_returns_synthetic.csv: SYNTHETIC life-event applications, and whether each was returned.

Run it from the repository root:

    python course/data/application_returns/make_application_returns.py [--out PATH]

The city, its residents and their applications are invented. One quantity is
calibrated to published figures: the share of applicants holding a My Number Card
follows Miyakonojo City's card figures (50.4% of residents on 2021-01-01, 90.1% at the
end of January 2023, 89.2% at the end of October 2025, as listed in the course's
DATA-SOURCES.md). The five branches, their populations and the months their paperless
one-stop desks opened are those of the synthetic city of module 1
(service_desk_visits). Everything else is an assumption. See DATASHEET.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20230131  # the day Miyakonojo passed 90% of residents with a card; any fixed number would do
FILE_NAME = "application_returns_synthetic.csv"

FIRST_WEEK = "2022-04-04"  # the first Monday of fiscal year 2022
N_WEEKS = 156  # FY2022 to FY2024: Monday 2022-04-04 to Friday 2025-03-28
UPLOAD_RULE = pd.Timestamp("2024-04-01")  # invented: online filings must now upload photos of documents

# branch: (synthetic population, first month of its paperless one-stop desk), as in service_desk_visits
BRANCHES = {
    "Central": (96_000, "2023-04"),
    "North": (21_500, "2023-07"),
    "East": (18_500, "2023-10"),
    "South": (16_000, "2024-01"),
    "West": (12_500, "2024-07"),
}
APPLICATIONS_PER_1000_PER_WEEK = 0.4

PROCEDURES = ["moving", "childbirth", "bereavement", "long-term care"]
PROCEDURE_MIX = np.array([0.45, 0.15, 0.20, 0.20])
FORMS = {"moving": (2, 2.0), "childbirth": (3, 2.0), "bereavement": (4, 6.0), "long-term care": (2, 1.5)}  # minimum, + Poisson mean
DAYS_AFTER_EVENT = {"moving": 10, "childbirth": 9, "bereavement": 20, "long-term care": 15}  # mean days
AGE_GROUPS = ["18-39", "40-64", "65-74", "75+"]
AGE_MIX = {
    "moving": [0.62, 0.28, 0.06, 0.04],
    "childbirth": [0.85, 0.15, 0.00, 0.00],
    "bereavement": [0.05, 0.45, 0.30, 0.20],
    "long-term care": [0.02, 0.38, 0.20, 0.40],
}
CHANNELS = ["counter", "mail", "one-stop desk", "online"]
MAIL_BY_AGE = {"18-39": 0.6, "40-64": 1.0, "65-74": 1.3, "75+": 1.8}
ONLINE_BY_AGE = {"18-39": 2.5, "40-64": 1.2, "65-74": 0.4, "75+": 0.1}
PROXY_BY_AGE = {"18-39": 0.0, "40-64": 0.0, "65-74": 0.07, "75+": 0.35}
BLANKS_BY_AGE = {"18-39": 0.0, "40-64": 0.0, "65-74": 0.2, "75+": 0.4}

# Miyakonojo City, share of residents with a My Number Card (DATA-SOURCES.md); applicants'
# shares are shifted by age group so that the mix of applicants stays close to the city's share
CARD_SHARE = [("2021-01-01", 0.504), ("2023-01-31", 0.901), ("2025-10-31", 0.892)]
CARD_BY_AGE = {"18-39": 0.03, "40-64": 0.03, "65-74": -0.02, "75+": -0.10}

# the invented chance of a return, on the log-odds scale
INTERCEPT = -2.1
CHANNEL_EFFECT = {"counter": 0.0, "mail": 0.7, "one-stop desk": -1.5, "online": -0.6}
ONLINE_AFTER_UPLOAD_RULE = 1.7
PROCEDURE_EFFECT = {"moving": 0.0, "childbirth": -0.2, "bereavement": 0.4, "long-term care": 0.3}
AGE_EFFECT = {"18-39": 0.0, "40-64": 0.0, "65-74": 0.15, "75+": 0.3}

# share of blank-field counts the intake checklist did not record, by channel
BLANKS_NOT_RECORDED = {"counter": 0.08, "mail": 0.85, "one-stop desk": 0.02, "online": 0.0}
BLANKS_NOT_RECORDED_BUSY_COUNTER = 0.25


def card_share(day: pd.Timestamp) -> float:
    """Miyakonojo's card share on ``day``, by straight lines between the published dates."""
    days = [pd.Timestamp(d).toordinal() for d, _ in CARD_SHARE]
    return float(np.interp(day.toordinal(), days, [share for _, share in CARD_SHARE]))


def one_application(rng: np.random.Generator, week: pd.Timestamp, branch: str, desk_open: bool, busy: bool, online_weight: float) -> dict:
    """Draw one application received in ``week`` at ``branch``, and its outcome."""
    day = week + pd.Timedelta(days=int(rng.integers(5)))
    mix = PROCEDURE_MIX * np.where(np.array(PROCEDURES) == "moving", 1.8 if busy else 1.0, 1.0)
    procedure = PROCEDURES[rng.choice(4, p=mix / mix.sum())]
    age = AGE_GROUPS[rng.choice(4, p=AGE_MIX[procedure])]
    card = bool(rng.random() < min(0.99, card_share(day) + CARD_BY_AGE[age]))
    weights = np.array([
        0.07 if desk_open else 0.62,  # counter (paper)
        0.15 * MAIL_BY_AGE[age],  # mail
        0.55 if desk_open else 0.0,  # one-stop desk
        online_weight * ONLINE_BY_AGE[age],  # online
    ])
    channel = CHANNELS[rng.choice(4, p=weights / weights.sum())]
    if channel == "online" and not card:  # filing online needs the card
        channel = "one-stop desk" if desk_open else "counter"
    proxy = bool(rng.random() < 0.05 + PROXY_BY_AGE[age] + (0.2 if procedure == "long-term care" else 0.0))
    minimum, extra = FORMS[procedure]
    forms = minimum + int(rng.poisson(extra))
    attachments = int(rng.poisson(0.5 + 0.25 * forms))
    care = rng.normal()  # unobserved: how carefully this resident fills in forms
    if channel in ("counter", "mail"):
        blanks = int(rng.poisson((0.25 + 0.06 * forms + BLANKS_BY_AGE[age] - 0.15 * card) * np.exp(0.3 * care)))
    elif channel == "one-stop desk":
        blanks = int(rng.poisson(0.05))  # staff fill the forms in from the card and the register
    else:
        blanks = 0  # the online form does not let a required field stay blank
    days = int(np.round(rng.gamma(2.0, DAYS_AFTER_EVENT[procedure] / 2)))
    prior = int(rng.poisson(np.exp(-2.0 + 0.6 * care + (0.5 if age == "75+" else 0.0))))

    logit = (
        INTERCEPT
        + CHANNEL_EFFECT[channel]
        + (ONLINE_AFTER_UPLOAD_RULE if channel == "online" and day >= UPLOAD_RULE else 0.0)
        + PROCEDURE_EFFECT[procedure]
        + AGE_EFFECT[age]
        + 0.8 * blanks
        + 0.05 * (forms - 4)
        - 0.35 * card
        + 0.35 * proxy
        + 0.45 * prior
        + (0.3 if days > 14 else 0.0)
        + 0.5 * care
        + (0.25 if busy else 0.0)
    )
    returned = bool(rng.random() < 1 / (1 + np.exp(-logit)))
    # counted when the case is closed: a returned application comes back with more papers
    documents = attachments + int(rng.poisson(1.3) if returned else rng.poisson(0.25))

    not_recorded = BLANKS_NOT_RECORDED_BUSY_COUNTER if (busy and channel == "counter") else BLANKS_NOT_RECORDED[channel]
    blank_recorded = None if rng.random() < not_recorded else blanks
    days_recorded = None if rng.random() < (0.10 if channel == "mail" else 0.04) else days
    return {
        "submitted_date": day.date().isoformat(),
        "week_start": week.date().isoformat(),
        "fiscal_year": day.year if day.month >= 4 else day.year - 1,
        "branch": branch,
        "procedure": procedure,
        "channel": channel,
        "age_group": age,
        "card_holder": card,
        "proxy_filing": proxy,
        "forms_in_bundle": forms,
        "attachments": attachments,
        "blank_fields": blank_recorded,
        "days_since_event": days_recorded,
        "prior_returns": prior,
        "documents_on_file": documents,
        "returned": int(returned),
    }


def build(seed: int = SEED) -> pd.DataFrame:
    """Return the synthetic applications, one row per application, in submission order."""
    rng = np.random.default_rng(seed)
    first = pd.Timestamp(FIRST_WEEK)
    rows = []
    for w in range(N_WEEKS):
        week = first + pd.Timedelta(weeks=w)
        busy = week.month in (3, 4)  # assumed moving season: the fiscal and school year start in April
        online_weight = 0.08 + 0.17 * w / (N_WEEKS - 1)  # invented: online filing grows week by week
        for branch, (population, desk_month) in BRANCHES.items():
            desk_open = week >= pd.Period(desk_month, freq="M").start_time
            expected = population / 1000 * APPLICATIONS_PER_1000_PER_WEEK * (1.4 if busy else 1.0)
            for _ in range(rng.poisson(expected)):
                rows.append(one_application(rng, week, branch, desk_open, busy, online_weight))
    apps = pd.DataFrame(rows)
    apps = apps.sort_values(["submitted_date", "branch"], kind="stable").reset_index(drop=True)
    apps.insert(0, "application_id", [f"A{i:05d}" for i in range(1, len(apps) + 1)])
    for column in ("blank_fields", "days_since_event"):
        apps[column] = apps[column].astype("Int64")
    return apps


def main(argv: list[str] | None = None) -> Path:
    """Write the CSV next to this script, or to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(FILE_NAME))
    args = parser.parse_args(argv)
    build().to_csv(args.out, index=False, lineterminator="\n")
    return args.out


if __name__ == "__main__":
    print(f"wrote {main()}")
