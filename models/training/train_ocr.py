"""Train the CRNN plate reader with CTC, then export models/ocr.onnx.

    /usr/bin/python3 ocr_data.py  --data /work/shared/datasets               # synthetic cache (~10 min, 2 processes)
    /usr/bin/python3 train_ocr.py --data /work/shared/datasets --steps 11000  # the recipe's budget (recipes/ocr.json)

(`--minutes N` instead of `--steps` gives an exploratory run a wall-clock budget; it is not reproducible.)

Batches mix cached synthetic crops with real ocr/ train crops cut on the fly (oversampled,
freshly jittered and degraded every time). The learning rate is held flat until the CTC loss
has left its initial plateau, then decays to zero over the remaining wall-clock budget: decaying
during the plateau stalls training.
"""
import argparse
import json
import os
import time

import cv2
import numpy as np
import torch
import torch.nn as nn

import contract as C
from ocr_data import load_ocr_labels, real_crop
from ocr_model import PlateOCR
from recipe import file_sha1, write_recipe

SOURCES = {"openalpr/benchmarks:seg_and_ocr": "us", "openalpr/train-detector:br": "br"}


def to_tensor(batch_u8):
    x = torch.from_numpy(batch_u8.astype(np.float32) / 255.0)[:, None]
    return x.contiguous(memory_format=torch.channels_last)


def predict(model, crops, bs=256):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(crops), bs):
            lp = model(to_tensor(np.stack(crops[i:i + bs]))).numpy()
            out += [C.ctc_greedy(l)[0] for l in lp]
    return out


def score(preds, gts):
    n = len(gts)
    exact = sum(p == g for p, g in zip(preds, gts)) / n
    exact_o0 = sum(p.replace("O", "0") == g.replace("O", "0") for p, g in zip(preds, gts)) / n
    cer = sum(C.cer(p, g) for p, g in zip(preds, gts)) / max(1, sum(len(g) for g in gts))
    return {"n": n, "exact": round(exact, 4), "exact_o_eq_0": round(exact_o0, 4), "cer": round(cer, 4)}


def evaluate(model, data_dir, synth_test=None, jitter_seed=123):
    """Real val per source: tight crop as quad (no jitter) and with simulated detector jitter."""
    rows = load_ocr_labels(data_dir, "val")
    res = {}
    imgs = [cv2.imread(os.path.join(data_dir, "ocr", "images", r["file"])) for r in rows]
    rng = np.random.default_rng(jitter_seed)
    tight = [real_crop(rng, im, jitter=False, degrade=False) for im in imgs]
    jit = [real_crop(rng, im, jitter=True, degrade=False) for im in imgs]
    for name, crops in (("tight", tight), ("jitter", jit)):
        preds = predict(model, crops)
        for src, key in SOURCES.items():
            idx = [i for i, r in enumerate(rows) if r["source"] == src]
            res[f"val_{key}_{name}"] = score([preds[i] for i in idx], [rows[i]["text"] for i in idx])
    if synth_test is not None:
        x, y = synth_test
        res["synth_test"] = score(predict(model, list(x)), list(y))
    return res


def export_onnx(model, path):
    model = model.eval().to(memory_format=torch.contiguous_format)
    dummy = torch.zeros(1, 1, C.OCR_H, C.OCR_W)
    torch.onnx.export(model, dummy, path, input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}}, opset_version=13)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--cache", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs", "ocr_cache"))
    ap.add_argument("--runs", default=os.path.join(os.path.dirname(__file__), "runs", "ocr"))
    ap.add_argument("--minutes", type=float, default=35, help="wall-clock budget (ignored when --steps is set)")
    ap.add_argument("--steps", type=int, default=0,
                    help="step budget: the schedule follows steps, not time, so a rerun repeats the same run")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--real-frac", type=float, default=0.25)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--plateau-loss", type=float, default=1.0,
                    help="start decaying once the smoothed loss is below this")
    ap.add_argument("--max-flat-frac", type=float, default=0.55)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads; on a busy 2-core machine 1 thread was several times faster than 2")
    ap.add_argument("--resume", default="")
    ap.add_argument("--out", default=os.path.join(C.MODELS_DIR, "ocr.onnx"))
    ap.add_argument("--exclude-source", choices=sorted(SOURCES.values()), default="",
                    help="leave-one-source-out: train without this ocr/ source (us or br); eval_ocr.py "
                         "then tests on all of its crops")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.runs, exist_ok=True)

    d = np.load(os.path.join(a.cache, "synth_train.npz"))
    sx, sy = d["x"], [str(s) for s in d["y"]]
    t = np.load(os.path.join(a.cache, "synth_test.npz"))
    synth_test = (t["x"], [str(s) for s in t["y"]])
    train_rows = load_ocr_labels(a.data, "train")
    if a.exclude_source:
        train_rows = [r for r in train_rows if SOURCES[r["source"]] != a.exclude_source]
    recipe_path = os.path.join(a.runs, "recipe.json")
    data_desc = {"data": os.path.abspath(a.data), "ocr_labels_sha1": file_sha1(os.path.join(a.data, "ocr", "labels.csv")),
                 "real_train_crops": len(train_rows), "excluded_source": a.exclude_source or None,
                 "synthetic_cache": os.path.abspath(a.cache), "synthetic_crops": int(len(d["y"]))}
    write_recipe(recipe_path, a, **data_desc)
    real_imgs = [cv2.imread(os.path.join(a.data, "ocr", "images", r["file"])) for r in train_rows]
    print(f"synthetic {len(sx)}, real {len(real_imgs)}", flush=True)

    model = PlateOCR().to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    ctc = nn.CTCLoss(blank=C.BLANK, zero_infinity=True)
    decay_start = None
    ema, step, seen = None, 0, 0
    if a.resume:
        ck = torch.load(a.resume)
        if "model" in ck:  # a full checkpoint (--steps runs): continue the same run exactly
            model.load_state_dict(ck["model"])
            opt.load_state_dict(ck["opt"])
            step, seen, ema, decay_start = ck["step"], ck["seen"], ck["ema"], ck["decay_start"]
            rng.bit_generator.state = ck["rng"]
            torch.set_rng_state(ck["torch_rng"])
            print(f"resumed at step {step}", flush=True)
        else:  # weights only (the older wall-clock runs)
            model.load_state_dict(ck)

    def checkpoint():
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "seen": seen, "ema": ema,
                    "decay_start": decay_start, "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state()},
                   os.path.join(a.runs, "last.pt.tmp"))
        os.replace(os.path.join(a.runs, "last.pt.tmp"), os.path.join(a.runs, "last.pt"))

    n_real = int(round(a.batch * a.real_frac))
    # progress is counted in steps with --steps (reproducible) or in seconds with --minutes
    budget = a.steps if a.steps > 0 else a.minutes * 60
    t0 = time.time()
    last_ckpt = t0
    while True:
        el = time.time() - t0
        done = step if a.steps > 0 else el
        if done >= budget:
            break
        if decay_start is None and ((ema is not None and ema < a.plateau_loss) or done > a.max_flat_frac * budget):
            decay_start = done
            print(f"lr decay starts at {el / 60:.1f} min, step {step}", flush=True)
        if decay_start is None:
            lr = a.lr
        else:
            frac = (done - decay_start) / max(1.0, budget - decay_start)
            lr = a.lr * (0.02 + 0.98 * 0.5 * (1 + np.cos(np.pi * min(1.0, frac))))
        for g in opt.param_groups:
            g["lr"] = lr

        si = rng.integers(0, len(sx), a.batch - n_real)
        xs = [sx[i] for i in si]
        ys = [sy[i] for i in si]
        for i in rng.integers(0, len(real_imgs), n_real):
            xs.append(real_crop(rng, real_imgs[i]))
            ys.append(train_rows[i]["text"])
        x = to_tensor(np.stack(xs))
        if rng.random() < 0.3:  # mild global gain (exposure differences)
            x = (x * float(rng.uniform(0.8, 1.2))).clamp(0, 1)
        targets = torch.tensor([k for y in ys for k in C.encode_text(y)], dtype=torch.long)
        tlen = torch.tensor([len(y) for y in ys], dtype=torch.long)

        model.train()
        logp = model(x)                                 # [N,T,C]
        T = logp.shape[1]
        loss = ctc(logp.permute(1, 0, 2), targets, torch.full((len(ys),), T, dtype=torch.long), tlen)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        seen += len(ys)
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 50 == 0:
            print(f"step {step} {el / 60:.1f}min loss {ema:.3f} lr {lr:.2e} {seen / max(el, 1):.0f} img/s", flush=True)
        if time.time() - last_ckpt > 300:
            checkpoint()
            last_ckpt = time.time()
            if a.steps <= 0:  # a --steps run is judged once, at its end, never steered by val on the way
                r = evaluate(model, a.data, synth_test)
                print("eval", json.dumps(r), flush=True)

    train_min = (time.time() - t0) / 60
    checkpoint()
    r = evaluate(model, a.data, synth_test)
    r["train_minutes"] = round(train_min, 1)
    r["steps"] = step
    r["samples_seen"] = seen
    r["params"] = sum(p.numel() for p in model.parameters())
    print("final", json.dumps(r), flush=True)
    with open(os.path.join(a.runs, "metrics.json"), "w") as f:
        json.dump(r, f, indent=2)
    export_onnx(model, a.out)
    write_recipe(recipe_path, a, **data_desc, steps=step, samples_seen=seen, train_minutes=r["train_minutes"],
                 exported=os.path.abspath(a.out), exported_sha1=file_sha1(a.out))
    print("exported", a.out, os.path.getsize(a.out), "bytes", flush=True)


if __name__ == "__main__":
    main()
