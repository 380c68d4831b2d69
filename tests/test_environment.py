"""pyproject.toml is the one truth for dependencies; environment.yml must mirror it."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib

import pytest
import yaml

from analysis.settings import PROJECT_ROOT

# A pip requirement with extras that conda-forge ships as several packages: pip name → conda names.
CONDA_PACKAGES = {"dask[distributed]": ("dask", "distributed")}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _as_conda(requirement: str) -> list[str]:
    """The conda-forge requirements of a pip requirement (``dask[distributed]>=v`` → dask>=v, distributed>=v)."""
    name = re.split(r"[<>=!~; ]", requirement, maxsplit=1)[0].strip().lower()
    bound = requirement.replace(" ", "")[len(name) :]
    return [f"{conda}{bound}" for conda in CONDA_PACKAGES.get(name, ())] or [requirement.replace(" ", "")]


def test_environment_yml_lists_the_same_packages_as_pyproject() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"]) + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    declared = {_name(c) for r in requirements for c in _as_conda(r)}
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d) for d in environment["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert conda == declared
    assert any(line.startswith("-e") and "[dev]" in line for line in pip_section)


def test_environment_yml_uses_the_same_lower_bounds_as_pyproject() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"]) + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert sorted(c for r in requirements for c in _as_conda(r)) == sorted(
        d.replace(" ", "")
        for d in environment["dependencies"]
        if isinstance(d, str) and _name(d) not in {"python", "pip"}
    )


@pytest.mark.slow
@pytest.mark.parametrize(("uid", "flagged"), [("0", True), ("1000", False)])
def test_make_lab_passes_allow_root_only_to_a_root_user(tmp_path, uid: str, flagged: bool) -> None:
    """Jupyter refuses to start as root without --allow-root (containers mostly run as root)."""
    fake = tmp_path / "id"
    fake.write_text(f"#!/bin/sh\necho {uid}\n", encoding="utf-8")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["make", "-n", "lab"], cwd=PROJECT_ROOT, capture_output=True, text=True, env=env, timeout=60)
    command = next(line for line in done.stdout.splitlines() if "jupyter lab" in line)
    assert command.split()[1:] == ["lab", "notebooks/", *(["--allow-root"] if flagged else [])]
