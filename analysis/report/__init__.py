"""Stage 8, report: what the notebooks show (views, plots, one palette) and the batch that runs
them with papermill into offline HTML.

``build_reports`` is imported on first use: a notebook importing ``analysis.report.plots`` does not
pay for the batch's imports (nbformat, jsonschema), about a second a report."""


def __getattr__(name: str):
    if name == "build_reports":
        from analysis.report.batch import build_reports

        return build_reports
    raise AttributeError(name)


__all__ = ["build_reports"]
