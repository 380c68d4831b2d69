"""The documentation's generated parts, each between two marker comments of its page.

The stage table (README.md) and the module list (docs/architecture.md) from the package's
folders and docstrings, the command reference (docs/commands.md) from the argument parser, the
processed-table reference (docs/tables.md) from :mod:`analysis.schema`, the settings
(docs/settings.md) from :mod:`analysis.settings`, the make targets (docs/getting-started.md) from
the Makefile's ``##`` comments, and docs/contributing.md from CONTRIBUTING.md. ``python -m analysis.docs``
(``make docs-reference``; ``make docs`` runs it before building the site) rewrites them, and
tests/test_docs.py checks that the committed pages hold what this module generates.

A top-level module that nothing imports: it reads every stage and the command line, so it sits
above :mod:`analysis.cli` in the layout.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import os
import re
import runpy
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from analysis import schema, settings
from analysis.cli import make_parser
from analysis.storage import write_text

PACKAGE = Path(__file__).resolve().parent
# The package's parts in pipeline order: a stage imports only from the stages before it and from
# the bottom modules (tests/test_layout.py checks the imports).
STAGES = ("text", "parse", "targets", "align", "compare", "review", "evaluate", "corpus", "report")
ENTRY_POINTS = ("cli", "__main__", "docs")
BOTTOM = ("settings", "schema", "storage", "csv_text", "cache", "errors", "metrics")
PIPELINE = (*STAGES, *ENTRY_POINTS, *BOTTOM)
_STAGE_PREFIX = re.compile(r"^Stage \d+[^:]*:\s*")
_ROLE = re.compile(r":\w+:`~?([^`]+)`")


# --- the parts of the package and what their docstrings say ------------------------------------


@dataclass(frozen=True)
class Part:
    """A stage folder (with its modules) or a top-level module of the package."""

    name: str
    path: Path  # the folder's __init__.py, or the module's file
    modules: tuple[Path, ...]  # a folder's modules, __init__ left out; () for a top-level module

    @property
    def label(self) -> str:
        return f"{self.name}/" if self.modules or self.path.name == "__init__.py" else f"{self.name}.py"


def summary(path: Path) -> str:
    """The first sentence of a module's docstring, in markdown (a stage's "Stage N, name: " dropped)."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    if not docstring:
        raise ValueError(f"{path}: no docstring (its first sentence is its line in the documentation)")
    paragraph = " ".join(line.strip() for line in docstring.split("\n\n")[0].splitlines())
    sentence = re.split(r"(?<=[.。])\s+(?=[A-Z`(])", paragraph)[0]
    return _markdown(_STAGE_PREFIX.sub("", sentence))


def _markdown(text: str) -> str:
    """reStructuredText's inline code and roles (``x``, :mod:`x`) as markdown code, first letter capital."""
    text = _ROLE.sub(r"`\1`", text).replace("``", "`")
    return text[:1].upper() + text[1:]


def package_parts(package: Path = PACKAGE) -> list[Part]:
    """The package's folders and top-level modules in :data:`PIPELINE` order; a part the order
    does not name is an error, so a new stage cannot be left out of the documentation."""
    found = {}
    for path in sorted(package.iterdir()):
        if path.is_dir() and (path / "__init__.py").exists():
            modules = tuple(sorted(p for p in path.glob("*.py") if p.name != "__init__.py"))
            found[path.name] = Part(path.name, path / "__init__.py", modules)
        elif path.suffix == ".py" and path.name != "__init__.py":
            found[path.stem] = Part(path.stem, path, ())
    unknown = sorted(set(found) - set(PIPELINE))
    if unknown:
        raise ValueError(f"analysis/docs.py: PIPELINE does not place {', '.join(unknown)}")
    return [found[name] for name in PIPELINE if name in found]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def stage_table() -> str:
    """README's table: each stage folder and top-level module in pipeline order, what it does, its modules."""
    lines = ["| part | what it does | modules |", "|---|---|---|"]
    for part in package_parts():
        modules = ", ".join(f"`{p.stem}`" for p in part.modules)
        lines.append(f"| `{part.label}` | {_cell(summary(part.path))} | {modules} |")
    return "\n".join(lines) + "\n"


def module_table() -> str:
    """docs/architecture.md's list: every module of every part with the first sentence of its docstring."""
    parts = {part.name: part for part in package_parts()}
    blocks = []
    for name in STAGES:
        if name in parts:
            stage = parts[name]
            blocks.append([f"### `analysis/{stage.label}`", "", summary(stage.path), "", *_module_lines(stage)])
    for title, names in (("Entry points", ENTRY_POINTS), ("Bottom modules, imported by every stage", BOTTOM)):
        lines = [f"### {title}", ""]
        for part in (parts[name] for name in names if name in parts):
            lines += [f"- `{part.label}`: {summary(part.path)}", *_module_lines(part, indent="  ")]
        blocks.append(lines)
    return "\n\n".join("\n".join(lines) for lines in blocks) + "\n"


def _module_lines(part: Part, indent: str = "") -> list[str]:
    return [f"{indent}- `{module.name}`: {summary(module)}" for module in part.modules]


# --- the command reference ---------------------------------------------------------------------


def _default_paths() -> dict[str, str]:
    """Each path of :mod:`analysis.settings` as this process holds it → as the docs show it: its
    value when no ``ANALYSIS_*`` variable is set, relative to the project (the reference does not
    change with the environment, e.g. the tests' pinned corpus)."""
    saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("ANALYSIS_")}
    try:
        defaults = runpy.run_path(settings.__file__, run_name="analysis_settings_defaults")
    finally:
        os.environ.update(saved)
    shown = {}
    for name, value in vars(settings).items():
        if name.isupper() and isinstance(value, Path) and isinstance(defaults.get(name), Path):
            default = defaults[name]
            shown[str(value)] = str(
                default.relative_to(settings.PROJECT_ROOT) if default.is_relative_to(settings.PROJECT_ROOT) else default
            )
    return shown


def _metavar(action: argparse.Action) -> str:
    if action.nargs == 0:
        return ""
    names = action.metavar or (
        "{" + ",".join(map(str, action.choices)) + "}" if action.choices else action.dest.upper()
    )
    if isinstance(names, tuple):
        return " ".join(names)
    if action.nargs == "+":
        return f"{names} [{names} ...]"
    if action.nargs == "*":
        return f"[{names} ...]"
    return names


def _argument(action: argparse.Action, paths: dict[str, str]) -> str:
    if action.option_strings:
        name = " ".join(filter(None, [", ".join(action.option_strings), _metavar(action)]))
    else:
        name = action.metavar if isinstance(action.metavar, str) else action.dest
    text = action.help or ""
    if "%(" in text:
        text %= {"default": action.default}
    for live in sorted(paths, key=len, reverse=True):
        text = text.replace(live, paths[live])
    if action.required and action.option_strings:
        text += " (required)"
    return f"| `{name}` | {_cell(text)} |"


def _arguments(parser: argparse.ArgumentParser, paths: dict[str, str]) -> list[str]:
    rows = [_argument(action, paths) for action in _own_actions(parser)]
    return ["", "| argument | meaning |", "|---|---|", *rows] if rows else []


def _own_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    skipped = (argparse._HelpAction, argparse._SubParsersAction)
    return [action for action in parser._actions if not isinstance(action, skipped)]


def _synopsis(prog: str, name: str, command: argparse.ArgumentParser) -> str:
    words = [prog, "[--manifest MANIFEST]", name]
    for action in _own_actions(command):
        if not action.option_strings:
            words.append(f"[{action.dest} ...]" if action.nargs == "*" else action.dest)
        else:
            option = " ".join(filter(None, [action.option_strings[0], _metavar(action)]))
            words.append(option if action.required else f"[{option}]")
    return " ".join(words)


def command_reference() -> str:
    """docs/commands.md's reference: every command of ``python -m analysis``, its arguments and help."""
    parser = make_parser()
    paths = _default_paths()
    lines = [f"`{parser.prog} [OPTIONS] COMMAND ...`; the options, before the command's name:"]
    lines += _arguments(parser, paths)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help or "" for choice in commands._choices_actions}
    for name, command in commands.choices.items():
        lines += ["", f"### {name}", "", f"{_markdown(helps[name])}.", "", "```text"]
        lines += [_synopsis(parser.prog, name, command), "```", *_arguments(command, paths)]
    return "\n".join(lines) + "\n"


# --- the settings ------------------------------------------------------------------------------


def _field_comments(cls: type) -> dict[str, tuple[str, int]]:
    """Each field of a settings dataclass → the comment lines just above it in settings.py (or "")
    and its line number."""
    lines = Path(settings.__file__).read_text(encoding="utf-8").splitlines()
    node = next(n for n in ast.parse("\n".join(lines)).body if isinstance(n, ast.ClassDef) and n.name == cls.__name__)
    comments = {}
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            above: list[str] = []
            row = statement.lineno - 2
            while row >= 0 and lines[row].strip().startswith("#"):
                above.insert(0, lines[row].strip().lstrip("# "))
                row -= 1
            comments[statement.target.id] = (" ".join(above), statement.lineno)
    return comments


def _default(value: object) -> str:
    return f"`{type(value).__name__}`" if dataclasses.is_dataclass(value) else f"`{value!r}`"


def settings_reference() -> str:
    """docs/settings.md's reference: every settings dataclass, its fields, their defaults and meaning."""
    classes = [
        value
        for value in vars(settings).values()
        if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == settings.__name__
    ]
    blocks = []
    for cls in sorted(classes, key=lambda c: inspect.getsourcelines(c)[1]):
        defaults, comments = cls(), _field_comments(cls)
        rows: list[tuple[list[str], list[str], str]] = []
        previous_line = 0
        for field in dataclasses.fields(cls):
            comment, line = comments[field.name]
            default = _default(getattr(defaults, field.name))
            if rows and rows[-1][2] and not comment and line == previous_line + 1:  # one comment, several fields
                rows[-1][0].append(field.name)
                rows[-1][1].append(default)
            else:
                rows.append(([field.name], [default], comment))
            previous_line = line
        lines = [f"### `{cls.__name__}`", "", _markdown(" ".join((cls.__doc__ or "").split())), ""]
        lines += ["| field | default | meaning |", "|---|---|---|"]
        lines += [
            f"| {', '.join(f'`{n}`' for n in names)} | {', '.join(values)} | {_cell(text)} |"
            for names, values, text in rows
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


# --- the make targets --------------------------------------------------------------------------

_MAKE_TARGET = re.compile(r"^([a-zA-Z_-]+):.*## (.*)$")


def make_targets(makefile: Path = PACKAGE.parent / "Makefile") -> str:
    """docs/getting-started.md's table of make targets, from the Makefile's ``##`` comments (as ``make help``)."""
    found = [_MAKE_TARGET.match(line) for line in makefile.read_text(encoding="utf-8").splitlines()]
    rows = [f"| `make {m[1]}` | {_cell(m[2])} |" for m in found if m]
    return "\n".join(["| target | what it does |", "|---|---|", *rows]) + "\n"


# --- the contributing guide --------------------------------------------------------------------


def contributing(guide: Path = PACKAGE.parent / "CONTRIBUTING.md") -> str:
    """docs/contributing.md's text: CONTRIBUTING.md without its title (one text for the repository and the site)."""
    text = guide.read_text(encoding="utf-8")
    return text.split("\n", 1)[1].lstrip("\n") if text.startswith("# ") else text


# --- the pages and their marked sections -------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A generated section: the page (relative to the project) and the name on its markers."""

    page: str
    name: str
    generate: Callable[[], str]

    @property
    def start(self) -> str:
        return f"<!-- {self.name}:start (generated by `python -m analysis.docs`: do not edit) -->"

    @property
    def end(self) -> str:
        return f"<!-- {self.name}:end -->"


SECTIONS = (
    Section("README.md", "stages", stage_table),
    Section("docs/architecture.md", "modules", module_table),
    Section("docs/commands.md", "commands", command_reference),
    Section("docs/tables.md", "tables", schema.markdown),
    Section("docs/getting-started.md", "make-targets", make_targets),
    Section("docs/settings.md", "settings", settings_reference),
    Section("docs/contributing.md", "contributing", contributing),
)


def marked(text: str, section: Section) -> str:
    """The text between a section's two marker lines."""
    start, end = text.index(section.start), text.index(section.end)
    return text[text.index("\n", start) + 1 : end]


def with_marked(text: str, section: Section, body: str) -> str:
    """``text`` with the lines between the section's markers replaced by ``body``."""
    if section.start not in text or section.end not in text:
        raise ValueError(f"{section.page} has no {section.start} … {section.end} markers")
    start, end = text.index(section.start), text.index(section.end)
    return text[: text.index("\n", start) + 1] + body + text[end:]


def rewrite(root: Path = PACKAGE.parent, sections: tuple[Section, ...] = SECTIONS) -> list[str]:
    """Regenerate every section in its page under ``root`` (atomically); the pages that changed."""
    changed = []
    for section in sections:
        page = root / section.page
        text = page.read_text(encoding="utf-8")
        updated = with_marked(text, section, section.generate())
        if updated != text:
            write_text(page, updated)
            changed.append(section.page)
    return changed


def main(argv: list[str] | None = None) -> int:
    changed = rewrite(Path(argv[0]) if argv else PACKAGE.parent)
    print(f"rewrote {', '.join(changed)}" if changed else "the generated documentation is current")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
