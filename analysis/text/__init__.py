"""Stage 1, text: primitives every later stage reads Chinese plans with — numerals, jieba words
(:mod:`analysis.text.segment`), attributions of tasks to units, and the lexicons of meaning: the
field's topics (:mod:`analysis.text.topics`) and the level words made neutral before plans of two
levels are matched (:mod:`analysis.text.levels`)."""

from analysis.text.attribution import Attribution, find_attributions, split_units
from analysis.text.numerals import chinese_number, number_value, to_chinese, year_value

__all__ = [
    "Attribution",
    "chinese_number",
    "find_attributions",
    "number_value",
    "split_units",
    "to_chinese",
    "year_value",
]
