"""R6 sampling: main service per field, k others from a stored seed, reproducible; escalation past the threshold."""

from __future__ import annotations

from checks.sampling import Candidate, draw, escalate


def services(n_per_field: int = 8) -> list[Candidate]:
    out = []
    for f, name in enumerate(("Hộ tịch", "Đất đai", "Xây dựng")):
        for i in range(n_per_field):
            out.append(Candidate(f"s-{f}-{i:02d}", f"1.00{f}{i:03d}", name))
    return out


def test_small_agency_is_checked_in_full():
    plan = draw(services(2), k=2, seed=1, threshold=0.5, min_services=30)
    assert not plan.sampled and len(plan.picks) == 6 and not plan.skipped


def test_main_service_is_the_first_by_code_or_the_one_with_most_dossiers():
    plan = draw(services(), k=2, seed=7, threshold=0.5, min_services=10)
    mains = [p.service_id for p in plan.picks if p.why.startswith("đại diện chính")]
    assert mains == ["s-0-00", "s-2-00", "s-1-00"]       # fields sorted by name: Hộ tịch, Xây dựng, Đất đai
    with_dossiers = [Candidate(c.service_id, c.code, c.field, 500 if c.service_id == "s-0-05" else 10)
                     for c in services()]
    plan = draw(with_dossiers, k=2, seed=7, threshold=0.5, min_services=10)
    assert "s-0-05" in [p.service_id for p in plan.picks if p.why.startswith("đại diện chính")]


def test_the_draw_is_reproducible_from_its_seed_and_not_from_input_order():
    first = draw(services(), k=2, seed=2342, threshold=0.5, min_services=10)
    again = draw(list(reversed(services())), k=2, seed=2342, threshold=0.5, min_services=10)
    other = [draw(services(), k=2, seed=seed, threshold=0.5, min_services=10).service_ids() for seed in range(1, 6)]
    assert sorted(first.service_ids()) == sorted(again.service_ids())
    assert len(first.picks) == 9 and len(first.skipped) == 15           # 3 fields × (1 main + 2 random)
    assert any(sorted(ids) != sorted(first.service_ids()) for ids in other)   # the seed matters


def test_a_field_whose_sampled_failures_pass_the_threshold_is_checked_in_full():
    plan = draw(services(), k=2, seed=3, threshold=0.5, min_services=10)
    sampled = [p.service_id for p in plan.picks if p.field == "Đất đai"]
    failed = {sampled[0]: True, sampled[1]: True, sampled[2]: False}           # 2/3 > 50 %
    failed.update({p.service_id: False for p in plan.picks if p.field == "Hộ tịch"})
    assert escalate(plan, failed) == ["Đất đai"]
    assert sum(1 for p in plan.picks if p.field == "Đất đai") == 8
    assert not any(p.field == "Đất đai" for p in plan.skipped)
    assert sum(1 for p in plan.picks if p.field == "Hộ tịch") == 3
