"""The demo's trainer: a tiny training loop in plain Python (standard library
only), so that it runs wherever python3 does. It prints what runledger
injected, then one metric line per step, as a real trainer would log them."""
import argparse
import json
import math
import os
import random
import subprocess
import time

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--steps-per-epoch", type=int, default=8)
args = parser.parse_args()

params = json.loads(os.environ.get("RUNLEDGER_PARAMS", "{}"))
lr = float(params.get("lr", 3e-4))
head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
print(f"run {os.environ.get('RUNLEDGER_RUN')} of experiment {os.environ.get('RUNLEDGER_EXPERIMENT')}")
print(f"code: {os.environ.get('GIT_URL')} at {os.environ.get('GIT_COMMIT')} (working tree at {head or 'no checkout'})")
print(f"data: {os.environ.get('DATASET_URI')} snapshot {os.environ.get('DATASET_SNAPSHOT_ID')}")
print(f"params: {json.dumps(params, sort_keys=True)}", flush=True)

rng = random.Random(7)
step = 0
for epoch in range(args.epochs):
    for _ in range(args.steps_per_epoch):
        step += 1
        loss = 1.2 * math.exp(-step * lr * 500) + rng.uniform(0, 0.02)
        print(f"step={step} loss={loss:.4f}", flush=True)
        time.sleep(0.4)
    val_auc = 0.70 + 0.08 * (1 - math.exp(-(epoch + 1) / 2))
    print(f"epoch={epoch + 1} val_auc={val_auc:.4f}", flush=True)
print("done")
