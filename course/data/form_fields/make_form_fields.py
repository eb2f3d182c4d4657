"""Write form_fields_synthetic.csv: SYNTHETIC catalogue of the paper forms filed after a death.

Run it from the repository root:

    python course/data/form_fields/make_form_fields.py [--out PATH]

One row per (form, field). The forms, fields, divisions and audit counts are invented;
only the size of the bundle is calibrated to a published figure: one city needed up to
67 form types across 13 divisions for the procedures after a death (AERA dot, 2020).
The per-copy audit log that the counts come from is written by
course/data/form_fill_log/make_form_fill_log.py, which calls build() below, so the two
files always agree. See DATASHEET.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 2020  # the year of the AERA dot report; any fixed number would do
FILE_NAME = "form_fields_synthetic.csv"
COPIES_PER_FORM = 30  # submitted copies of each form checked in the (synthetic) audit

# division -> forms, each tagged N (notice of a death or loss of eligibility),
# C (claim or refund: asks for a bank account) or H (change of holder or payer).
DIVISIONS = {
    "Citizen Affairs": [
        ("Seal registration cancellation", "N"),
        ("Change of household head", "H"),
        ("My Number Card return", "N"),
        ("Resident record certificate request", "N"),
        ("Family register certificate request", "N"),
        ("Death notification ledger copy request", "N"),
    ],
    "Health Insurance and Pension": [
        ("National Health Insurance loss of eligibility", "N"),
        ("National Health Insurance card return", "N"),
        ("National Health Insurance change of head", "H"),
        ("Funeral expenses claim (NHI)", "C"),
        ("High-cost medical care refund (NHI)", "C"),
        ("National Pension unpaid benefit claim", "C"),
        ("National Pension death lump sum claim", "C"),
        ("Pension survivor consultation sheet", "N"),
    ],
    "Elderly Medical Care": [
        ("Late-stage elderly care loss of eligibility", "N"),
        ("Late-stage elderly care card return", "N"),
        ("Funeral expenses claim (late-stage elderly care)", "C"),
        ("High-cost medical care refund (late-stage elderly care)", "C"),
        ("Refund account registration", "C"),
    ],
    "Long-term Care": [
        ("Long-term care insurance loss of eligibility", "N"),
        ("Long-term care insurance card return", "N"),
        ("Care premium refund claim", "C"),
        ("High-cost care service refund", "C"),
        ("Care needs certification cancellation", "N"),
        ("Home modification subsidy cancellation", "N"),
    ],
    "Disability Welfare": [
        ("Disability certificate return", "N"),
        ("Rehabilitation certificate return", "N"),
        ("Special disability allowance loss", "N"),
        ("Welfare service cancellation", "N"),
        ("Assistive device return", "N"),
    ],
    "Child and Family": [
        ("Child allowance change", "H"),
        ("Single-parent allowance change", "H"),
        ("Child medical subsidy change", "H"),
        ("Nursery enrolment change", "H"),
    ],
    "Resident Tax": [
        ("Resident tax heir representative notice", "H"),
        ("Resident tax refund account", "C"),
        ("Tax certificate request", "N"),
        ("Pension deduction change", "H"),
        ("Resident tax payment method change", "H"),
    ],
    "Property Tax": [
        ("Property tax heir representative designation", "H"),
        ("Unregistered house owner change", "H"),
        ("Tax notice address change", "H"),
        ("Light vehicle disposal notice", "N"),
        ("Depreciable assets notice", "N"),
        ("Land ownership transfer notice", "H"),
    ],
    "Tax Collection": [
        ("Direct debit account change", "C"),
        ("Tax overpayment refund claim", "C"),
        ("Tax arrears payment plan", "H"),
        ("Direct debit cancellation", "N"),
    ],
    "Water and Sewerage": [
        ("Water service name change", "H"),
        ("Water bill account change", "C"),
        ("Water meter stop request", "N"),
        ("Sewer fee payer change", "H"),
    ],
    "Municipal Housing": [
        ("Tenant succession application", "H"),
        ("Notice of vacating", "N"),
        ("Deposit refund claim", "C"),
        ("Co-resident change notice", "H"),
    ],
    "Environment": [
        ("Dog registration death notice", "N"),
        ("Garbage bag subsidy change", "H"),
        ("Septic tank subsidy change", "H"),
        ("Municipal cemetery user change", "H"),
        ("Grave relocation permit", "N"),
    ],
    "Agriculture Committee": [
        ("Farmland heir notification", "H"),
        ("Farm household change", "H"),
        ("Farmers pension notice", "N"),
        ("Farmland lease change", "H"),
        ("Farm machinery subsidy cancellation", "N"),
    ],
}

# field -> (where the city already holds it, used downstream by default, forms it is on)
CORE_FIELDS = {
    "deceased name": ("resident register", True, "NCH"),
    "deceased date of birth": ("resident register", True, "NCH"),
    "deceased address": ("resident register", True, "NCH"),
    "date of death": ("resident register", True, "NC"),
    "deceased individual number": ("resident register", False, "NC"),
    "applicant name": ("my number card", True, "NCH"),
    "applicant address": ("my number card", True, "NCH"),
    "applicant date of birth": ("my number card", False, "CH"),
    "applicant phone": ("none", True, "NCH"),
    "relationship to deceased": ("none", True, "NCH"),
    "applicant seal": ("none", False, "NCH"),
    "bank name": ("none", True, "C"),
    "bank branch": ("none", True, "C"),
    "account type": ("none", True, "C"),
    "account number": ("none", True, "C"),
    "account holder": ("none", True, "C"),
}
SOMETIMES_UNUSED = {"date of death", "applicant phone", "relationship to deceased", "bank branch"}
# legacy fields that some forms still carry: field -> (held in, share of forms that carry it)
LEGACY_FIELDS = {
    "fax number": ("none", 0.30),
    "deceased occupation": ("none", 0.25),
    "applicant workplace": ("none", 0.20),
    "household head name": ("resident register", 0.25),
    "previous address": ("resident register", 0.15),
}
SPECIFIC_FIELDS = {
    "N": ["card or certificate number", "reason for notice"],
    "C": ["amount claimed", "receipt attached"],
    "H": ["new holder name", "date of change"],
}


def build(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (catalogue, log): one row per (form, field), and one per (copy, field)."""
    rng = np.random.default_rng(seed)
    fields, log = [], []
    form_number = 0
    submission_number = 0
    for division, forms in DIVISIONS.items():
        for form_name, kind in forms:
            form_number += 1
            form_id = f"F{form_number:02d}"
            names = []
            for name, (held_in, used, kinds) in CORE_FIELDS.items():
                if kind in kinds:
                    if name in SOMETIMES_UNUSED:
                        # some forms ask for it although nobody downstream reads it
                        used = used and rng.random() >= 0.15
                    names.append((name, held_in, used))
            for name, (held_in, share) in LEGACY_FIELDS.items():
                if rng.random() < share:
                    names.append((name, held_in, False))
            for name in SPECIFIC_FIELDS[kind]:
                names.append((name, "none", rng.random() >= 0.15))
            p_fills = []
            for k, (name, held_in, used) in enumerate(names, start=1):
                if name == "applicant seal":
                    p_fill = rng.beta(40, 3)  # people stamp out of habit
                elif used:
                    p_fill = rng.beta(30, 1.5)
                else:
                    p_fill = rng.beta(2, 3)
                p_fills.append(p_fill)
                fields.append(
                    {
                        "form_id": form_id,
                        "form_name": form_name,
                        "division": division,
                        "field_id": f"{form_id}-{k:02d}",
                        "field_name": name,
                        "held_in": held_in,
                        "used_downstream": bool(used),
                    }
                )
            for _ in range(COPIES_PER_FORM):
                submission_number += 1
                for k, p_fill in enumerate(p_fills, start=1):
                    log.append(
                        {
                            "submission_id": f"S{submission_number:04d}",
                            "form_id": form_id,
                            "field_id": f"{form_id}-{k:02d}",
                            "filled": int(rng.random() < p_fill),
                        }
                    )
    catalogue = pd.DataFrame(fields)
    log = pd.DataFrame(log)
    counts = catalogue["field_name"].map(catalogue["field_name"].value_counts())
    catalogue.insert(6, "on_other_forms", (counts - 1).astype(int))
    filled = log.groupby("field_id")["filled"].agg(["size", "sum"])
    catalogue["n_checked"] = catalogue["field_id"].map(filled["size"]).astype(int)
    catalogue["n_filled"] = catalogue["field_id"].map(filled["sum"]).astype(int)
    return catalogue, log


def main(argv: list[str] | None = None) -> Path:
    """Write the catalogue CSV next to this script, or to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(FILE_NAME))
    args = parser.parse_args(argv)
    catalogue, _ = build()
    catalogue.to_csv(args.out, index=False, lineterminator="\n")
    return args.out


if __name__ == "__main__":
    print(f"wrote {main()}")
