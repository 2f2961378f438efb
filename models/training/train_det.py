"""Train the plate detector, evaluate it on detect/ val, export models/detector.onnx.

    /usr/bin/python3 train_det.py --data /work/shared/datasets --steps 7356   # the recipe's budget (recipes/detector.json)

(`--minutes N` instead of `--steps` gives an exploratory run a wall-clock budget; it is not reproducible.)

Loss: CenterNet focal loss on the heatmap + L1 on the corner offsets around each centre.
detect/ scenes are only partially labelled, so on those samples confident peaks away from the
labels are penalised at a tenth of the usual weight (they are often real, unboxed plates);
synthetic scenes are fully labelled and get the full penalty.
"""
import argparse
import json
import os
import shutil
import time

import numpy as np
import torch
import torch.nn.functional as F

import contract as C
import det_data
import det_eval
from recipe import file_sha1, write_recipe
from det_model import PlateDetector


def focal_loss(pred, gt, lenient, alpha=2, beta=4, lenient_thr=0.3, lenient_w=0.1):
    p = pred.clamp(1e-4, 1 - 1e-4)
    pos = gt.eq(1).float()
    neg = 1 - pos
    pos_l = -((1 - p) ** alpha) * torch.log(p) * pos
    neg_w = (1 - gt) ** beta
    # tolerate unexplained confident peaks on partially labelled real scenes
    soft = (lenient.view(-1, 1, 1, 1) > 0) & (p.detach() > lenient_thr)
    neg_w = torch.where(soft, neg_w * lenient_w, neg_w)
    neg_l = -(p ** alpha) * torch.log(1 - p) * neg_w * neg
    n = pos.sum().clamp(min=1)
    return (pos_l.sum() + neg_l.sum()) / n


def corner_loss(pred, target, w):
    l = F.smooth_l1_loss(pred, target, reduction="none", beta=0.05).sum(1, keepdim=True)
    return (l * w).sum() / w.sum().clamp(min=1)


def export_onnx(model, path):
    model = model.eval().to(memory_format=torch.contiguous_format)
    dummy = torch.zeros(1, 1, C.DET_DEFAULT_H, C.DET_DEFAULT_W)
    torch.onnx.export(model, dummy, path, input_names=["image"], output_names=["heatmap", "corners"],
                      dynamic_axes={"image": {2: "H", 3: "W"}, "heatmap": {2: "H4", 3: "W4"},
                                    "corners": {2: "H4", 3: "W4"}}, opset_version=13)


def run_eval(model, val):
    model.eval().to(memory_format=torch.contiguous_format)
    r = det_eval.evaluate(det_eval.torch_runner(model), val)
    model.to(memory_format=torch.channels_last)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--runs", default=os.path.join(os.path.dirname(__file__), "runs", "det"))
    ap.add_argument("--minutes", type=float, default=60, help="wall-clock budget (ignored when --steps is set)")
    ap.add_argument("--steps", type=int, default=0,
                    help="step budget: the schedule follows steps, not time, so a rerun repeats the same run")
    ap.add_argument("--size", type=int, default=320)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--eval-every", type=float, default=10, help="minutes between val evals/exports")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads; on a busy 2-core machine 1 thread was several times faster than 2")
    ap.add_argument("--resume", default="")
    ap.add_argument("--out", default=os.path.join(C.MODELS_DIR, "detector.onnx"))
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.runs, exist_ok=True)
    t_load = time.time()
    assets = det_data.Assets(a.data)
    val = det_data.load_detect(a.data, "val")
    print(f"loaded {len(assets.detect)} train scenes, {len(val)} val in {time.time() - t_load:.0f}s", flush=True)
    recipe_path = os.path.join(a.runs, "recipe.json")
    data_desc = {"data": os.path.abspath(a.data), "detect_labels_sha1": file_sha1(os.path.join(a.data, "detect", "labels.csv")),
                 "train_scenes": len(assets.detect), "val_scenes": len(val)}
    write_recipe(recipe_path, a, **data_desc)

    model = PlateDetector().to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    step, seen = 0, 0
    if a.resume:
        ck = torch.load(a.resume)
        if "model" in ck:  # a full checkpoint of a --steps run
            model.load_state_dict(ck["model"])
            opt.load_state_dict(ck["opt"])
            step, seen = ck["step"], ck["seen"]
            torch.set_rng_state(ck["torch_rng"])
            print(f"resumed at step {step}", flush=True)
        else:  # weights only (the older wall-clock runs)
            model.load_state_dict(ck)
    # the sample stream is seeded by (seed, step reached): a resumed run draws a fresh, repeatable stream
    loader = torch.utils.data.DataLoader(det_data.DetDataset(assets, a.size, a.seed * 1_000_003 + step), batch_size=a.batch,
                                         num_workers=1, prefetch_factor=4)
    print("params", sum(p.numel() for p in model.parameters()), flush=True)

    def checkpoint():
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "seen": seen,
                    "torch_rng": torch.get_rng_state()}, os.path.join(a.runs, "last.pt.tmp"))
        os.replace(os.path.join(a.runs, "last.pt.tmp"), os.path.join(a.runs, "last.pt"))

    budget = a.steps if a.steps > 0 else a.minutes * 60
    t0 = time.time()
    last_eval = last_ckpt = t0
    ema_h = ema_c = None
    batches = iter(loader)  # endless: the sample worker stops when this iterator is shut down below
    for img, heat, corners, regw, lenient in batches:
        el = time.time() - t0
        done = step if a.steps > 0 else el
        if done >= budget:
            break
        warm = min(1.0, (step + 1) / 200)
        lr = a.lr * warm * (0.03 + 0.97 * 0.5 * (1 + np.cos(np.pi * min(1.0, done / budget))))
        for g in opt.param_groups:
            g["lr"] = lr
        model.train()
        ph, pc = model(img.contiguous(memory_format=torch.channels_last))
        lh = focal_loss(ph, heat, lenient)
        lc = corner_loss(pc, corners, regw)
        loss = lh + 2.0 * lc
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        step += 1
        seen += img.shape[0]
        ema_h = lh.item() if ema_h is None else 0.98 * ema_h + 0.02 * lh.item()
        ema_c = lc.item() if ema_c is None else 0.98 * ema_c + 0.02 * lc.item()
        if step % 25 == 0:
            print(f"step {step} {el / 60:.1f}min heat {ema_h:.3f} corner {ema_c:.4f} lr {lr:.2e} "
                  f"{seen / max(el, 1):.1f} img/s", flush=True)
        if time.time() - last_ckpt > 300:
            checkpoint()
            last_ckpt = time.time()
        if a.steps <= 0 and time.time() - last_eval > a.eval_every * 60:
            export_onnx(model, os.path.join(a.runs, "detector_last.onnx"))
            model.to(memory_format=torch.channels_last)
            print("eval", json.dumps(run_eval(model, val)), flush=True)
            last_eval = time.time()

    del batches  # shuts the sample worker down (its iterator's finaliser), so the script can end normally
    train_min = (time.time() - t0) / 60
    checkpoint()
    r = {"val_640x384": run_eval(model, val), "train_minutes": round(train_min, 1), "steps": step,
         "samples_seen": seen, "params": sum(p.numel() for p in model.parameters())}
    print("final", json.dumps(r), flush=True)
    with open(os.path.join(a.runs, "metrics.json"), "w") as f:
        json.dump(r, f, indent=2)
    export_onnx(model, os.path.join(a.runs, "detector_last.onnx"))
    shutil.copy(os.path.join(a.runs, "detector_last.onnx"), a.out)
    write_recipe(recipe_path, a, **data_desc, steps=step, samples_seen=seen, train_minutes=r["train_minutes"],
                 exported=os.path.abspath(a.out), exported_sha1=file_sha1(a.out))
    print("exported", a.out, os.path.getsize(a.out), "bytes", flush=True)


if __name__ == "__main__":
    main()
