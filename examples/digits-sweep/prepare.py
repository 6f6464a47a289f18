"""Splits scikit-learn's bundled handwritten digits (1797 8x8 images) into train, validation
and test sets and writes them as one CSV with a `split` column.

    /usr/bin/python3 prepare.py --seed 0 --out data.csv
"""

import argparse

import pandas as pd
from sklearn.datasets import load_digits

from trellis import log_params

SPLITS = {"train": 0.6, "val": 0.2, "test": 0.2}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    digits = load_digits(as_frame=True)
    frame = digits.data / 16.0  # pixel intensities are 0..16
    frame["label"] = digits.target
    frame = frame.sample(frac=1.0, random_state=args.seed).reset_index(drop=True)

    # Contiguous slices of the shuffled rows, in SPLITS order.
    bounds = (frame.index.to_series() / len(frame)).to_numpy()
    frame["split"] = pd.cut(bounds, bins=[0.0, SPLITS["train"], SPLITS["train"] + SPLITS["val"], 1.0], labels=list(SPLITS), include_lowest=True, right=False).astype(str)
    frame.to_csv(args.out, index=False)

    counts = frame["split"].value_counts()
    print(f"wrote {len(frame)} images to {args.out}: " + ", ".join(f"{name} {counts[name]}" for name in SPLITS))
    log_params({"dataset": "sklearn digits", "n_features": digits.data.shape[1], **{f"n_{name}": int(counts[name]) for name in SPLITS}})


if __name__ == "__main__":
    main()
