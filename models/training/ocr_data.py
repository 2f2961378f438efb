"""OCR training/eval crops, made exactly like the runtime makes them.

Every crop is: plate quad (true corners) -> jitter_quad (simulated detector error) ->
expand_quad by the contract margins -> perspective warp to OCR_H x OCR_W -> grey.

Synthetic crops are cached as uint8 arrays in /tmp (cache_dir) because rendering is the slow
part; building the cache uses all cores, training then only reads arrays.

    /usr/bin/python3 ocr_data.py --data /work/shared/datasets    # cache in runs/ocr_cache (git-ignored)
"""
import argparse
import csv
import os
import time
from multiprocessing import Pool

import cv2
import numpy as np

import contract as C
import synth

_FONTS = None
_NEG = None


def load_ocr_labels(data_dir, split):
    rows = list(csv.DictReader(open(os.path.join(data_dir, "ocr", "labels.csv"))))
    return [r for r in rows if r["split"] == split]


def load_negatives(data_dir, limit=200, seed=0):
    files = sorted(os.listdir(os.path.join(data_dir, "negatives")))
    rng = np.random.default_rng(seed)
    files = [files[i] for i in rng.choice(len(files), min(limit, len(files)), replace=False)]
    return [cv2.imread(os.path.join(data_dir, "negatives", f)) for f in files]


def plate_scene(rng, plate_rgb, neg, min_height, pad_w, pad_h):
    """A clean rendered plate placed into a random scene patch at a random size (plate height
    log-uniform min_height..110 source px) and angle, the patch pad_w x pad_h times the plate,
    degraded. Returns (grey scene, true quad). Shared by the cache (synth_crop) and the fine-tune's
    scene pool, with one order of random draws."""
    h, w = plate_rgb.shape[:2]
    ph = float(np.exp(rng.uniform(np.log(min_height), np.log(110))))
    pw = ph * w / h
    small = cv2.resize(plate_rgb, (max(4, int(round(pw * 1.25))), max(4, int(round(ph * 1.25)))), interpolation=cv2.INTER_AREA)
    PW, PH = int(pw * pad_w) + 8, int(ph * pad_h) + 8
    bg = synth.random_background(rng, PH, PW, neg)
    quad = synth.random_quad(rng, w, h, PW / 2 + rng.uniform(-2, 2), PH / 2 + rng.uniform(-2, 2), pw,
                             max_rot=8, max_persp=0.15)
    scene = synth.paste_plate(bg, cv2.cvtColor(small, cv2.COLOR_RGB2BGR), quad)
    scene = synth.photometric(scene, rng, blur_scale=ph / 40)
    if rng.random() < 0.7:
        scene = synth.jpeg(scene, rng)
    return C.to_grey(scene), quad


def synth_crop(rng, plate_rgb, jitter=True):
    """The OCR crop of a plate_scene, cut from its (jittered) true corners. Plate heights 13..110
    source px (1280x720 frames: 15..300 px)."""
    grey, quad = plate_scene(rng, plate_rgb, _NEG, 13, 1.8, 2.2)
    q = C.jitter_quad(quad, rng) if jitter else quad
    return C.warp_plate(grey, q)


def real_scene(rng, img_bgr, degrade=True):
    """A real crop (a tight box without corners) as a small scene: resized, optionally degraded,
    as grey, with its quad = the image rectangle."""
    img = img_bgr
    if img.shape[0] > 64:  # 2x the OCR height is plenty and keeps the degradations cheap
        f = 64 / img.shape[0]
        img = cv2.resize(img, (max(1, round(img.shape[1] * f)), 64), interpolation=cv2.INTER_AREA)
    if degrade:
        # simulate a smaller/farther plate or a worse camera before cutting
        if rng.random() < 0.5:
            f = rng.uniform(0.25, 0.9)
            small = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
            img = cv2.resize(small, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_LINEAR) if rng.random() < 0.3 else small
        if rng.random() < 0.6:
            img = synth.photometric(img, rng, strength=0.5, blur_scale=img.shape[0] / 40)
        if rng.random() < 0.4:
            img = synth.jpeg(img, rng, 25, 95)
    h, w = img.shape[:2]
    return C.to_grey(img), np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)


def real_crop(rng, img_bgr, jitter=True, degrade=True):
    """Real crops are tight boxes without corners: the crop rectangle is the quad."""
    grey, quad = real_scene(rng, img_bgr, degrade)
    q = C.jitter_quad(quad, rng) if jitter else quad
    return C.warp_plate(grey, q)


def _synth_job(args):
    data_dir, seed, n_plates, variants = args
    global _FONTS, _NEG
    if _FONTS is None:
        _FONTS = synth.Fonts(data_dir)
        _NEG = load_negatives(data_dir)
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for _ in range(n_plates):
        plate, label, _ = synth.render_plate(rng, _FONTS)
        for _ in range(variants):
            xs.append(synth_crop(rng, plate))
            ys.append(label)
    return np.stack(xs), ys


def build_synth(data_dir, out_path, n_plates, variants, seed, procs=2, chunk=500):
    jobs = [(data_dir, seed * 100003 + i, min(chunk, n_plates - i * chunk), variants)
            for i in range((n_plates + chunk - 1) // chunk)]
    X, Y = [], []
    t = time.time()
    with Pool(procs) as pool:
        for i, (x, y) in enumerate(pool.imap(_synth_job, jobs)):
            X.append(x)
            Y += y
            print(f"{out_path}: chunk {i + 1}/{len(jobs)} {time.time() - t:.0f}s", flush=True)
    X = np.concatenate(X)
    with open(out_path + ".tmp", "wb") as f:  # whole or absent: a resumed reproduction trusts what exists
        np.savez(f, x=X, y=np.array(Y))
    os.replace(out_path + ".tmp", out_path)
    return X, Y


def build_real(data_dir, split, variants, seed):
    rows = load_ocr_labels(data_dir, split)
    rng = np.random.default_rng(seed)
    xs, ys, srcs = [], [], []
    for r in rows:
        img = cv2.imread(os.path.join(data_dir, "ocr", "images", r["file"]))
        for _ in range(variants):
            xs.append(real_crop(rng, img))
            ys.append(r["text"])
            srcs.append(r["source"])
    return np.stack(xs), ys, srcs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs", "ocr_cache"))
    ap.add_argument("--plates", type=int, default=30000)
    ap.add_argument("--variants", type=int, default=4)
    ap.add_argument("--test-plates", type=int, default=2000)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    # held-out synthetic test set first (different seed space, one variant per plate)
    if a.test_plates:
        build_synth(a.data, os.path.join(a.out, "synth_test.npz"), a.test_plates, 1, a.seed + 7777, a.procs)
    build_synth(a.data, os.path.join(a.out, "synth_train.npz"), a.plates, a.variants, a.seed, a.procs)


if __name__ == "__main__":
    main()
