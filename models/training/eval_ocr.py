"""Per-source, per-height and per-colour OCR figures, for val or for a whole left-out source.

    # greedy reads of a network (an exported .onnx, or a train_ocr.py state dict .pt)
    /usr/bin/python3 eval_ocr.py --data /work/shared/datasets --model ../ocr.onnx --split val
    /usr/bin/python3 eval_ocr.py --data /work/shared/datasets --model runs/loso_no_br/ocr.onnx --split all --source br
    # reads of the real runtime (beam search, formats, 2 views), per crop, from read_crops.ts
    /usr/bin/python3 eval_ocr.py --data /work/shared/datasets --preds /tmp/preds.csv --split all --source br

Crops are tight (the stored crop rectangle is the quad; the contract's margins are added), as
`npm run eval` and `--ocr-only` read them. Buckets:
- plate height = the stored crop's height in pixels (the crops are native resolution, tight):
  < 24, 24-48, 48-96, >= 96 px;
- colour = median grey (BT.601) of the middle half of the crop (rows and columns 25-75%), the
  rule `npm run eval` uses: **dark** < 90, **light** >= 150, mid between. Dark plates are mostly
  light characters on a dark plate (or very dark IR frames);
- --heights 16,24,36: also read every crop shrunk first to that plate height (INTER_AREA, then
  cut and warped as usual), because the stored crops are all >= 48 px high while the hidden
  sets' plates go down to 16 px.
--json writes every figure; the table goes to stdout.
"""
import argparse
import csv
import json
import os

import cv2
import numpy as np
import torch

import contract as C
from ocr_data import real_scene
from ocr_model import PlateOCR
from train_ocr import SOURCES, predict

HEIGHTS = [(0, 24, "<24px"), (24, 48, "24-48px"), (48, 96, "48-96px"), (96, 1 << 30, ">=96px")]
DARK_BELOW, LIGHT_FROM = 90, 150


def height_bucket(h):
    return next(name for lo, hi, name in HEIGHTS if lo <= h < hi)


def colour_of(img_bgr):
    g = C.to_grey(img_bgr)
    h, w = g.shape
    m = float(np.median(g[h // 4:max(h // 4 + 1, 3 * h // 4), w // 4:max(w // 4 + 1, 3 * w // 4)]))
    return "dark" if m < DARK_BELOW else "light" if m >= LIGHT_FROM else "mid"


def load_model(path):
    model = PlateOCR()
    if path.endswith(".onnx"):
        from onnx_weights import load_plate_ocr
        load_plate_ocr(model, path)
    else:
        sd = torch.load(path)
        model.load_state_dict(sd["model"] if "model" in sd else sd)
    return model.eval()


def rows_for(data_dir, split, sources):
    rows = list(csv.DictReader(open(os.path.join(data_dir, "ocr", "labels.csv"))))
    if split != "all":
        rows = [r for r in rows if r["split"] == split]
    return [r for r in rows if SOURCES[r["source"]] in sources]


def breakdown(rows, preds, infos):
    """preds[i]: text read; infos[i]: (source, height bucket, colour). Returns {group: {n, exact, exact_o_eq_0}}."""
    groups = {}

    def add(k, ok, ok0):
        g = groups.setdefault(k, [0, 0, 0])
        g[0] += 1
        g[1] += ok
        g[2] += ok0

    for r, p, (src, hb, col) in zip(rows, preds, infos):
        gt = r["text"]
        ok, ok0 = p == gt, p.replace("O", "0") == gt.replace("O", "0")
        for k in ("all", src, f"{src} {hb}", f"{src} {col}", hb, col):
            add(k, ok, ok0)
    return {k: {"n": n, "exact": round(a / n, 4), "exact_o_eq_0": round(b / n, 4)} for k, (n, a, b) in groups.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", default="")
    ap.add_argument("--preds", default="", help="CSV file,text from read_crops.ts instead of --model")
    ap.add_argument("--split", default="val", help="val, train or all")
    ap.add_argument("--source", default="us,br", help="us, br or us,br")
    ap.add_argument("--json", default="")
    ap.add_argument("--label", default="")
    ap.add_argument("--heights", default="", help="also read the crops shrunk to these plate heights (px)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    rows = rows_for(a.data, a.split, a.source.split(","))
    imgs = [cv2.imread(os.path.join(a.data, "ocr", "images", r["file"])) for r in rows]
    infos = [(SOURCES[r["source"]], height_bucket(im.shape[0]), colour_of(im)) for r, im in zip(rows, imgs)]
    if a.heights and not a.model:
        raise SystemExit("--heights needs --model")
    if a.preds:
        got = {r["file"]: r["text"] for r in csv.DictReader(open(a.preds))}
        missing = [r["file"] for r in rows if r["file"] not in got]
        if missing:
            raise SystemExit(f"{a.preds}: {len(missing)} crops have no prediction (first {missing[0]})")
        preds = [got[r["file"]] for r in rows]
    else:
        rng = np.random.default_rng(0)
        crops = []
        for im in imgs:
            g, q = real_scene(rng, im, degrade=False)
            crops.append(C.warp_plate(g, q))
        model = load_model(a.model)
        preds = predict(model, crops)
    res = breakdown(rows, preds, infos)
    for H in [int(h) for h in a.heights.split(",") if h]:
        rng = np.random.default_rng(H)
        crops = []
        for im in imgs:
            f = H / im.shape[0]
            small = cv2.resize(im, (max(2, round(im.shape[1] * f)), H), interpolation=cv2.INTER_AREA)
            g, q = real_scene(rng, small, degrade=False)
            crops.append(C.warp_plate(g, q))
        sub = breakdown(rows, predict(model, crops), [(s, f"shrunk to {H}px", c) for s, _, c in infos])
        res.update({k: v for k, v in sub.items() if "shrunk" in k})
    print(f"{a.label or a.model or a.preds}: split {a.split}, sources {a.source}")
    for k in sorted(res, key=lambda k: (k != "all", k.split(" ")[0] if " " in k else "", k)):
        v = res[k]
        print(f"  {k:16s} n={v['n']:5d}  exact {100 * v['exact']:5.1f}%  O=0 {100 * v['exact_o_eq_0']:5.1f}%")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"label": a.label, "model": a.model, "preds": a.preds, "split": a.split, "sources": a.source,
                       "height": "stored crop height", "colour": f"median grey of the middle half: dark < {DARK_BELOW}, light >= {LIGHT_FROM}, mid between",
                       "groups": res}, f, indent=2)


if __name__ == "__main__":
    main()
