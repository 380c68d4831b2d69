"""Stage 6, corpus: the manifest, the build of every processed table (the only place that wires
the stages together) and the read-only loading of built tables."""

from analysis.corpus.load import PlanComparison, load_comparison
from analysis.corpus.manifest import comparisons, load_manifest

__all__ = ["PlanComparison", "comparisons", "load_comparison", "load_manifest"]
