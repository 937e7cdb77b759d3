"""Category 3: the portal criteria, one small unit each, over a `PortalObservation`.

Importing this package registers every check (the modules below decorate their functions).
"""

from checks.portal import content, layout, services, support  # noqa: F401  (registration)
from checks.portal.base import MANUAL, REGISTRY, Criterion, CriterionResult, evaluate
from checks.portal.observation import PortalObservation

__all__ = ["MANUAL", "REGISTRY", "Criterion", "CriterionResult", "PortalObservation", "evaluate"]
