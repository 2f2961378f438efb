"""Rebuild a shipped model from scratch with one command: the stages of models/recipes/<model>.json.

    /usr/bin/python3 reproduce.py ocr      --data /work/shared/datasets [--run runs/reproduce_ocr]
    /usr/bin/python3 reproduce.py detector --data /work/shared/datasets

Each stage is a training script run with a step budget (never a wall-clock one) and fixed seeds,
so a rerun walks the same schedule. A stage whose output file exists is skipped, and the training
scripts resume from their own checkpoints, so an interrupted reproduction continues where it
stopped when the same command is run again. At the end <run>/<model>.metrics.json records the
toolchain versions, the sha1 of every data folder the stages read, each stage's command and
record, the sha1 of the result and its greedy figures beside those of the shipped file.

It never writes models/: a reproduced file replaces the shipped one only after `npm run eval`
shows it is at least as good on every source (training/README.md).
"""
import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import time

from recipe import file_sha1

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
RECIPES = os.path.join(MODELS, "recipes")


def folder_sha1(path):
    """sha1 over the sorted relative names and contents of every file below path."""
    h = hashlib.sha1()
    files = 0
    for root, dirs, names in os.walk(path):
        dirs.sort()
        for n in sorted(names):
            p = os.path.join(root, n)
            h.update(os.path.relpath(p, path).encode() + b"\0")
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            files += 1
    return {"sha1": h.hexdigest(), "files": files}


def toolchain():
    versions = {"python": platform.python_version(), "platform": platform.platform()}
    for mod in ("torch", "numpy", "cv2", "PIL", "onnx"):
        try:
            versions[mod] = __import__(mod).__version__
        except ImportError:
            versions[mod] = None
    try:
        import torch
        config = torch.__config__.show()
        versions["blas"] = config.split("BLAS_INFO=")[1].split(",")[0] if "BLAS_INFO=" in config else None
    except ImportError:
        pass
    return versions


def expand(arg, ctx):
    return arg.format(**ctx)


def run_stage(stage, ctx, log_dir):
    creates = expand(stage["creates"], ctx)
    if os.path.exists(creates):
        print(f"[{stage['name']}] {creates} exists: skipped", flush=True)
        return {"name": stage["name"], "skipped": True, "creates": creates}
    argv = [sys.executable, os.path.join(HERE, stage["script"])] + [expand(a, ctx) for a in stage["args"]]
    if "resume_from" in stage and os.path.exists(expand(stage["resume_from"], ctx)):
        argv += ["--resume", expand(stage["resume_from"], ctx)]  # an interrupted stage continues its own run
    log = os.path.join(log_dir, f"{stage['name']}.log")
    print(f"[{stage['name']}] {' '.join(argv)}  (log {log})", flush=True)
    t0 = time.time()
    with open(log, "a") as out:
        rc = subprocess.run(argv, cwd=HERE, stdout=out, stderr=subprocess.STDOUT).returncode
    if rc != 0 or not os.path.exists(creates):
        raise SystemExit(f"[{stage['name']}] failed (exit {rc}); see {log}; rerun the same command to resume")
    return {"name": stage["name"], "argv": argv[1:], "creates": creates, "minutes": round((time.time() - t0) / 60, 1)}


def greedy_figures(data, onnx_path, out_json):
    """The OCR's greedy val figures per source / height / colour (eval_ocr.py)."""
    argv = [sys.executable, os.path.join(HERE, "eval_ocr.py"), "--data", data, "--model", onnx_path,
            "--split", "val", "--heights", "16,24,36", "--json", out_json]
    subprocess.run(argv, cwd=HERE, check=True, stdout=subprocess.DEVNULL)
    with open(out_json) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=["ocr", "detector"])
    ap.add_argument("--data", required=True, help="the shared datasets folder (never copied)")
    ap.add_argument("--run", default="", help="working folder (default runs/reproduce_<model>)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--recipe", default="", help="another recipe file (default models/recipes/<model>.json)")
    a = ap.parse_args()

    recipe_file = a.recipe or os.path.join(RECIPES, f"{a.model}.json")
    with open(recipe_file) as f:
        recipe = json.load(f)
    spec = recipe["reproduce"]
    run = os.path.abspath(a.run or os.path.join(HERE, "runs", f"reproduce_{a.model}"))
    os.makedirs(os.path.join(run, "logs"), exist_ok=True)
    ctx = {"data": os.path.abspath(a.data), "run": run, "threads": a.threads}

    data_hashes = {name: folder_sha1(os.path.join(ctx["data"], name)) for name in spec["data_folders"]}
    t0 = time.time()
    stages = [run_stage(s, ctx, os.path.join(run, "logs")) for s in spec["stages"]]
    out = expand(spec["output"], ctx)

    record = {
        "model": a.model,
        "command": f"/usr/bin/python3 models/training/reproduce.py {a.model} --data {a.data}",
        "recipe": os.path.relpath(os.path.abspath(recipe_file), os.path.dirname(MODELS)),
        "recipe_sha1": file_sha1(recipe_file),
        "seeds": spec.get("seeds"),
        "steps": spec.get("steps"),
        "toolchain": toolchain(),
        "data": data_hashes,
        "stages": stages,
        "stage_records": {},
        "minutes_this_call": round((time.time() - t0) / 60, 1),
        "output": out,
        "output_sha1": file_sha1(out),
    }
    record["stage_metrics"] = {}
    for s in spec["stages"]:
        for key, dest in (("record", "stage_records"), ("metrics", "stage_metrics")):
            path = expand(s[key], ctx) if key in s else ""
            if path and os.path.exists(path):
                with open(path) as f:
                    record[dest][s["name"]] = json.load(f)
    shipped = os.path.join(MODELS, recipe["model"].split("/")[-1])
    record["shipped_sha1"] = file_sha1(shipped)
    if a.model == "ocr":
        record["greedy_val"] = {
            "reproduced": greedy_figures(ctx["data"], out, os.path.join(run, "eval_reproduced.json")),
            "shipped": greedy_figures(ctx["data"], shipped, os.path.join(run, "eval_shipped.json")),
        }
    else:  # the detector's val figures come from its training script (train_det.py, det_eval.py)
        with open(os.path.join(RECIPES, "detector.metrics.json")) as f:
            shipped_metrics = json.load(f)
        record["val"] = {"reproduced": record["stage_metrics"].get("train"), "shipped": shipped_metrics}
    dest = os.path.join(run, f"{a.model}.metrics.json")
    with open(dest, "w") as f:
        json.dump(record, f, indent=1)
    print(f"reproduced {out} (sha1 {record['output_sha1']}); shipped sha1 {record['shipped_sha1']}; record {dest}", flush=True)


if __name__ == "__main__":
    main()
