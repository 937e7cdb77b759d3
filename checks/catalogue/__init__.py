"""The procedures catalogue (CSDL TTHC) and matching declared service names to it (R3, R4, R5).

Pure: normalization, scoring, match classes and counting; the store and the network live elsewhere.
"""

from checks.catalogue.counting import CountedProcedure, Counting, MatchedService, count_services
from checks.catalogue.match import (
                                    CLASS_LABEL,
                                    CLASSES,
                                    Candidate,
                                    CandidateSource,
                                    Declared,
                                    Match,
                                    MatchClass,
                                    Matcher,
                                    Procedure,
                                    Thresholds,
)
from checks.catalogue.normalize import NormalName, fold, normalize
from checks.catalogue.verdict import catalogue_result, level_check_allowed

__all__ = ["CLASS_LABEL", "CLASSES", "Candidate", "CandidateSource", "CountedProcedure", "Counting", "Declared",
           "Match", "MatchClass", "MatchedService", "Matcher", "NormalName", "Procedure", "Thresholds",
           "catalogue_result", "count_services", "fold", "level_check_allowed", "normalize"]
