"""The processed tables are one unit: a build killed at any moment, or stopped by a full disk,
leaves the previous complete set; two builds never write into one folder at once."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from pinned_corpus import PINNED_DIR, PINNED_MANIFEST

from analysis import cli, schema, storage
from analysis.corpus.build import build
from analysis.settings import PROJECT_ROOT

TABLES = set(schema.TABLES)  # every table the build writes


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_complete_set(out: Path) -> str:
    """Every table present, all of one build (their hashes as its build.json records); the id."""
    current = storage.table_folder(out)
    assert current != out and current.is_dir(), sorted(p.name for p in out.iterdir())
    record = json.loads((current / "build.json").read_text(encoding="utf-8"))
    assert current.name == f"tables-{record['build_id']}"
    expected = {f"{name}{suffix}" for name in TABLES for suffix in (".csv", ".parquet")}
    assert set(record["tables"]) == expected
    assert {p.name for p in current.iterdir()} == expected | {"build.json"}
    for name, digest in record["tables"].items():
        assert _sha256(current / name) == digest, name
        assert _sha256(out / name) == digest, f"{name} through the flat link"
    assert json.loads((out / "build.json").read_text(encoding="utf-8"))["build_id"] == record["build_id"]
    assert storage.read_table("documents", out).equals(pd.read_parquet(current / "documents.parquet"))
    return record["build_id"]


def _build_command(out: Path, manifest: Path | None = None) -> list[str]:
    chosen = ["--manifest", str(manifest)] if manifest else []
    return [sys.executable, "-m", "analysis", *chosen, "build", "--out", str(out)]


def _two_manifests(folder: Path) -> tuple[Path, Path]:
    """The bundled manifest, and the same without its last document: builds from the two differ in
    every table, so a set mixing them is seen."""
    lines = PINNED_MANIFEST.read_text(encoding="utf-8").splitlines(keepends=True)
    folder.mkdir(parents=True, exist_ok=True)
    full, fewer = folder / "manifest.csv", folder / "manifest_fewer.csv"
    full.write_text("".join(lines), encoding="utf-8")
    fewer.write_text("".join(lines[:-1]), encoding="utf-8")
    for name in PINNED_DIR.glob("*.txt"):
        (folder / name.name).write_bytes(name.read_bytes())
    return full, fewer


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}


def test_the_build_record_names_inputs_settings_and_tables(built) -> None:
    out, _ = built
    assert_one_complete_set(out)
    record = json.loads((out / "build.json").read_text(encoding="utf-8"))
    assert record["package_version"]
    assert set(record["inputs"]) == {"manifest", "documents", "lexicon", "corrections", "gold"}
    assert record["inputs"]["gold"]  # the pinned corpus holds the gold's plans: the build evaluated them
    assert len(record["inputs"]["documents"]["hubei_province_2024"]["sha256"]) == 64
    alignment = record["settings"].get("alignment", record["settings"])
    assert "weights" in json.dumps(alignment) and "link_min" in json.dumps(alignment)


@pytest.mark.slow  # a second build runs in its own process
def test_a_second_build_into_the_same_folder_is_refused(tmp_path) -> None:
    out = tmp_path / "out"
    with storage.build_lock(out):
        second = subprocess.run(
            _build_command(out), cwd=PROJECT_ROOT, env=_env(), capture_output=True, text=True, timeout=120
        )
    assert second.returncode == 2
    assert second.stderr.strip() == f"error: {out}: another build is writing here (pid {os.getpid()})"
    assert not list(out.glob("tables-*")) and not (out / "current").exists()


@pytest.mark.slow
def test_a_full_disk_leaves_the_previous_set(tmp_path, monkeypatch, capsys) -> None:
    out = tmp_path / "out"
    build(out)
    before = assert_one_complete_set(out)

    def disk_full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", disk_full)
    capsys.readouterr()
    assert cli.main(["build", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(
        f"error: {out}: cannot write the tables (No space left on device)"
    ), err
    assert assert_one_complete_set(out) == before
    assert not list(out.glob(".staging-*"))


@pytest.mark.slow
def test_a_build_killed_at_any_moment_leaves_one_complete_set(tmp_path) -> None:
    out = tmp_path / "out"
    manifests = _two_manifests(tmp_path / "raw")
    started = time.monotonic()
    subprocess.run(
        _build_command(out, manifests[1]), cwd=PROJECT_ROOT, env=_env(), check=True, capture_output=True, timeout=300
    )
    duration = time.monotonic() - started
    ids = [assert_one_complete_set(out)]
    rng = random.Random(20240205)
    for run in range(10):
        delay = rng.uniform(0, 1.2 * duration)  # over the whole run: start-up, parsing, writing, the switch
        with subprocess.Popen(
            _build_command(out, manifests[run % 2]),
            cwd=PROJECT_ROOT,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ) as process:
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=60)
        ids.append(assert_one_complete_set(out))
    print(f"build {duration:.1f} s; {len(set(ids)) - 1} of 10 killed builds had switched the set before the kill")
    done = subprocess.run(
        _build_command(out), cwd=PROJECT_ROOT, env=_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert assert_one_complete_set(out) not in ids
    assert not list(out.glob(".staging-*")) and not list(out.glob(".current.tmp-*"))
    assert len(list(out.glob("tables-*"))) <= 2  # the current set and the one before


def test_a_first_build_that_fails_leaves_no_folder(tmp_path) -> None:
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), storage.table_set(out) as staged:
        (staged.folder / "tasks.csv").write_text("half", encoding="utf-8")
        raise RuntimeError("a bug half-way")
    assert not out.exists()
