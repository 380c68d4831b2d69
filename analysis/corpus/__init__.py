"""Stage 7, corpus: the manifest, the build of every processed table (the only place that wires
the stages together) and one comparison for a command or a notebook (read from built tables, or
made on the spot as the build makes it)."""

from analysis.corpus.load import PlanComparison, load_comparison
from analysis.corpus.manifest import comparisons, load_manifest

__all__ = ["PlanComparison", "comparisons", "load_comparison", "load_manifest"]
