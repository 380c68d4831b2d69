"""Errors caused by the user's input (a bad file, a bad manifest, a bad argument).

The command line prints these as one clear line and exits non-zero, without a traceback;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input, reported as ``<where>: <problem>``."""

    def __init__(self, where: object, problem: str):
        self.where = str(where)
        self.problem = problem
        super().__init__(f"{self.where}: {problem}")

    def __reduce__(self):  # raised in a worker process, it is pickled back to the parent
        return type(self), (self.where, self.problem)
