"""Notebook parameters as a researcher types them: a plan by its doc id, by its display name in
either edition (湖北省2024年, Hubei Province 2024) or by its title; an indicator by its id, its
name in either language or one of its aliases. A value that names nothing (or more than one
thing) is refused with the valid choices listed, before any chart is drawn."""

from __future__ import annotations

import pandas as pd

from analysis.errors import UserError
from analysis.report.i18n import LANGS, plan_names


def _folded(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _pick(value: str, names: dict[str, set[str]], parameter: str, what: str, listed: list[str]) -> str:
    """The one key of ``names`` (key → the names it goes by) that ``value`` names."""
    wanted = _folded(value)
    found = [key for key, known in names.items() if wanted in {_folded(n) for n in known if isinstance(n, str) and n}]
    if len(found) == 1:
        return found[0]
    problem = f"{value!r} names {len(found)} {what}s ({', '.join(found)})" if found else f"no {what} {value!r}"
    raise UserError(parameter, f"{problem}; choose one of: {'; '.join(listed)}")


def plan_id(value: str, documents: pd.DataFrame, parameter: str = "plan") -> str:
    """The doc id of the plan ``value`` names (doc id, display name or title); ``documents``: the
    documents table."""
    by_lang = {lang: plan_names(documents, lang) for lang in LANGS}
    titles = dict(zip(documents["doc_id"], documents["title"].fillna("")))
    names = {doc_id: {doc_id, titles[doc_id], *(by_lang[lang][doc_id] for lang in LANGS)} for doc_id in titles}
    listed = [f"{doc_id} ({' / '.join(dict.fromkeys(by_lang[lang][doc_id] for lang in LANGS))})" for doc_id in titles]
    return _pick(value, names, parameter, "plan", listed)


def indicator_id(value: str, escalation: pd.DataFrame, lexicon: pd.DataFrame, parameter: str = "indicator") -> str:
    """The id of the indicator ``value`` names (id, Chinese or English name, an alias) among those
    the escalation table follows; ``lexicon``: :func:`analysis.targets.indicators.load_lexicon`."""
    followed = list(dict.fromkeys(escalation["indicator_id"]))
    known = lexicon.set_index("indicator_id")
    names: dict[str, set[str]] = {}
    for indicator in followed:
        row = known.loc[indicator] if indicator in known.index else None
        aliases = str(row["aliases"]).split("|") if row is not None and isinstance(row["aliases"], str) else []
        names[indicator] = {indicator, *aliases, *([] if row is None else [row["name_zh"], row["name_en"]])}
    listed = [f"{i} ({known.at[i, 'name_zh']!s})" if i in known.index else str(i) for i in followed]
    return _pick(value, names, parameter, "indicator followed across plans", listed)
