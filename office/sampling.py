"""R6 for one agency: build the sampling candidates from the store, draw, escalate, keep the plan.

A service's field comes from the catalogue (the procedure its match names), else from what the
agency declared; its code from its match, else the declared code. The draw's seed and k come from
`config/scoring.yaml` and are stored with the plan (`evidence.plans.save_plan`).
"""

from __future__ import annotations

from dataclasses import dataclass

from checks.recognition import NOT_RECOGNIZED
from checks.sampling import Candidate, SamplePlan, draw, escalate
from configuration.loader import Config
from evidence import catalogue, matches, plans
from evidence.recognition import recognitions
from evidence.store import Store


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
    plan, escalated, _ = _drawn(store, config, agency_id)
    return plan, escalated


def _drawn(store: Store, config: Config, agency_id: str) -> tuple[SamplePlan, list[str], int]:
    sampling = config.scoring.sampling
    plan = draw(candidates(store, config, agency_id), k=sampling.k, seed=sampling.seed,
                threshold=sampling.failure_threshold, min_services=sampling.min_services)
    # Failed = decided not recognized (a failure confirmed at another time, R6); pending ones never escalate.
    declared = {s.id: s.declared_level for s in config.agency(agency_id).services}
    failed = {sid: r.status == NOT_RECOGNIZED for sid, r in recognitions(store, agency_id).items()
              if r.decided and (declared.get(sid) or 0) >= 3}
    escalated = escalate(plan, failed) if plan.sampled else []
    plan_id = plans.save_plan(store, agency_id, {**plan.as_dict(), "escalated": escalated})
    return plan, escalated, plan_id


@dataclass(frozen=True)
class CrawlSample:
    """The services a crawl checks of a sampled agency, and the stored plan they come from (R6)."""

    plan_id: int
    service_ids: frozenset[str]


def crawl_samples(store: Store, config: Config, agency_id: str | None = None) -> dict[str, CrawlSample]:
    """For each agency above `sampling.min_services`: its plan drawn now (widened past the failure threshold)."""
    out = {}
    for agency in [config.agency(agency_id)] if agency_id else config.agencies:
        if len(agency.services) < config.scoring.sampling.min_services:
            continue
        plan, _, plan_id = _drawn(store, config, agency.id)
        out[agency.id] = CrawlSample(plan_id, frozenset(plan.service_ids()))
    return out
