"""Every migration of the store, in the order they apply: the one place the schema is declared.

Each migration is a function decorated `@migration("NNNN_name")` (mechanics in
`evidence/migrations.py`); names sort in the order they apply and a migration, once released, is
never edited: a change is a new migration appended at the end. `PRAGMA user_version` counts the
migrations applied, so an older kiemtra refuses a newer store.

Word for word, 0001–0006 are the migrations the feature modules used to declare themselves
(catalogue, portal, evidence/seal/manifest, queue, scores); gathering them here removed the import
cycle of those modules importing `Store` while `store.py` imported them to register their tables.
"""

from __future__ import annotations

import sqlite_utils

from evidence.database import POSTGRESQL, dialect
from evidence.migrations import migration


@migration("0001_core")
def _core(db: sqlite_utils.Database) -> None:
    db.table("agencies").create({"id": str, "name": str, "agency_group": str, "portal": str, "updated_at": str}, pk="id")
    db.table("services").create({
        "id": str, "agency_id": str, "name": str, "url": str, "declared_level": int,
        "procedure_code": str, "unit": str, "field": str, "playbook": str, "updated_at": str,
    }, pk="id", foreign_keys=[("agency_id", "agencies", "id")])
    db.table("services").create_index(["agency_id"])
    db.table("procedures").create({
        "code": str, "name": str, "field": str, "level": str, "agency": str, "decision": str,
        "source": str, "fetched_at": str,
    }, pk="code")
    db.table("jobs").create({
        "id": int, "kind": str, "target_id": str, "status": str, "due_at": str, "lease_until": str,
        "leased_by": str, "attempts": int, "created_at": str, "updated_at": str,
    }, pk="id")
    db.table("jobs").create_index(["status", "due_at"])
    db.table("runs").create({
        "id": str, "kind": str, "target_id": str, "agency_id": str, "job_id": int, "attempt": int,
        "started_at": str, "finished_at": str, "outcome": str, "error_kind": str, "error": str,
        "http_status": int, "final_url": str, "title": str, "duration_ms": int,
        "bot_version": str, "browser_version": str,
    }, pk="id")
    db.table("runs").create_index(["target_id", "started_at"])
    db.table("runs").create_index(["agency_id"])
    db.table("artifacts").create({"sha256": str, "kind": str, "media_type": str, "size": int, "path": str,
                                  "created_at": str}, pk="sha256")
    db.table("steps").create({
        "run_id": str, "seq": int, "name": str, "action": str, "target": str, "url": str,
        "started_at": str, "finished_at": str, "outcome": str, "detail": str,
        "screenshot_sha256": str, "html_sha256": str,
    }, pk=("run_id", "seq"), foreign_keys=[("run_id", "runs", "id")])
    db.table("run_artifacts").create({"run_id": str, "sha256": str, "role": str}, pk=("run_id", "sha256", "role"),
                                     foreign_keys=[("run_id", "runs", "id"), ("sha256", "artifacts", "sha256")])
    db.table("verdicts").create({
        "run_id": str, "target_id": str, "level": int, "mode": str, "outcome": str, "catalogue": str,
        "reasons": str, "rules": str,
        "rule_version": str, "created_at": str,
    }, pk="run_id", foreign_keys=[("run_id", "runs", "id")])
    db.table("verdicts").create_index(["target_id"])


@migration("0002_catalogue")
def _catalogue(db: sqlite_utils.Database) -> None:
    procedures = db.table("procedures")
    for column in ("kind", "channels", "status", "first_seen_at", "updated_at", "terms"):
        if column not in procedures.columns_dict:
            procedures.add_column(column, str)
    db.execute("update procedures set status = 'active' where status is null")
    db.table("procedure_history").create({"id": int, "code": str, "changed_at": str, "change": str, "old_name": str,
                                          "new_name": str, "detail": str, "source": str}, pk="id")
    db.table("procedure_history").create_index(["code"])
    # '_' joins word pairs into one token ("cap_giay"); see checks.catalogue.normalize.index_terms.
    if dialect(db) == POSTGRESQL:   # the same two names and columns, in PostgreSQL full-text (docs/scale.md)
        _postgresql_fulltext(db)
    else:
        db.execute("create virtual table procedure_fts using fts5(code unindexed, terms,"
                   " tokenize = \"unicode61 tokenchars '_'\")")
        db.execute("create virtual table procedure_vocab using fts5vocab(procedure_fts, row)")
    db.table("service_matches").create({"service_id": str, "match_class": str, "codes": str, "score": float,
                                        "reasons": str, "candidates": str, "matched_at": str}, pk="service_id")
    db.table("match_decisions").create({"id": int, "service_id": str, "action": str, "codes": str, "inspector": str,
                                        "note": str, "decided_at": str}, pk="id")
    db.table("match_decisions").create_index(["service_id"])


def _postgresql_fulltext(db: sqlite_utils.Database) -> None:
    """`procedure_fts` and `procedure_vocab` on PostgreSQL: the terms are already folded words, so each is one lexeme
    as it is (`array_to_tsvector`, no parser splitting "cap_giay"), indexed by GIN; the vocabulary is a view."""
    db.execute("create table procedure_fts (code text, terms text, tsv tsvector generated always as"
               " (array_to_tsvector(array_remove(regexp_split_to_array(coalesce(terms, ''), '\\s+'), ''))) stored)")
    db.execute("create index idx_procedure_fts_code on procedure_fts (code)")
    db.execute("create index idx_procedure_fts_tsv on procedure_fts using gin (tsv)")
    db.execute("create view procedure_vocab as select term, count(distinct code) as doc from procedure_fts,"
               " unnest(tsvector_to_array(tsv)) as term group by term")


@migration("0003_portal")
def _portal(db: sqlite_utils.Database) -> None:
    db.table("portal_observations").create({
        "run_id": str, "agency_id": str, "role": str, "inspector": str, "observed_at": str,
        "observation_sha256": str, "pages": int, "error": str,
    }, pk="run_id", foreign_keys=[("run_id", "runs", "id")])
    db.table("portal_observations").create_index(["agency_id", "role"])
    db.table("portal_scores").create({
        "agency_id": str, "criterion_id": str, "role": str, "inspector": str, "score": float,
        "max_points": float, "outcome": str, "reasons": str, "source": str, "run_id": str, "updated_at": str,
    }, pk=("agency_id", "criterion_id", "role"))
    db.table("review_appraisals").create({
        "agency_id": str, "criterion_id": str, "appraiser": str, "score": float, "reason": str, "decided_at": str,
    }, pk=("agency_id", "criterion_id"))
    db.table("review_seeds").create({
        "agency_id": str, "seed": int, "threshold": float, "fraction": float, "created_by": str, "created_at": str,
    }, pk="agency_id")
    db.table("review_log").create({
        "id": int, "agency_id": str, "criterion_id": str, "what": str, "who": str, "at": str,
        "old": str, "new": str, "why": str,
    }, pk="id")
    db.table("review_log").create_index(["agency_id", "criterion_id"])


@migration("0004_evidence")
def _evidence(db: sqlite_utils.Database) -> None:
    db.table("manifests").create({
        "seq": int, "run_id": str, "sha256": str, "prev_sha256": str, "key_id": str, "signature": str,
        "sealed_at": str,
    }, pk="seq", foreign_keys=[("run_id", "runs", "id")])
    # Unique links keep the chain a line: two manifests can never claim the same predecessor.
    db.table("manifests").create_index(["run_id"], unique=True)
    db.table("manifests").create_index(["sha256"], unique=True)
    db.table("manifests").create_index(["prev_sha256"], unique=True)
    db.table("signing_keys").create({"key_id": str, "public_key": str, "first_used_at": str}, pk="key_id")
    db.table("derived_artifacts").create({
        "run_id": str, "seq": int, "kind": str, "source_sha256": str, "sha256": str,
    }, pk=("run_id", "seq", "kind"), foreign_keys=[("run_id", "runs", "id")])
    db.table("disputes").create({
        "id": int, "service_id": str, "run_id": str, "agency_id": str, "opened_at": str, "opened_by": str,
        "note": str, "closed_at": str,
    }, pk="id")
    db.table("disputes").create_index(["service_id"])
    # The evidence browser lists an agency's runs newest first; this index makes that one range scan.
    db.table("runs").create_index(["agency_id", "started_at"], index_name="idx_runs_agency_started", if_not_exists=True)


@migration("0005_queue")
def _queue(db: sqlite_utils.Database) -> None:
    jobs = db.table("jobs")
    for column, kind in (("agency_id", str), ("host", str), ("reason", str), ("last_attempt_at", str),
                         ("result_run_id", str), ("final", str), ("note", str)):
        jobs.add_column(column, kind)
    jobs.create_index(["kind", "target_id"])
    db.table("job_attempts").create({
        "id": int, "job_id": int, "attempt": int, "holder": str, "run_id": str, "started_at": str,
        "finished_at": str, "outcome": str, "detail": str, "next_due_at": str,
    }, pk="id", foreign_keys=[("job_id", "jobs", "id")])
    db.table("job_attempts").create_index(["job_id"])
    # A run is the result of one attempt at most: the exactly-once guarantee, kept by the schema too.
    db.execute("create unique index idx_job_attempts_run on job_attempts(run_id) where run_id is not null")
    db.table("locks").create({"name": str, "holder": str, "pid": int, "hostname": str, "acquired_at": str,
                              "heartbeat_at": str, "expires_at": str}, pk="name")
    db.table("recognition_cancellations").create({
        "id": int, "service_id": str, "agency_id": str, "job_id": int, "reason": str,
        "recognized_run_id": str, "recheck_run_id": str, "cancelled_at": str, "notified_at": str,
    }, pk="id")


@migration("0006_scoring")
def _scoring(db: sqlite_utils.Database) -> None:
    db.table("survey_figures").create({
        "year": int, "agency_id": str, "figure_id": str, "value": float, "note": str, "source_file": str,
        "sheet": str, "cell": str, "imported_at": str,
    }, pk=("year", "agency_id", "figure_id"))
    db.table("score_items").create({
        "year": int, "agency_id": str, "criterion_id": str, "category": str, "points": float, "max_points": float,
        "reasons": str, "figures": str, "zeroed": str, "computed_at": str,
    }, pk=("year", "agency_id", "criterion_id"))
    db.table("score_totals").create({
        "year": int, "agency_id": str, "agency_group": str, "category": str, "points": float, "max_points": float,
        "idx": float, "rank": int, "exempt": int, "computed_at": str,
    }, pk=("year", "agency_id", "category"))
    db.table("score_figures").create({
        "year": int, "agency_id": str, "figure_id": str, "value": float, "source": str, "link": str,
        "evidence": str,
    }, pk=("year", "agency_id", "figure_id"))
    db.table("sample_plans").create({
        "id": int, "agency_id": str, "seed": int, "k": int, "threshold": float, "plan": str, "created_at": str,
    }, pk="id")
    db.table("sample_plans").create_index(["agency_id"])
    db.table("confirmations").create({
        "year": int, "agency_id": str, "item_key": str, "answer": str, "reason": str, "source_file": str,
        "row": int, "answered_at": str,
    }, pk=("year", "agency_id", "item_key"))
    db.table("score_disputes").create({
        "id": int, "year": int, "agency_id": str, "item_key": str, "reason": str, "evidence": str,
        "status": str, "created_at": str, "resolved_at": str,
    }, pk="id")
    db.table("score_disputes").create_index(["year", "agency_id", "status"])
    db.table("recheck_requests").create({
        "id": int, "kind": str, "target_id": str, "agency_id": str, "reason": str, "dispute_id": int,
        "status": str, "requested_at": str, "done_at": str, "run_id": str,
    }, pk="id")
    db.table("recheck_requests").create_index(["status"])


@migration("0007_one_disputes_table")
def _one_disputes_table(db: sqlite_utils.Database) -> None:
    """Fold `score_disputes` (the confirmation round) into `disputes` (a service's verdict).

    `disputes` is kept and `score_disputes` dropped, not the reverse: the evidence browser's
    queries and every existing dispute id of the browser stay as they are, and the confirmation
    round's columns map onto `disputes`' own (reason → note, created_at → opened_at, resolved_at →
    closed_at; open means closed_at is null). Copied rows get new ids, so the re-check requests
    they raised are pointed at the new ids in the same transaction.
    """
    disputes = db.table("disputes")
    for column in ("kind", "year", "item_key", "evidence"):
        disputes.add_column(column, int if column == "year" else str)
    db.execute("update disputes set kind = 'service'")
    disputes.create_index(["year", "agency_id", "item_key"])
    renumbered: dict[int, int] = {}
    old_rows = db.execute("select id, year, agency_id, item_key, reason, evidence, status, created_at, resolved_at"
                          " from score_disputes order by id").fetchall()
    for old_id, year, agency_id, item_key, reason, evidence, status, created_at, resolved_at in old_rows:
        cursor = db.execute(
            "insert into disputes (kind, year, agency_id, item_key, note, evidence, opened_at, closed_at)"
            " values ('item', ?, ?, ?, ?, ?, ?, ?)",
            [year, agency_id, item_key, reason, evidence, created_at,
             None if status == "open" else (resolved_at or created_at)])
        renumbered[old_id] = int(cursor.lastrowid or 0)  # sqlite3 gives None only when nothing was inserted
    # By the request's own id, so an old dispute id equal to a new one is never renumbered twice.
    requests = db.execute("select id, dispute_id from recheck_requests where dispute_id is not null").fetchall()
    for request_id, old_id in requests:
        if old_id in renumbered:
            db.execute("update recheck_requests set dispute_id = ? where id = ?", [renumbered[old_id], request_id])
    db.execute("drop table score_disputes")


@migration("0009_confirmation_sheets")
def _confirmation_sheets(db: sqlite_utils.Database) -> None:
    """Each confirmation sheet issued (R13): its id, the agency and year it was issued for, its row keys.

    The sheet carries its id in a hidden page; `confirm import` believes the agency, the year and the
    keys only as stored here, never as the returned file says (issue 12).
    """
    db.table("confirmation_sheets").create({
        "sheet_id": str, "year": int, "agency_id": str, "item_keys": str, "file": str, "issued_at": str,
    }, pk="sheet_id")


@migration("0010_judgements")
def _judgements(db: sqlite_utils.Database) -> None:
    """Evaluators' R8 judgements, portal-route decisions (R3/R5) and who helped an assisted check.

    `judgements` and `published_urls` are append-only: every change is a new row, the newest wins.
    `runs.assisted_by` names the inspector who passed a CAPTCHA/OTP gate in an assisted re-run.
    """
    db.table("judgements").create({
        "id": int, "service_id": str, "agency_id": str, "run_id": str, "accepted": int, "inspector": str,
        "reason": str, "decided_at": str,
    }, pk="id")
    db.table("judgements").create_index(["service_id"])
    db.table("published_urls").create({
        "id": int, "service_id": str, "agency_id": str, "url": str, "run_id": str, "http_status": int, "html_sha256": str,
        "screenshot_sha256": str, "inspector": str, "note": str, "decided_at": str,
    }, pk="id")
    db.table("published_urls").create_index(["service_id"])
    db.table("runs").add_column("assisted_by", str)


@migration("0011_bot")
def _bot(db: sqlite_utils.Database) -> None:
    """A service verdict's Decree 42/2022 class ("toàn trình" | "một phần"), beside its level (issue 14)."""
    db.table("verdicts").add_column("decree42", str)


@migration("0014_distributed")
def _distributed(db: sqlite_utils.Database) -> None:
    """The crawl on many machines: each host's next allowed navigation (politeness across workers), and on
    PostgreSQL the task engine's own tables (procrastinate's schema, as its version ships it)."""
    db.table("host_pace").create({"host": str, "next_at": float}, pk="host")
    db.table("jobs").create_index(["host", "status"], index_name="idx_jobs_host_status", if_not_exists=True)
    if dialect(db) == POSTGRESQL:
        from procrastinate.schema import SchemaManager

        db.raw.execute(SchemaManager.get_schema())  # type: ignore[attr-defined]


@migration("0015_workspace")
def _workspace(db: sqlite_utils.Database) -> None:
    """The inspectors' workspace (issue 18): people with a role, their browser sessions, the audit history of
    every decision taken in the browser, and every sign-in attempt (password guessing is slowed by them).

    `users.password_hash` is self-describing (`scrypt$n$r$p$salt$hash`, evidence/people.py); a session's
    token is stored only as its SHA-256. `audit_log` is append-only: old and new values and the evidence
    the person had on screen are JSON text.
    """
    db.table("users").create({
        "id": int, "name": str, "role": str, "agency_id": str, "password_hash": str, "created_at": str,
        "disabled_at": str,
    }, pk="id")
    db.table("users").create_index(["name"], unique=True)
    db.table("web_sessions").create({
        "token_hash": str, "user_id": int, "csrf_token": str, "created_at": str, "expires_at": str,
        "last_seen_at": str,
    }, pk="token_hash", foreign_keys=[("user_id", "users", "id")])
    db.table("audit_log").create({
        "id": int, "at": str, "user_name": str, "role": str, "action": str, "subject_kind": str, "subject_id": str,
        "agency_id": str, "old_value": str, "new_value": str, "evidence": str, "remote_addr": str,
    }, pk="id")
    db.table("audit_log").create_index(["subject_kind", "subject_id"])
    db.table("audit_log").create_index(["agency_id"])
    db.table("sign_in_attempts").create({"id": int, "at": str, "name": str, "remote_addr": str, "ok": int}, pk="id")
    db.table("sign_in_attempts").create_index(["name", "at"])
    db.table("sign_in_attempts").create_index(["remote_addr", "at"])


@migration("0016_workspace_scores")
def _workspace_scores(db: sqlite_utils.Database) -> None:
    """Each portal crawl's own judgement of each criterion, kept by run (issue 18, part B).

    `portal_scores` holds one score per role; once a person takes a role a crawl held, the crawl's row
    there is replaced, but the workspace still shows what the crawl judged beside the people's scores.
    Written by `evidence.portal.record_score` for every crawl score; the crawls scored before this
    migration are copied from `portal_scores` (where a person already replaced one, the page re-judges
    the kept observation instead).
    """
    db.table("portal_crawl_results").create({
        "run_id": str, "agency_id": str, "criterion_id": str, "role": str, "outcome": str, "score": float,
        "max_points": float, "reasons": str, "judged_at": str,
    }, pk=("run_id", "criterion_id"))
    db.table("portal_crawl_results").create_index(["agency_id"])
    db.execute("insert into portal_crawl_results (run_id, agency_id, criterion_id, role, outcome, score, max_points,"
               " reasons, judged_at) select run_id, agency_id, criterion_id, role, outcome, score, max_points, reasons,"
               " updated_at from portal_scores where source = 'crawl' and run_id is not null")


@migration("0017_workspace_requests")
def _workspace_requests(db: sqlite_utils.Database) -> None:
    """Re-check requests made in the workspace (issue 18): who asked and in which role, the job a crawl
    queued for it (`job_id`, `picked_up_at`), and why it was cancelled or could not run (`note`, `closed_by`)."""
    requests = db.table("recheck_requests")
    for column in ("requested_by", "requested_role", "picked_up_at", "note", "closed_by"):
        requests.add_column(column, str)
    requests.add_column("job_id", int)


@migration("0018_workspace_confirmation")
def _workspace_confirmation(db: sqlite_utils.Database) -> None:
    """The confirmation round in the browser (issue 18): who answered, a dispute's attachment, its answers, its outcome.

    `disputes` gains the attachment (an artifact's hash and the name it was sent under, shown only as
    text), who closed it, and the outcome (`evidence.disputes.OUTCOMES`, or "agreed" when the agency
    agreed later) with a note. `dispute_answers` is append-only: each inspector's answer, and the
    re-check requests it queued.
    """
    db.table("confirmations").add_column("answered_by", str)
    for column in ("attachment_sha256", "attachment_name", "closed_by", "outcome", "outcome_note"):
        db.table("disputes").add_column(column, str)
    db.table("dispute_answers").create({
        "id": int, "dispute_id": int, "answered_at": str, "answered_by": str, "text": str, "recheck_requests": str,
    }, pk="id")
    db.table("dispute_answers").create_index(["dispute_id"])
