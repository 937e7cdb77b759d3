"""R6 for one agency: build the sampling candidates from the store, draw, escalate, keep the plan.

A service's field comes from the catalogue (the procedure its match names), else from what the
agency declared; its code from its match, else the declared code. The draw's seed and k come from
`config/scoring.yaml` and are stored with the plan (`evidence.plans.save_plan`).
"""

from __future__ import annotations

from checks.sampling import Candidate, SamplePlan, draw, escalate
from configuration.loader import Config
from evidence import catalogue, matches, plans, runs
from evidence.store import Store
from office.scoring import JUDGED_MODES, recognized


def candidates(store: Store, config: Config, agency_id: str) -> list[Candidate]:
    agency = config.agency(agency_id)
    out = []
    for service in agency.services:
        match = matches.match_of(store, service.id)
        code = (match.codes[0] if match and match.codes else None) or service.procedure_code
        procedure = catalogue.procedure(store, code) if code else None
        out.append(Candidate(service.id, code, (procedure or {}).get("field") or service.field))
    return out


def sample_plan(store: Store, config: Config, agency_id: str) -> tuple[SamplePlan, list[str]]:
    """Draw the agency's plan, widen the fields whose sampled failures pass the threshold, store it."""
    sampling = config.scoring.sampling
    plan = draw(candidates(store, config, agency_id), k=sampling.k, seed=sampling.seed,
                threshold=sampling.failure_threshold, min_services=sampling.min_services)
    failed = {row["id"]: not recognized(row) for row in runs.latest_service_results(store, agency_id)
              if row["mode"] in JUDGED_MODES and (row["declared_level"] or 0) >= 3}
    escalated = escalate(plan, failed) if plan.sampled else []
    plans.save_plan(store, agency_id, {**plan.as_dict(), "escalated": escalated})
    return plan, escalated
