"""pyproject.toml is the one truth for dependencies; environment.yml must mirror it."""
from __future__ import annotations

import re
import tomllib

import yaml

from analysis.settings import PROJECT_ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def test_environment_yml_lists_the_same_packages_as_pyproject() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    declared |= {_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d) for d in environment["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert conda == declared
    assert any(line.startswith("-e") and "[dev]" in line for line in pip_section)


def test_environment_yml_uses_the_same_lower_bounds_as_pyproject() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values() for r in extra]
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert sorted(r.replace(" ", "") for r in requirements) == sorted(
        d.replace(" ", "") for d in environment["dependencies"] if isinstance(d, str) and _name(d) not in {"python", "pip"}
    )
