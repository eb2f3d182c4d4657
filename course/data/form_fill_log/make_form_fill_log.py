"""Write form_fill_log_synthetic.csv: SYNTHETIC audit of submitted copies of the forms filed after a death.

Run it from the repository root:

    python course/data/form_fill_log/make_form_fill_log.py [--out PATH]

One row per (submitted copy, field): was the field filled in? The log is drawn by the
same seeded process as the form catalogue in course/data/form_fields/, whose n_filled
and n_checked columns count this log, so this script reuses that one's build().
See DATASHEET.md.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

FILE_NAME = "form_fill_log_synthetic.csv"
CATALOGUE_SCRIPT = Path(__file__).resolve().parents[1] / "form_fields" / "make_form_fields.py"


def _catalogue_builder():
    spec = importlib.util.spec_from_file_location("make_form_fields", CATALOGUE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build


def main(argv: list[str] | None = None) -> Path:
    """Write the log CSV next to this script, or to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(FILE_NAME))
    args = parser.parse_args(argv)
    _, log = _catalogue_builder()()
    log.to_csv(args.out, index=False, lineterminator="\n")
    return args.out


if __name__ == "__main__":
    print(f"wrote {main()}")
