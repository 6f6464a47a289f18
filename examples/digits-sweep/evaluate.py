"""Scores the trained model on the held-out test split and writes the results as a Trellis
`metrics` output: a JSON object of numbers, recorded on the run when the step succeeds.

    /usr/bin/python3 evaluate.py --data data.csv --model model.pkl --metrics metrics.json
"""

import argparse
import json
import pickle

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, classification_report, f1_score, log_loss, precision_score, recall_score


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--metrics", required=True)
    args = parser.parse_args()

    frame = pd.read_csv(args.data)
    test = frame[frame["split"] == "test"]
    x_test, y_test = test.drop(columns=["label", "split"]).to_numpy(), test["label"].to_numpy()
    with open(args.model, "rb") as f:
        model = pickle.load(f)

    predicted = model.predict(x_test)
    metrics = {
        "test_accuracy": accuracy_score(y_test, predicted),
        "test_f1_macro": f1_score(y_test, predicted, average="macro"),
        "test_precision_macro": precision_score(y_test, predicted, average="macro", zero_division=0),
        "test_recall_macro": recall_score(y_test, predicted, average="macro", zero_division=0),
        "test_loss": log_loss(y_test, model.predict_proba(x_test), labels=np.arange(10)),
    }
    print(classification_report(y_test, predicted, digits=3, zero_division=0))
    with open(args.metrics, "w") as f:
        json.dump(metrics, f, indent=2)
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
