"""Stage 7, report: what the notebooks show (views, plots, one palette) and the batch that runs
them with papermill into offline HTML."""
from analysis.report.batch import build_reports

__all__ = ["build_reports"]
