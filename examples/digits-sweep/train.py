"""Trains a linear classifier (SGD on the log loss) on the digits training split, one epoch at a
time, logging training loss and validation accuracy after each epoch; saves the model.

    /usr/bin/python3 train.py --data data.csv --model model.pkl --learning-rate 0.01 --alpha 0.0001 --epochs 20
"""

import argparse
import pickle

import numpy as np
import pandas as pd
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, log_loss

from trellis import log_metrics, log_param, set_tag


def split(frame, name):
    part = frame[frame["split"] == name]
    return part.drop(columns=["label", "split"]).to_numpy(), part["label"].to_numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--learning-rate", type=float, required=True)
    parser.add_argument("--alpha", type=float, required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    frame = pd.read_csv(args.data)
    x_train, y_train = split(frame, "train")
    x_val, y_val = split(frame, "val")
    classes = np.arange(10)

    set_tag("mlflow.runName", f"lr={args.learning_rate:g} alpha={args.alpha:g}")
    log_param("model", "SGDClassifier(loss=log_loss)")
    model = SGDClassifier(loss="log_loss", alpha=args.alpha, learning_rate="constant", eta0=args.learning_rate, random_state=args.seed)
    rng = np.random.default_rng(args.seed)
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(x_train))
        model.partial_fit(x_train[order], y_train[order], classes=classes)
        metrics = {
            "train_loss": log_loss(y_train, model.predict_proba(x_train), labels=classes),
            "train_accuracy": accuracy_score(y_train, model.predict(x_train)),
            "val_loss": log_loss(y_val, model.predict_proba(x_val), labels=classes),
            "val_accuracy": accuracy_score(y_val, model.predict(x_val)),
        }
        log_metrics(metrics, step=epoch)
        print(f"epoch {epoch:3d}  " + "  ".join(f"{k} {v:.4f}" for k, v in metrics.items()))

    with open(args.model, "wb") as f:
        pickle.dump(model, f)
    print(f"saved the model to {args.model}")


if __name__ == "__main__":
    main()
