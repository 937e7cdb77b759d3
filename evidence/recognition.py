"""Each service's recognition, decided from what the store holds (`checks/recognition.py`).

The one way every command, report and page asks "is this service recognized": `recognitions`
reads an agency's runs, verdicts (with the gate the bot met and who helped an assisted check), the
state of each service's newest job, judgements, catalogue and portal-route decisions, post-check
cancellations and sampling plan once, and returns one `Recognition` per service. The tables belong
to `evidence/runs.py`, `queue.py`, `judgements.py`, `matches.py` and `plans.py`; this module only reads.
"""

from __future__ import annotations

import json
from typing import Any

from checks.recognition import Attempt, Cancellation, Judgement, Recognition, ServiceFacts, recognize
from evidence import agencies, judgements, matches, plans
from evidence.queue import OPEN, POST_CHECK
from evidence.store import Store


def service_attempts(store: Store, agency_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Per service: its finished runs with a verdict, oldest first, each with its gate (or None)."""
    where, params = ("and r.agency_id = ?", [agency_id]) if agency_id else ("", [])
    sql = f"""
        select r.target_id as service_id, r.id as run_id, r.kind, r.started_at, r.assisted_by,
               v.level, v.mode, v.outcome,
               (select st.detail from steps st
                 where st.run_id = r.id and st.outcome = 'blocked' order by st.seq limit 1) as gate
        from runs r join verdicts v on v.run_id = r.id
        where r.kind in ('service', '{POST_CHECK}') and r.outcome not in ('running', 'interrupted') {where}
        order by r.started_at"""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in store.db.query(sql, params):
        # The blocked step's detail is read here, not by SQL: one query for SQLite and PostgreSQL alike.
        row["gate"] = (json.loads(row["gate"]) or {}).get("blocker") if row["gate"] else None
        out.setdefault(row["service_id"], []).append(row)
    return out


def queue_states(store: Store, agency_id: str | None = None) -> dict[str, str]:
    """Per service: `open`, `done` or `given_up`, the state of its newest service-check job."""
    where, params = ("and agency_id = ?", [agency_id]) if agency_id else ("", [])
    sql = f"select target_id, status from jobs where kind = 'service' {where} order by id"
    return {row["target_id"]: ("open" if row["status"] in OPEN else row["status"])
            for row in store.db.query(sql, params)}


def cancellations(store: Store, agency_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Per service: the post-checks that cancelled its recognition (R6), oldest first."""
    where, params = ("where agency_id = ?", [agency_id]) if agency_id else ("", [])
    out: dict[str, list[dict[str, Any]]] = {}
    for row in store.db.query(f"select * from recognition_cancellations {where} order by cancelled_at", params):
        out.setdefault(row["service_id"], []).append(row)
    return out


def _attempt(row: dict[str, Any]) -> Attempt:
    return Attempt(row["run_id"], row["started_at"], row["level"], row["mode"], row["outcome"], row["gate"],
                   row["assisted_by"], row["kind"] == POST_CHECK)


def _judgement(row: dict[str, Any] | None) -> Judgement | None:
    if row is None:
        return None
    return Judgement(row["run_id"], bool(row["accepted"]), row["inspector"], row["reason"], row["decided_at"])


def sampled_out(store: Store, agency_id: str) -> set[str]:
    """Services the agency's newest sampling plan leaves out (R6); empty when it checks them all."""
    plan = plans.latest_plan(store, agency_id)
    if plan is None or not plan["plan"].get("sampled"):
        return set()
    return {pick["service_id"] for pick in plan["plan"].get("skipped", [])}


def recognitions(store: Store, agency_id: str | None = None) -> dict[str, Recognition]:
    """The recognition of every stored service (of one agency), by service id."""
    tried = service_attempts(store, agency_id)
    queue = queue_states(store, agency_id)
    cancelled = cancellations(store, agency_id)
    judged = judgements.latest_judgements(store, agency_id)
    published = judgements.latest_published_urls(store, agency_id)
    outside: dict[str, set[str]] = {}
    out: dict[str, Recognition] = {}
    for row in matches.stored_service_ids(store, agency_id):
        service = agencies.service(store, row["id"]) or {}
        if row["agency_id"] not in outside:
            outside[row["agency_id"]] = sampled_out(store, row["agency_id"])
        match = matches.match_of(store, row["id"])
        facts = ServiceFacts(
            row["id"], int(service.get("declared_level") or 0),
            tuple(_attempt(a) for a in tried.get(row["id"], [])),
            match=match.match_class if match else None, match_decided=bool(match and match.confirmed),
            published_url=(published.get(row["id"]) or {}).get("url"), queue=queue.get(row["id"]),
            in_sample=row["id"] not in outside[row["agency_id"]], judgement=_judgement(judged.get(row["id"])),
            cancellations=tuple(Cancellation(c["recheck_run_id"], c["cancelled_at"])
                                for c in cancelled.get(row["id"], [])))
        out[row["id"]] = recognize(facts)
    return out


def judgeable_run(store: Store, agency_id: str, service_id: str,
                  attempts: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any] | None:
    """The run an evaluator's R8 judgement of a service is recorded against: its newest by-report attempt
    (with its `gate`), or None. `kiemtra judge` and the workspace's judging page both ask here; `attempts`
    is `service_attempts(store, agency_id)` when the caller already read it."""
    tried = service_attempts(store, agency_id) if attempts is None else attempts
    return next((a for a in reversed(tried.get(service_id, [])) if a["mode"] == "by_report"), None)
