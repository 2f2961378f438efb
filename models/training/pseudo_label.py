"""Pseudo-labels for real crops without text: keep a crop where our reader (the runtime, region
hinted) and the PP-OCRv4 teacher read the same text, both confidently.

    npx tsx read_crops.ts --data /work/shared/datasets/plates_untexted --split all \
        --source openalpr/train-detector:eu --region eu --teacher --out runs/pseudo/eu_reads.csv
    /usr/bin/python3 pseudo_label.py --reads runs/pseudo/eu_reads.csv --data /work/shared/datasets \
        --folder plates_untexted --out runs/pseudo/labels.csv

Thresholds were chosen on ocr/val, where the truth is known (runtime auto region, shipped OCR):
agreement with our confidence >= 0.8 and the teacher's lowest character probability >= 0.5 kept
232 of 378 crops, 231 of them right (99.6%). Letter O stays O (EU/BR convention): the teacher is
folded without the US O=0 merge for region eu.

Only the data set's train split is labelled for training (--split train); the val split's
agreement rate is printed as a check and its crops are never trained on. Output (git-ignored,
holds plate text): folder,file,text -- paths relative to --data.
"""
import argparse
import csv
import os
import re

PLATE = re.compile(r"^[A-Z0-9]{4,9}$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reads", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--folder", default="plates_untexted")
    ap.add_argument("--split", default="train")
    ap.add_argument("--min-ours", type=float, default=0.8)
    ap.add_argument("--min-teacher", type=float, default=0.5)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    split = {r["file"]: r["split"] for r in csv.DictReader(open(os.path.join(a.data, a.folder, "labels.csv")))}
    reads = list(csv.DictReader(open(a.reads)))
    kept, stats = [], {}
    for r in reads:
        s = split[r["file"]]
        st = stats.setdefault(s, [0, 0])
        st[0] += 1
        ok = (r["text"] == r["teacher"] and PLATE.match(r["text"]) is not None
              and float(r["confidence"]) >= a.min_ours and float(r["teacher_min_prob"]) >= a.min_teacher)
        if ok:
            st[1] += 1
            if s == a.split:
                kept.append((a.folder, r["file"], r["text"]))
    for s, (n, k) in sorted(stats.items()):
        print(f"{a.folder} {s}: {k} of {n} crops agreed ({100 * k / max(1, n):.1f}%)")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["folder", "file", "text"])
        w.writerows(kept)
    print(f"wrote {len(kept)} pseudo-labels ({a.split} split) to {a.out}")


if __name__ == "__main__":
    main()
