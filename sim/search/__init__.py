"""Searching the plan space for the best plan within a budget (`leadsim optimise`).

`space`: the decisions of the `search=` config group and the plan of each point.
"""

from .space import DECISIONS, Decision, SearchSpace, describe

__all__ = ["DECISIONS", "Decision", "SearchSpace", "describe"]
