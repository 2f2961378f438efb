"""Reproducibility record of a training run: command line, data, seed, schedule, source commit.

Every training script calls write_recipe() at start and finish; the file goes next to the run's
checkpoints (runs/<name>/recipe.json). When a model is shipped, its recipe and metrics are copied
to models/recipes/ (see training/README.md).
"""
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def _git(*args):
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def source_commit():
    """HEAD and whether models/training differs from it (a dirty run is not exactly reproducible)."""
    head = _git("rev-parse", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--", "models/training"))
    return {"commit": head, "training_code_modified": dirty}


def file_sha1(path):
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def now():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_recipe(path, args, **extra):
    """args: the argparse namespace. extra: data description, schedule reached, results..."""
    rec = {}
    if os.path.exists(path):
        with open(path) as f:
            rec = json.load(f)
    runs = rec.get("runs", [])
    entry = {
        "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
        "args": {k: v for k, v in vars(args).items()},
        "source": source_commit(),
        "written": now(),
        **extra,
    }
    # one entry per invocation (a resumed run appends), the last one updated in place
    if runs and runs[-1].get("pid") == os.getpid():
        runs[-1] = {**runs[-1], **entry}
    else:
        entry["pid"] = os.getpid()
        entry["started"] = now()
        runs.append(entry)
    rec["runs"] = runs
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(rec, f, indent=2)
    os.replace(tmp, path)
    return rec
