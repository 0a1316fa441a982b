"""What a user does with the official mlflow client against runledger.

Run by tracking_e2e_test.cpp as `mlflow_client.py SCENARIO [ARGS...]` with
MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN set. Each scenario asserts
what the client sees and prints `key=value` facts on its last lines for the
C++ side to compare with the cluster. Exit status 0 means every assertion held.
"""

import filecmp
import math
import os
import sys
import tempfile
import time

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException
from mlflow.utils.rest_utils import http_request
from mlflow.utils.credentials import get_default_host_creds


def fact(key, value):
    print(f"{key}={value}", flush=True)


def expect_error(code, fn, *args, **kwargs):
    """Calls fn and returns the MlflowException, which must carry `code`."""
    try:
        fn(*args, **kwargs)
    except MlflowException as e:
        assert e.error_code == code, f"{fn.__name__}: expected {code}, got {e.error_code}: {e}"
        return e
    raise AssertionError(f"{fn.__name__} succeeded; expected {code}")


def lifecycle():
    """Experiments, runs, params, metrics, tags, history, search, statuses."""
    exp = mlflow.set_experiment("churn")
    assert exp.name == "churn", exp.name
    fact("experiment_id", exp.experiment_id)
    client = MlflowClient()

    results = {}
    for name, lr, losses in [
        ("baseline", "0.01", [0.9, 0.6, 0.45]),
        ("wider", "0.01", [0.8, 0.5, 0.30]),
        ("slow", "0.001", [0.95, 0.9, 0.85]),
    ]:
        with mlflow.start_run(run_name=name) as run:
            mlflow.log_param("lr", lr)
            mlflow.log_params({"layers": 4, "optimizer": "adam"})
            for step, loss in enumerate(losses):
                mlflow.log_metric("loss", loss, step=step)
            mlflow.log_metrics({"val_auc": 1 - losses[-1], "nan_metric": float("nan")})
            mlflow.set_tag("team", "recsys")
            mlflow.set_tags({"stage": "dev", "owner": "ana"})
            results[name] = run.info.run_id
    fact("baseline_run_id", results["baseline"])

    run = client.get_run(results["wider"])
    assert run.info.status == "FINISHED", run.info.status
    assert run.info.end_time and run.info.end_time >= run.info.start_time
    assert run.info.run_name == "wider", run.info.run_name
    assert run.info.experiment_id == exp.experiment_id
    assert run.data.params == {"lr": "0.01", "layers": "4", "optimizer": "adam"}, run.data.params
    assert run.data.metrics["loss"] == 0.30, run.data.metrics
    assert math.isnan(run.data.metrics["nan_metric"]), run.data.metrics
    assert run.data.tags["team"] == "recsys" and run.data.tags["owner"] == "ana"
    assert run.data.tags["mlflow.runName"] == "wider"

    history = client.get_metric_history(results["wider"], "loss")
    assert [(m.step, m.value) for m in history] == [(0, 0.8), (1, 0.5), (2, 0.30)], history

    df = mlflow.search_runs(
        experiment_ids=[exp.experiment_id],
        filter_string="params.lr = '0.01' and metrics.loss < 0.5",
        order_by=["metrics.loss ASC"],
    )
    assert list(df["tags.mlflow.runName"]) == ["wider", "baseline"], df
    assert list(df["metrics.loss"]) == [0.30, 0.45], df
    assert "params.optimizer" in df.columns and "status" in df.columns
    df = mlflow.search_runs(
        experiment_names=["churn"],
        filter_string="tags.team LIKE 'rec%' and attributes.run_id IN "
        f"('{results['slow']}', '{results['baseline']}')",
        order_by=["params.lr DESC", "attributes.run_name"],
    )
    assert list(df["tags.mlflow.runName"]) == ["baseline", "slow"], df
    page = client.search_runs([exp.experiment_id], order_by=["metrics.loss"], max_results=2)
    assert len(page) == 2 and page.token, page
    rest = client.search_runs([exp.experiment_id], order_by=["metrics.loss"], page_token=page.token)
    assert [r.info.run_name for r in list(page) + list(rest)] == ["wider", "baseline", "slow"]

    # End statuses.
    for status in ["FAILED", "KILLED"]:
        r = client.create_run(exp.experiment_id, run_name="ended-" + status.lower())
        client.set_terminated(r.info.run_id, status=status)
        got = client.get_run(r.info.run_id).info
        assert got.status == status and got.end_time, got

    # Delete and restore.
    client.delete_run(results["slow"])
    assert client.get_run(results["slow"]).info.lifecycle_stage == "deleted"
    active = client.search_runs([exp.experiment_id], run_view_type=ViewType.ACTIVE_ONLY)
    assert results["slow"] not in {r.info.run_id for r in active}
    deleted = client.search_runs([exp.experiment_id], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [results["slow"]], deleted
    client.restore_run(results["slow"])
    assert client.get_run(results["slow"]).info.lifecycle_stage == "active"

    # A batch at exactly the limits.
    r = client.create_run(exp.experiment_id, run_name="batch")
    client.log_batch(
        r.info.run_id,
        metrics=[Metric("m", float(i), 1700000000000 + i, i) for i in range(900)],
        params=[Param(f"p{i}", str(i)) for i in range(50)],
        tags=[RunTag(f"t{i}", str(i)) for i in range(50)],
    )
    assert len(client.get_metric_history(r.info.run_id, "m")) == 900
    # A retried identical batch (the client's answer was lost) adds nothing.
    retried = [Metric("m", 900.0, 1700000000900, 900)]
    client.log_batch(r.info.run_id, metrics=retried)
    client.log_batch(r.info.run_id, metrics=retried)
    fact("batch_points", len(client.get_metric_history(r.info.run_id, "m")))
    client.set_terminated(r.info.run_id)
    fact("ok", "lifecycle")


def errors():
    """Mistakes a user can make come back as the client's exceptions."""
    exp = mlflow.set_experiment("errors")
    client = MlflowClient()
    run = client.create_run(exp.experiment_id)
    run_id = run.info.run_id
    client.log_param(run_id, "lr", "0.1")
    client.log_param(run_id, "lr", "0.1")  # The same value again is fine.
    e = expect_error("INVALID_PARAMETER_VALUE", client.log_param, run_id, "lr", "0.2")
    assert "lr" in e.message, e.message
    expect_error("RESOURCE_DOES_NOT_EXIST", client.get_run, "0" * 32)
    expect_error("RESOURCE_DOES_NOT_EXIST", client.log_metric, "f" * 32, "loss", 1.0)
    expect_error("RESOURCE_DOES_NOT_EXIST", client.get_experiment, "123456")
    expect_error("INVALID_PARAMETER_VALUE", client.log_metric, run_id, "bad\nkey", 1.0)
    expect_error("INVALID_PARAMETER_VALUE", client.search_runs, [exp.experiment_id],
                 "metrics.loss <<< 1")
    expect_error("RESOURCE_ALREADY_EXISTS", client.create_experiment, "errors")

    # The client splits large batches itself, so send one too large by hand.
    creds = get_default_host_creds(mlflow.get_tracking_uri())
    body = {"run_id": run_id,
            "metrics": [{"key": "m", "value": 1.0, "timestamp": 1, "step": i} for i in range(1001)]}
    resp = http_request(creds, "/api/2.0/mlflow/runs/log-batch", "POST", json=body,
                        max_retries=0)
    assert resp.status_code == 400, resp.status_code
    assert resp.json()["error_code"] == "INVALID_PARAMETER_VALUE", resp.text
    # Nothing of a refused batch is kept.
    assert client.get_metric_history(run_id, "m") == []
    fact("ok", "errors")


def artifacts(size_mb):
    """log_artifact(s) then download byte-identical, big file included."""
    mlflow.set_experiment("artifacts")
    work = tempfile.mkdtemp()
    src = os.path.join(work, "src")
    os.makedirs(os.path.join(src, "plots"))
    with open(os.path.join(src, "config.yaml"), "w") as f:
        f.write("lr: 0.01\n")
    with open(os.path.join(src, "plots", "loss.csv"), "w") as f:
        f.write("".join(f"{i},{1 / (i + 1)}\n" for i in range(1000)))
    big = os.path.join(work, "model.bin")
    with open(big, "wb") as f:
        chunk = os.urandom(1 << 20)
        for i in range(size_mb):
            f.write(bytes([i % 256]) + chunk[1:])
    with mlflow.start_run() as run:
        mlflow.log_artifact(os.path.join(src, "config.yaml"))
        mlflow.log_artifacts(src, artifact_path="inputs")
        mlflow.log_artifact(big, artifact_path="model")
        run_id = run.info.run_id
    client = MlflowClient()
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/"), run.info.artifact_uri
    top = sorted((a.path, a.is_dir) for a in client.list_artifacts(run_id))
    assert top == [("config.yaml", False), ("inputs", True), ("model", True)], top
    inputs = sorted(a.path for a in client.list_artifacts(run_id, "inputs"))
    assert inputs == ["inputs/config.yaml", "inputs/plots"], inputs
    [model] = client.list_artifacts(run_id, "model")
    assert model.file_size == size_mb << 20, model
    dst = os.path.join(work, "dst")
    mlflow.artifacts.download_artifacts(run_id=run_id, dst_path=dst)
    for logged, original in [("config.yaml", "config.yaml"), ("inputs/config.yaml", "config.yaml"),
                             ("inputs/plots/loss.csv", "plots/loss.csv")]:
        assert filecmp.cmp(os.path.join(src, original), os.path.join(dst, logged),
                           shallow=False), logged
    assert filecmp.cmp(big, os.path.join(dst, "model", "model.bin"), shallow=False)
    fact("run_id", run_id)
    fact("ok", "artifacts")


def nested(trials):
    """An HPO loop: a parent run and `trials` nested runs, as Optuna drives them."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    mlflow.set_experiment("hpo")

    def objective(trial):
        with mlflow.start_run(nested=True, run_name=f"trial-{trial.number}"):
            lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
            depth = trial.suggest_int("depth", 2, 8)
            mlflow.log_params({"lr": lr, "depth": depth})
            loss = (math.log10(lr) + 2.5) ** 2 + 0.01 * depth
            for step in range(3):
                mlflow.log_metric("loss", loss + 1.0 / (step + 1), step=step)
            mlflow.log_metric("loss", loss, step=3)
            return loss

    with mlflow.start_run(run_name="search") as parent:
        study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=1))
        study.optimize(objective, n_trials=trials)
        mlflow.log_metric("best_loss", study.best_value)
    children = mlflow.search_runs(
        filter_string=f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'",
        order_by=["metrics.loss ASC"],
        output_format="list",
    )
    assert len(children) == trials, len(children)
    assert children[0].data.metrics["loss"] == study.best_value
    fact("parent_run_id", parent.info.run_id)
    fact("ok", "nested")


def attach():
    """Inside a TrainingRun's pod: start_run() attaches to the injected run."""
    injected = os.environ["MLFLOW_RUN_ID"]
    with mlflow.start_run() as run:
        assert run.info.run_id == injected, (run.info.run_id, injected)
        mlflow.log_metric("val_auc", 0.5, step=0)
        mlflow.log_metric("val_auc", 0.9, step=1)
        for i in range(int(os.environ.get("TRIALS", "0"))):
            with mlflow.start_run(nested=True, run_name=f"trial-{i}"):
                mlflow.log_param("i", i)
                mlflow.log_metric("val_auc", 0.5 + i / 100)
    fact("ok", "attach")


def history(run_id, key):
    """Prints a run's history of `key` as step:value pairs, in logged order."""
    points = MlflowClient().get_metric_history(run_id, key)
    fact("history", ",".join(f"{m.step}:{m.value:g}" for m in points))


def listing(run_id, path):
    """Prints the artifacts of a run under `path`: files=a,b,... (paths)."""
    files = MlflowClient().list_artifacts(run_id, path or None)
    fact("files", ",".join(sorted(f.path for f in files)))


def ui():
    """The calls MLflow's web UI makes, under /ajax-api, as it spells them."""
    import requests

    exp = mlflow.set_experiment("ui")
    with mlflow.start_run(run_name="parent") as parent:
        for i in range(2):
            with mlflow.start_run(nested=True, run_name=f"child-{i}") as child:
                for step in range(5):
                    mlflow.log_metric("loss", 1.0 / (step + 1 + i), step=step)
                if i == 0:
                    first = child.info.run_id
                else:
                    second = child.info.run_id
    base = mlflow.get_tracking_uri() + "/ajax-api/2.0/mlflow/"
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]

    def call(method, endpoint, **kwargs):
        r = session.request(method, base + endpoint, timeout=30, **kwargs)
        assert r.status_code == 200, (endpoint, r.status_code, r.text)
        return r.json()

    runs = call("POST", "runs/search", json={
        "experiment_ids": [exp.experiment_id],
        "filter": f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'",
        "order_by": ["metrics.`loss` ASC"], "run_view_type": "ACTIVE_ONLY"})["runs"]
    assert [r["info"]["run_uuid"] for r in runs] == [second, first], runs
    assert all(r["info"]["run_uuid"] == r["info"]["run_id"] for r in runs)
    runs = call("POST", "runs/search", json={
        "experiment_ids": [exp.experiment_id],
        "filter": f"attributes.run_id IN ('{first}', '{second}')"})["runs"]
    assert sorted(r["info"]["run_id"] for r in runs) == sorted([first, second]), runs
    history = call("GET", "metrics/get-history",
                   params={"run_uuid": first, "metric_key": "loss"})["metrics"]
    assert [m["step"] for m in history] == [0, 1, 2, 3, 4], history
    bulk = call("GET", "metrics/get-history-bulk-interval",
                params=[("run_ids", first), ("run_ids", second), ("metric_key", "loss"),
                        ("max_results", "320")])["metrics"]
    assert sorted({m["run_id"] for m in bulk}) == sorted([first, second]), bulk
    assert len(bulk) == 10, bulk
    listed = call("GET", "artifacts/list", params={"run_uuid": first})
    assert listed["root_uri"].startswith("mlflow-artifacts:/"), listed
    call("GET", "experiments/get", params={"experiment_id": exp.experiment_id})
    fact("ok", "ui")


def attempt(action, run_id):
    """Tries one read ("get") or write ("log") of a run; prints its outcome:
    result=OK or result=<the MlflowException's error code>."""
    client = MlflowClient()
    calls = {"get": lambda: client.get_run(run_id),
             "log": lambda: client.log_metric(run_id, "probe", 1.0)}
    try:
        calls[action]()
        fact("result", "OK")
    except MlflowException as e:
        fact("result", e.error_code)


def stream(batches, progress):
    """Streams `batches` log-batches of 10 points, each retried until it is
    acknowledged (the operator may be down meanwhile), writing how many were
    acknowledged to the file `progress`; then checks every point is stored
    exactly once."""
    exp = mlflow.set_experiment("durability")
    client = MlflowClient()
    run_id = client.create_run(exp.experiment_id).info.run_id
    retried = 0
    for b in range(batches):
        metrics = [Metric("x", float(s), 1700000000000 + s, s) for s in range(b * 10, b * 10 + 10)]
        deadline = time.monotonic() + 120
        while True:
            try:
                client.log_batch(run_id, metrics=metrics)
                break
            except Exception:  # Refused or reset while the operator restarts.
                if time.monotonic() > deadline:
                    raise
                retried += 1
                time.sleep(0.2)  # Backoff before the retry, as a collector does.
        with open(progress, "w") as f:
            f.write(str(b + 1))
    steps = sorted(m.step for m in client.get_metric_history(run_id, "x"))
    missing = sorted(set(range(batches * 10)) - set(steps))
    assert steps == list(range(batches * 10)), (len(steps), missing[:10])
    fact("points", len(steps))
    fact("retried", retried)
    fact("ok", "stream")


def retention(experiment, finished, ended_days_ago):
    """Runs for a RetentionPolicy to judge, in `experiment` (which exists):
    r0..r<finished-1> logging val_auc = i/10 and two artifacts each, ended
    FINISHED `ended_days_ago` days ago (the client sets end_time); "failed",
    ended FAILED as long ago without the metric; "live", still running.
    Prints run_<name>=<run id> for each."""
    client = MlflowClient()
    exp = client.get_experiment_by_name(experiment)
    assert exp is not None, experiment
    work = tempfile.mkdtemp()
    ended_ms = int(time.time() * 1000) - ended_days_ago * 86400 * 1000
    names = [f"r{i}" for i in range(finished)] + ["failed", "live"]
    for i, name in enumerate(names):
        run = client.create_run(exp.experiment_id, run_name=name)
        run_id = run.info.run_id
        if name.startswith("r"):
            client.log_metric(run_id, "val_auc", i / 10, step=1)
        for file in ("model.bin", "config.yaml"):
            path = os.path.join(work, file)
            with open(path, "w") as f:
                f.write(f"{name} {file}\n" * (i + 1))
            client.log_artifact(run_id, path)
        if name != "live":
            client.set_terminated(run_id, "FAILED" if name == "failed" else "FINISHED",
                                  end_time=ended_ms)
        fact(f"run_{name}", run_id)
    fact("ok", "retention")


def main():
    scenario, args = sys.argv[1], sys.argv[2:]
    {
        "lifecycle": lifecycle,
        "errors": errors,
        "artifacts": lambda: artifacts(int(args[0])),
        "nested": lambda: nested(int(args[0])),
        "attach": attach,
        "history": lambda: history(args[0], args[1]),
        "attempt": lambda: attempt(args[0], args[1]),
        "ui": ui,
        "listing": lambda: listing(args[0], args[1] if len(args) > 1 else ""),
        "stream": lambda: stream(int(args[0]), args[1]),
        "retention": lambda: retention(args[0], int(args[1]), int(args[2])),
    }[scenario]()


if __name__ == "__main__":
    main()
