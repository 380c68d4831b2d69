"""One place for the project's paths and tunable settings.

Paths are module constants: every module and notebook resolves files through them, so papermill
and nbval (which start kernels in different working directories) read the same data. Environment
variables override them (read once, at import):

- ``ANALYSIS_DATA_DIR``: the data folder (default ``<project>/data``), holding ``raw/``,
  ``processed/`` and ``gold/``;
- ``ANALYSIS_MANIFEST``: the manifest (default ``<data>/raw/manifest.csv``);
- ``ANALYSIS_PROCESSED_DIR``: the processed tables (default ``<data>/processed``; `make test` points
  it and the manifest at the tests' pinned corpus);
- ``ANALYSIS_CORRECTIONS_DIR``: the reviewer's corrections files (default ``<data>/corrections``;
  the tests point it at their pinned copies);
- ``ANALYSIS_REPORTS_DIR``: where the HTML reports go (default ``<project>/reports``).

Settings that change the output are frozen dataclasses, passed explicitly: a stage's function
takes the settings it reads as an argument; the defaults are made at the entry points only (the
command line, :func:`analysis.corpus.build.build`, the notebooks), and a report reads the settings
its tables were built with from the build's ``build.json``
(:func:`analysis.corpus.load.build_settings`). :class:`BuildSettings` gathers them for a build,
which hands each stage its part: :class:`ParseSettings` (clean, structure), :class:`TargetSettings`
(targets, indicators), :class:`DuplicateSettings` (near-duplicate documents),
:class:`AlignmentSettings` (task alignment: :class:`SignalWeights`, :class:`Thresholds`,
:class:`ThresholdGrid` and the rest) and ``parallel_min_items``. :meth:`BuildSettings.as_dict`
gives them JSON-ready; :meth:`BuildSettings.from_dict` reads them back, refusing an unknown key or
a value of the wrong type anywhere with its dotted name (:class:`SettingsError`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from types import UnionType
from typing import Union, get_args, get_origin, get_type_hints

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ANALYSIS_DATA_DIR", PROJECT_ROOT / "data"))
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = Path(os.environ.get("ANALYSIS_PROCESSED_DIR", DATA_DIR / "processed"))
GOLD_DIR = DATA_DIR / "gold"
MANIFEST_PATH = Path(os.environ.get("ANALYSIS_MANIFEST", RAW_DIR / "manifest.csv"))
REPORTS_DIR = Path(os.environ.get("ANALYSIS_REPORTS_DIR", PROJECT_ROOT / "reports"))
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"

GOLD_TARGETS_PATH = GOLD_DIR / "targets_province.csv"

# Reviewer corrections (optional files; see data/corrections/README.md) and the link-confidence
# model fitted on the development gold (`python -m analysis evaluate --fit-confidence`).
CORRECTIONS_DIR = Path(os.environ.get("ANALYSIS_CORRECTIONS_DIR", DATA_DIR / "corrections"))
ALIGNMENT_CORRECTIONS_PATH = CORRECTIONS_DIR / "alignments.csv"
TARGET_CORRECTIONS_PATH = CORRECTIONS_DIR / "targets.csv"
LINK_CONFIDENCE_PATH = LEXICON_DIR / "link_confidence.json"
# The lexicons alignment reads meaning from (no model is downloaded): the field's topics, and the
# level words (全省/全市, place names, 省X厅/市X局) made neutral before matching.
TOPIC_LEXICON_PATH = LEXICON_DIR / "topics.csv"
LEVEL_WORDS_PATH = LEXICON_DIR / "level_words.csv"

# Reports: notebooks run in this many parallel processes (one kernel each); a report above this
# size is flagged (plotly.js alone, embedded for offline reading, is ~4.8 MB).
REPORT_WORKERS = max(1, min(4, os.cpu_count() or 1))
REPORT_MAX_BYTES = 10_000_000

# --- cleaning and structure (analysis/parse/clean.py, structure.py) ---------------------------


@dataclass(frozen=True)
class ParseSettings:
    """The length limits by which cleaning tells page chrome and hard line wraps from the text,
    and structure finds where a plan starts (lengths in characters of a stripped line); the size
    limits of a plan file."""

    # A line holding a strong boilerplate cue (主办单位, 版权所有 …) is dropped up to this length;
    # one holding a weak cue (打印, 返回顶部 …) up to this one.
    strong_cue_max_line: int = 300
    weak_cue_max_line: int = 20
    # A line without any Chinese character (page numbers, site names, counters) is dropped up to this length.
    ascii_line_max: int = 80
    # A chrome fragment (a menu entry, a label) is an unpunctuated line up to this length; a front
    # matter fragment up to running_header_max repeated in the body is a running header.
    chrome_line_max: int = 30
    running_header_max: int = 40
    # A line break is a hard wrap inside a sentence only after a line of at least this length; a
    # marker line up to heading_max without 。 is a heading, never wrapped.
    wrapped_line_min: int = 16
    heading_max: int = 40
    # How far back from a line's end an attribution bracket (that closes the paragraph) may open.
    attribution_tail: int = 300
    # Paragraphs a plan's title may stand above its first marker (a cover letter before the plan).
    title_to_body: int = 3
    # Size limits, so that one hostile or broken file is refused in one line instead of taking the
    # machine's memory (each refusal names the setting to raise): the characters of a plan's text
    # (real plans hold 10,000-100,000; at the limit, 70,000 of the shortest items parse in 20 s
    # and 330 MB, built in 30 s and 370 MB, on a loaded 2-core machine), and for a
    # Word file the unpacked size of its body (read as a stream) and of its styles and list
    # definitions (read whole; real ones hold under 1 MB), and how many times a part may be packed
    # (text packs 5-20 times; a zip bomb packs 1.5 GB into 10 MB).
    max_text_chars: int = 500_000
    max_part_bytes: int = 128 * 1024 * 1024
    max_style_part_bytes: int = 8 * 1024 * 1024
    max_part_ratio: float = 100.0


# --- targets (analysis/targets/) ---------------------------------------------------------------


@dataclass(frozen=True)
class TargetSettings:
    """The indicator mapping of targets, and the matching of a damaged duplicate's targets."""

    # The fuzzy-match score (0–100, rapidfuzz over jieba tokens) from which a target's phrase is
    # mapped to a canonical indicator of the lexicon (set from the evaluation against the gold's
    # canonical_indicator, see docs/evaluation.md).
    indicator_min_score: float = 60.0
    # A longer phrase contains an alias when it holds at least this share (%) of the alias's
    # characters in order; a contained alias keeps at least unexplained_floor of that score
    # however many extra words the phrase holds.
    alias_contained_min: float = 80.0
    unexplained_floor: float = 0.6
    # The similarity (0–100) from which a target of a damaged duplicate is matched to the clean
    # document's target of the same task, and how many characters before the number are compared.
    duplicate_quote_min_score: float = 60.0
    duplicate_context_chars: int = 10


# --- near-duplicate documents (analysis/compare/duplicates.py) ---------------------------------


@dataclass(frozen=True)
class DuplicateSettings:
    """Near-duplicate detection: character shingles, MinHash candidates, the Jaccard threshold."""

    # Character shingle size, and the Jaccard similarity from which two documents count as copies
    # of one another.
    shingle_size: int = 4
    min_similarity: float = 0.5
    # 128 MinHash values in 32 bands of 4: a pair becomes a candidate with probability 0.87 at
    # Jaccard 0.5, 0.99 at 0.6, and only 0.05 at 0.2 (the level unrelated plans share).
    minhash_permutations: int = 128
    minhash_bands: int = 32
    # Candidates whose MinHash estimate falls this far below the threshold skip the exact Jaccard
    # (the estimate's standard error at 128 values is <= 0.045).
    estimate_margin: float = 0.15
    # Of two similar documents, one is a damaged copy of the other only when its damage (events per
    # 1,000 characters) exceeds the other's by more than this margin *and* is at least this many
    # times it: sister plans written from one template are equally clean, and both are compared.
    copy_min_extra_damage_per_1k: float = 1.0
    copy_min_damage_ratio: float = 2.0


# --- task alignment (analysis/align/); thresholds are chosen by `python -m analysis evaluate` ---


@dataclass(frozen=True)
class SignalWeights:
    """Weights of the signals in a pair's score: a weighted mean over the signals that can be
    measured for the pair (see analysis/align/signals.py)."""

    chars: float = 1.0
    words: float = 1.0
    clauses: float = 1.0
    coverage: float = 1.0
    fuzzy: float = 0.5
    units: float = 0.25
    indicators: float = 0.5
    # The field's topics (analysis/text/topics.py): the two tasks' topic profiles, and their best
    # clause pair's similarity weighed by the two clauses' topic agreement; structure: how well the
    # two tasks' sections (or parts) align. Chosen among 0, 0.25 and 0.5 each by the mean F1 over
    # the three gold files (cross-validated, `python -m analysis evaluate --ablation`), keeping
    # the tests' floors (precision, label accuracy): topic_clauses at 0.25 scores a little higher
    # but lowers Wuhan's label accuracy below 0.90.
    topics: float = 0.25
    topic_clauses: float = 0.0
    section: float = 0.25

    def items(self) -> list[tuple[str, float]]:
        """(signal, weight) in the signals' order."""
        return [(f.name, float(getattr(self, f.name))) for f in fields(self)]


@dataclass(frozen=True)
class Thresholds:
    """The link decision's thresholds (analysis/align/decide.py): a link needs score >=
    ``link_min``; it is `same` when the one-to-one assignment picks it, else `partial` when its
    score is >= ``partial_ratio`` x the best score of one of the pair's two tasks; or `partial`
    whatever its score when the two tasks share a role and their best clause pair is >=
    ``clause_min`` (a clause carried over nearly verbatim; ``None`` turns this rule off); and the
    two rules of the topics below. Chosen on the three gold files together (the year pair and the
    two cross-level team checks: analysis/evaluate/crosslevel.py, `all pairs, in-sample`; the
    cross-validated figures beside them), with the weights of :class:`SignalWeights`; they also
    score as well as any on the development gold alone. The topic-and-wording rule is not chosen
    (off); the goal block's media rule is, at 0.5."""

    link_min: float = 0.22
    partial_ratio: float = 0.75
    clause_min: float | None = 0.4
    # `partial` when the two tasks share a role and a clause pair agrees in topic and wording
    # (the ``topic_clauses`` signal) at least this much; and a goal block's `partial` link to a
    # goal task of the other plan whose media one of its clauses names (``goal_media``).
    topic_clause_min: float | None = None
    goal_media_min: float | None = 0.5


@dataclass(frozen=True)
class ThresholdGrid:
    """The values the thresholds are chosen from: (first, last, step) each; the rules of the
    topics (:data:`OPTIONAL_RULES`) may also be off."""

    link_min: tuple[float, float, float] = (0.06, 0.40, 0.02)
    partial_ratio: tuple[float, float, float] = (0.40, 0.90, 0.05)
    clause_min: tuple[float, float, float] = (0.40, 0.90, 0.10)
    topic_clause_min: tuple[float, float, float] = (0.20, 0.40, 0.10)
    goal_media_min: tuple[float, float, float] = (0.50, 0.90, 0.20)


# Thresholds whose grid also holds "off" (None; an infinite value in a grid).
OPTIONAL_RULES = ("topic_clause_min", "goal_media_min")


@dataclass(frozen=True)
class HiddenLinkWeights:
    """The review queue's order of the candidate pairs the model left unlinked: the chance that one
    hides a link, a logistic function of the pair's link probability (its logit), its rank among
    the lower (or later) plan's task's candidates by that probability (its log; 1 = best), the two
    tasks' topic agreement and their best clause pair's agreement in topic and wording
    (analysis/align/confidence.py). A missed link is mostly a task's second or third counterpart on
    the same theme, which the link probability alone ranks low. Fitted by `analysis evaluate`
    (analysis/evaluate/queue.py) on the unlinked candidate pairs of the three gold comparisons,
    against the gold links among them; intercept 0 and ``link_logit`` 1 alone give the link
    probability itself."""

    intercept: float = -0.515
    link_logit: float = 0.309
    target_rank: float = -1.398
    topics: float = 0.574
    topic_clauses: float = 1.603


@dataclass(frozen=True)
class AlignmentSettings:
    """Every tunable of the task alignment; a :class:`analysis.align.PlanPair` carries one."""

    weights: SignalWeights = field(default_factory=SignalWeights)
    thresholds: Thresholds = field(default_factory=Thresholds)
    threshold_grid: ThresholdGrid = field(default_factory=ThresholdGrid)
    cv_folds: int = 5
    # Level words (全省/全市, place names, 省X厅/市X局: analysis/text/levels.py) made neutral in the
    # texts the signals compare. Off: alone it raises the cross-validated F1 (0.823 → 0.839, mean of
    # the three gold files), but beside the topics and structure it lowers it (0.846 → 0.838) and
    # lowers Wuhan's label accuracy below 0.90 (`python -m analysis evaluate --ablation`).
    neutral_level_words: bool = False
    # Policy boilerplate (持续, 深入, 推进 …) keeps this share of its IDF weight.
    boilerplate_weight: float = 0.2
    # A goal-block task paired with an action task keeps this share of its score: goal paragraphs
    # continue the other plan's goals, not the action tasks that share an indicator with them.
    role_mismatch_factor: float = 0.5
    # In the clause signals, a heading matched with a heading counts this share of its similarity:
    # similar headings can carry different substance (守住 vs 守牢 生态环境安全底线).
    heading_pair_weight: float = 0.5
    # Clause matches shown for linked tasks: minimum clause similarity.
    clause_match_min: float = 0.3
    # Blocking: the costly signals are computed for each task's best candidates only.
    candidates_per_task: int = 15
    # How many shared words the evidence column quotes.
    evidence_terms: int = 6
    # The review queue's order of the candidate pairs left unlinked: their chance of hiding a link.
    hidden_link: HiddenLinkWeights = field(default_factory=HiddenLinkWeights)
    # Near misses: candidate pairs left unlinked whose chance of hiding a link (``hidden_link``) is
    # at least this; the review queue offers them to a reviewer. Chosen by `analysis evaluate`
    # (analysis/evaluate/queue.py): the lowest floor whose queue keeps every gold comparison within
    # 60 rows (none reaches 97% of the missed links within 60 rows): 22 of the 32 missed links held
    # in 48 / 55 / 58 rows (2023 → 2024, → Ezhou, → Wuhan; ordered by P(link) alone: 17 of 32).
    near_miss_min: float = 0.05
    # A decision (a link, or a task left unlinked) is reported as sure when its confidence — the
    # calibrated probability that it is right — is at least this, and an unlinked task only while
    # none of its near misses is a link with a probability above 1 − this; the reports count and
    # mark the others as to check (analysis/compare/facts.py). 0.8, from `analysis evaluate`'s
    # reliability table over the three gold comparisons: candidate pairs given 0.8 or more were
    # links in 81 of 82 cases and those given 0.2 or less were not in 1524 of 1551, while in
    # between 26 of 39 were links: a decision there is a coin toss a reviewer should settle.
    sure_min: float = 0.8


# --- the build (analysis/corpus/build.py) ------------------------------------------------------


@dataclass(frozen=True)
class BuildSettings:
    """Every setting that changes the processed tables: what a build hands its stages."""

    parse: ParseSettings = field(default_factory=ParseSettings)
    targets: TargetSettings = field(default_factory=TargetSettings)
    duplicates: DuplicateSettings = field(default_factory=DuplicateSettings)
    alignment: AlignmentSettings = field(default_factory=AlignmentSettings)
    # The build parses documents and aligns comparisons in parallel processes (one per CPU) from
    # this many on; below it a process pool costs more than it saves (the tables do not change).
    parallel_min_items: int = 40

    def as_dict(self) -> dict:
        """The settings as plain JSON-ready data (like :func:`dataclasses.asdict`, mappings as
        dicts, tuples as lists), e.g. to write beside a build's outputs."""
        return _plain(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> BuildSettings:
        """The settings of :meth:`as_dict` (e.g. read back from JSON): every key known, every
        value of its field's type (:class:`SettingsError` names the first that is not)."""
        return _from_plain(cls, data, "")


@dataclass(frozen=True)
class CacheSettings:
    """The build's cache (analysis/corpus/incremental.py): it changes how long a build takes, never
    its tables. It lives in ``<out>/.cache``; deleting that folder (or ``build --no-cache``) makes
    the next build compute everything."""

    # False: every piece computed, the cache neither read nor written, the current tables not reused.
    enabled: bool = True
    # The cache is pruned to this size after each build, least recently used entries first (the
    # simulated national corpus of 1,233 plans needs about 0.5 GB; `build --cache-limit-mb`).
    max_bytes: int = 2_000_000_000


class SettingsError(ValueError):
    """Settings data naming an unknown key or holding a value of the wrong type (the message
    names the key by its dotted path, e.g. ``alignment.thresholds.link_min``)."""


def _plain(value):
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value


def _from_plain(cls, data, path: str):
    where = path or "the settings"
    if not isinstance(data, Mapping):
        raise SettingsError(f"{where}: expected the fields of {cls.__name__}, not {type(data).__name__} {data!r}")
    hints = get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    unknown = sorted(str(key) for key in data if key not in names)
    if unknown:
        dotted = f"{path}.{unknown[0]}" if path else unknown[0]
        raise SettingsError(f"unknown setting {dotted!r} (the fields of {where}: {', '.join(names)})")
    defaults = cls()
    values = {}
    for name in names:
        if name in data:
            dotted = f"{path}.{name}" if path else name
            default = getattr(defaults, name)
            values[name] = (
                _from_plain(type(default), data[name], dotted)
                if is_dataclass(default)
                else _typed(data[name], hints[name], dotted)
            )
    return cls(**values)


def _typed(value, hint, dotted: str):
    """``value`` as a field annotated ``hint`` holds it (int, float, bool, str, ``X | None``,
    ``tuple[float, ...]``), or :class:`SettingsError`."""
    options = get_args(hint) if get_origin(hint) in (UnionType, Union) else (hint,)
    if value is None and type(None) in options:
        return None
    for option in options:
        if get_origin(option) is tuple and isinstance(value, (list, tuple)):
            items = get_args(option)
            if len(items) == len(value) or (len(items) == 2 and items[1] is Ellipsis):
                return tuple(_typed(v, items[0], f"{dotted}[{i}]") for i, v in enumerate(value))
        elif (option is bool and isinstance(value, bool)) or (
            option is int and isinstance(value, int) and not isinstance(value, bool)
        ):
            return value
        elif option is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        elif option is str and isinstance(value, str):
            return value
    raise SettingsError(f"setting {dotted!r} must be {_type_name(hint)}, not {value!r}")


def _type_name(hint) -> str:
    if get_origin(hint) is tuple:
        items = get_args(hint)
        return f"a list of {len(items)} {_type_name(items[0])} values"
    options = get_args(hint) if get_origin(hint) in (UnionType, Union) else (hint,)
    return " or ".join("null" if o is type(None) else o.__name__ for o in options)


def processed_folder(folder: str | Path = "") -> Path:
    """The folder of the processed tables: ``folder`` when given (a notebook's ``processed_dir``
    parameter, ``reports --processed DIR``), else the project's."""
    return Path(folder) if str(folder) else PROCESSED_DIR
