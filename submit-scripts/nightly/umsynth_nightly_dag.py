"""Airflow DAG for the umsynth nightly augmentation run (Airflow 2.4+).

One task calls submit-scripts/nightly/umsynth-nightly, which runs `umsynth pipeline` through the
chosen launcher into BASE/YYYY-MM-DD and keeps the newest N dated runs. The date is the end of the
DAG run's data interval, so Airflow's retries, and clearing a run later, continue that day's output
root (pipeline skips complete stages and resumes training) instead of starting a new one.

Install: copy this file into the DAGs folder and set the Airflow Variables below (or edit the
defaults). The worker that runs the task needs the umsynth checkout (or its submit-scripts), the
cluster environment file, and spark-submit (SPARK_HOME in that file).
"""
from __future__ import annotations

import datetime as dt

from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator

UMSYNTH_HOME = Variable.get("umsynth_home", default_var="/opt/umsynth")
NIGHTLY = f"{UMSYNTH_HOME}/submit-scripts/nightly/umsynth-nightly"

with DAG(
    dag_id="umsynth_nightly",
    description="umsynth pipeline into a dated output root, keeping the newest N runs",
    schedule="0 1 * * *",
    start_date=dt.datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,  # the script's lock also refuses overlapping runs (exit 75, retried)
    default_args={
        "owner": "imaging-ml",
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=30),
        "execution_timeout": dt.timedelta(hours=20),
    },
    tags=["umsynth"],
) as dag:
    BashOperator(
        task_id="pipeline",
        # Airflow renders the Jinja fields; umsynth-nightly's exit status fails or passes the task.
        bash_command=(
            f"{NIGHTLY}"
            " --launcher {{ var.value.get('umsynth_launcher', 'yarn') }}"
            " --env {{ var.value.get('umsynth_cluster_env', '" + UMSYNTH_HOME + "/conf/cluster.env') }}"
            " --base {{ var.value.get('umsynth_nightly_base', 'hdfs:///lake/umsynth/nightly') }}"
            " --input {{ var.value.get('umsynth_nightly_input', 'hdfs:///lake/ct/images') }}"
            " --conf {{ var.value.get('umsynth_nightly_conf', '" + UMSYNTH_HOME + "/conf/paper.conf') }}"
            " --keep {{ var.value.get('umsynth_nightly_keep', '7') }}"
            " --date {{ data_interval_end | ds }}"
            " --log-dir {{ var.value.get('umsynth_nightly_logs', '/var/log/umsynth') }}"
        ),
    )
