"""Scoring (R10–R12): criterion formulas as data, category totals, index and ranks per group. Pure."""

from checks.scoring.formulas import KINDS, Criterion, Figure, ItemScore, score
from checks.scoring.ranking import competition_ranks, index
from checks.scoring.rules import TruthCheck, untrue
from checks.scoring.totals import TOTAL, AgencyInput, AgencyScore, CategoryScore, ScoringTable, score_all, score_group

__all__ = ["KINDS", "TOTAL", "AgencyInput", "AgencyScore", "CategoryScore", "Criterion", "Figure", "ItemScore",
           "ScoringTable", "TruthCheck", "competition_ranks", "index", "score", "score_all", "score_group", "untrue"]
