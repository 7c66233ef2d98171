#!/usr/bin/env python3
"""Extract the bundled UCI datasets from a scikit-learn wheel into plain CSV files.

    pip download scikit-learn==1.9.1 --no-deps -d /tmp/sk
    python3 extract_from_sklearn.py /tmp/sk/scikit_learn-1.9.1-*.whl

Writes wine.csv, breast_cancer.csv and digits.csv: a header `x0,...,x{n-1},label` and one row per
example, features as printed in the source file, the class as an integer 0..C-1.
"""
import csv
import gzip
import sys
import zipfile

wheel = zipfile.ZipFile(sys.argv[1])


def write(name, rows, n_features):
    with open(name, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([f"x{i}" for i in range(n_features)] + ["label"])
        for r in rows:
            w.writerow(r[:n_features] + [str(int(float(r[n_features])))])


for source, target in [("wine_data.csv", "wine.csv"), ("breast_cancer.csv", "breast_cancer.csv")]:
    lines = wheel.read("sklearn/datasets/data/" + source).decode().splitlines()
    header = lines[0].split(",")
    n_rows, n_features = int(header[0]), int(header[1])
    rows = [l.split(",") for l in lines[1:]]
    assert len(rows) == n_rows
    write(target, rows, n_features)

digits = gzip.decompress(wheel.read("sklearn/datasets/data/digits.csv.gz")).decode().splitlines()
rows = [l.split(",") for l in digits if l.strip()]
write("digits.csv", rows, 64)
