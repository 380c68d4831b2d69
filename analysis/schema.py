"""Table contracts: the columns of every table the suite writes, and the vocabularies they use."""
from __future__ import annotations

# Government levels, highest first: a ``parent`` must rank above its child.
LEVEL_RANK = {"national": 0, "province": 1, "city": 2, "county": 3, "district": 3}

# Comparisons and the relations their alignment tables use: ``year`` (same issuer, earlier → later),
# ``level`` (parent → child) and ``peer`` (two plans of one level from different issuers, e.g. two cities).
KINDS = ("year", "level", "peer")
LINKS = ("same", "partial")
UNLINKED = {  # kind → (relation of an unmatched source task, of an unmatched target task)
    "year": ("dropped", "new"),
    "level": ("not_cascaded", "local"),
    "peer": ("only_in_a", "only_in_b"),
}
