"""Writes one day of synthetic customer rows for the churn-training example.

    python3 prepare.py --day 2024-01-01 --out rows.csv --count count.txt

--out receives the rows as CSV (a file, or rows.csv inside it when it is a directory);
--count receives the number of rows, which Trellis reads back as the `count` output.
Standard library only.
"""

import argparse
import csv
import datetime
import os
import random
import sys

FIELDS = ["customer_id", "day", "tenure_months", "monthly_spend", "support_tickets", "churned"]


def parse_day(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        sys.exit(f"prepare.py: --day must be a date like 2024-01-01, got {text!r}")


def make_rows(day, n):
    rng = random.Random(day.toordinal())  # the same day always gives the same rows
    rows = []
    for i in range(n):
        tenure = rng.randint(1, 72)
        spend = round(rng.uniform(10, 120), 2)
        tickets = rng.randint(0, 6)
        # Short tenure, high spend and many tickets make churn likelier.
        risk = 0.5 * (1 - tenure / 72) + 0.2 * (spend / 120) + 0.3 * (tickets / 6)
        rows.append(
            {
                "customer_id": f"c{day:%Y%m%d}-{i:04d}",
                "day": day.isoformat(),
                "tenure_months": tenure,
                "monthly_spend": spend,
                "support_tickets": tickets,
                "churned": int(rng.random() < risk),
            }
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", required=True, help="the day to prepare, YYYY-MM-DD")
    parser.add_argument("--out", required=True, help="where to write the rows (CSV)")
    parser.add_argument("--count", help="where to write the number of rows")
    parser.add_argument("--rows", type=int, default=500, help="how many customers (default 500)")
    args = parser.parse_args()

    day = parse_day(args.day)
    rows = make_rows(day, args.rows)

    out = args.out
    if os.path.isdir(out):
        out = os.path.join(out, "rows.csv")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)

    churned = sum(r["churned"] for r in rows)
    print(f"prepared {len(rows)} rows for {day} ({churned} churned) -> {out}")
    if args.count:
        with open(args.count, "w") as f:
            f.write(f"{len(rows)}\n")


if __name__ == "__main__":
    main()
