"""Each pruner's decision rule on hand-made histories, with exact expected decisions."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

import tunecycle as tc
from tunecycle.errors import UserError
from tunecycle.protocols import History, NopPruner
from tunecycle.pruners import (
    PRUNERS,
    ASHAPruner,
    HyperbandPruner,
    MedianPruner,
    PatiencePruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
    make_pruner,
)
from tunecycle.records import FrozenTrial, TrialState

_ids = itertools.count(1)


def ft(number: int, inter: dict[int, float], state: str = "complete") -> FrozenTrial:
    st = TrialState.parse(state)
    last = inter[max(inter)] if inter else None
    return FrozenTrial(
        trial_id=next(_ids), number=number, state=st, intermediate=dict(inter),
        value=last if st in (TrialState.COMPLETE, TrialState.PRUNED) else None,
    )


def flat(number: int, value: float, steps: int = 5, state: str = "complete") -> FrozenTrial:
    """A trial that reported ``value`` at steps 0..steps-1."""
    return ft(number, {s: value for s in range(steps)}, state)


def neg(inter: dict[int, float]) -> dict[int, float]:
    return {s: -v for s, v in inter.items()}


def decide(pruner, others, trial, direction="minimize") -> bool:
    return pruner.should_prune(History.of([*others, trial], direction), trial)


# -- median / percentile ---------------------------------------------------------------------
FIVE = [flat(i, float(i + 1)) for i in range(5)]  # best-so-far 1..5 at every step: median 3


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_median_compares_best_so_far_with_median(direction):
    sign = 1.0 if direction == "minimize" else -1.0
    others = [flat(t.number, sign * t.value) for t in FIVE]
    p = MedianPruner()
    # value at step 2 is 4 (worse than the median 3) but the best so far is 3: a tie keeps it
    assert decide(p, others, ft(9, {0: sign * 5, 1: sign * 3, 2: sign * 4}, "running"),
                  direction) is False
    # best so far 3.5 > 3: pruned
    assert decide(p, others, ft(9, {0: sign * 5, 1: sign * 3.5, 2: sign * 4}, "running"),
                  direction) is True
    # a trial better than the median goes on
    assert decide(p, others, ft(9, {0: sign * 2.5}, "running"), direction) is False


def test_median_startup_counts_complete_trials_only():
    p = MedianPruner(n_startup_trials=5)
    bad = ft(9, {0: 100.0}, "running")
    assert decide(p, FIVE[:4], bad) is False
    # a pruned trial is a reference value but does not end the start-up phase
    assert decide(p, [*FIVE[:4], flat(4, 5.0, state="pruned")], bad) is False
    assert decide(p, FIVE, bad) is True
    assert decide(MedianPruner(n_startup_trials=0), [], bad) is False  # nobody to compare with


def test_median_warmup_and_interval():
    p = MedianPruner(n_warmup_steps=2, interval_steps=2)
    bad = {s: 100.0 for s in range(5)}
    expected = {0: False, 1: False, 2: True, 3: False, 4: True}
    for step, want in expected.items():
        trial = ft(9, {s: v for s, v in bad.items() if s <= step}, "running")
        assert decide(p, FIVE, trial) is want, step


def test_median_needs_n_min_trials_at_the_step():
    # only two other trials reached step 4
    others = [ft(t.number, {s: v for s, v in t.intermediate.items() if s < 4}) for t in FIVE]
    others += [ft(5, {s: 0.0 for s in range(5)}), ft(6, {s: 0.0 for s in range(5)})]
    trial = ft(9, {s: 1.0 for s in range(5)}, "running")
    assert decide(MedianPruner(n_min_trials=3), others, trial) is False
    assert decide(MedianPruner(n_min_trials=2), others, trial) is True  # median 0 < 1


def test_median_compares_with_complete_trials_only():
    trial = ft(9, {0: 2.5}, "running")
    # running, failed and pruned trials with tiny values do not move the median (3)
    noise = [flat(10 + i, -50.0, state=s)
             for i, s in enumerate(["running", "failed", "running", "pruned"])]
    assert decide(MedianPruner(), [*FIVE, *noise], trial) is False
    # complete ones do: 0, 0, 1..5 -> median 2
    low = [ft(20, {0: 0.0}), ft(21, {0: 0.0})]
    assert decide(MedianPruner(), [*FIVE, *low], trial) is True


def test_median_reference_is_the_value_at_the_step():
    # the others' values at step 2 are 1..5 (median 3) although each was 0 at step 0: the
    # reference is what they reported at the step, not their best so far
    others = [ft(i, {0: 0.0, 1: 9.0, 2: float(i + 1)}) for i in range(5)]
    assert decide(MedianPruner(), others, ft(9, {0: 5.0, 1: 2.9, 2: 4.0}, "running")) is False
    assert decide(MedianPruner(), others, ft(9, {0: 5.0, 1: 3.1, 2: 4.0}, "running")) is True


def test_interval_judges_the_first_report_in_each_interval():
    p = MedianPruner(n_warmup_steps=1, interval_steps=3)  # intervals start at 1, 4, 7
    bad = ft(9, {0: 100.0, 2: 100.0}, "running")  # first report at or after 1: step 2
    assert decide(p, FIVE, bad) is True
    again = ft(9, {0: 100.0, 2: 100.0, 3: 100.0}, "running")  # step 3: same interval
    assert decide(p, FIVE, again) is False


def test_percentile_threshold():
    trial = ft(9, {0: 2.5}, "running")  # percentiles of 1..5: p25 = 2, p50 = 3, p75 = 4
    assert decide(PercentilePruner(25), FIVE, trial) is True
    assert decide(PercentilePruner(50), FIVE, trial) is False
    assert decide(PercentilePruner(75), FIVE, ft(9, {0: 4.5}, "running")) is True
    maxi = [flat(t.number, -t.value) for t in FIVE]
    assert decide(PercentilePruner(25), maxi, ft(9, {0: -2.5}, "running"), "maximize") is True
    assert decide(PercentilePruner(25), maxi, ft(9, {0: -1.5}, "running"), "maximize") is False


def test_percentile_nan_and_no_reports():
    assert decide(MedianPruner(), FIVE, ft(9, {}, "running")) is False
    assert decide(MedianPruner(), FIVE, ft(9, {0: float("nan")}, "running")) is True
    # NaN references are left out of the median: 1, 2, 3 -> 2
    with_nan = [*FIVE[:3], flat(3, float("nan")), flat(4, float("nan"))]
    assert decide(MedianPruner(), with_nan, ft(9, {0: 1.9}, "running")) is False
    assert decide(MedianPruner(), with_nan, ft(9, {0: 2.1}, "running")) is True
    # a NaN among the trial's own values is left out of its best so far
    assert decide(MedianPruner(), FIVE, ft(9, {0: 2.0, 1: float("nan")}, "running")) is False


@pytest.mark.parametrize("bad", [{"percentile": 101}, {"interval_steps": 0},
                                 {"n_startup_trials": -1}, {"n_min_trials": 1.5}])
def test_percentile_rejects_bad_options(bad):
    with pytest.raises(UserError):
        PercentilePruner(**bad)


# -- patience --------------------------------------------------------------------------------
@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_patience_rule(direction):
    f = (lambda d: d) if direction == "minimize" else neg
    p = PatiencePruner(patience=2)

    def run(inter, pruner=p):
        return decide(pruner, [], ft(0, f(inter), "running"), direction)

    assert run({0: 5.0, 1: 6.0}) is False  # no report before the window yet
    assert run({0: 5.0, 1: 4.0, 2: 4.5, 3: 4.2}) is True  # last two did not beat 4
    assert run({0: 5.0, 1: 4.0, 2: 4.5, 3: 3.9}) is False  # 3.9 beats 4
    assert run({0: 5.0, 1: 4.0, 2: 4.0, 3: 4.0}) is True  # equal is no improvement
    assert run({0: 5.0, 1: 4.0, 2: 4.5, 3: 3.9}, PatiencePruner(2, min_delta=0.2)) is True
    assert run({0: 5.0, 1: 4.0, 2: 4.5, 3: 3.7}, PatiencePruner(2, min_delta=0.2)) is False
    # reports are taken in step order, not in insertion order
    assert run({3: 4.2, 0: 5.0, 2: 4.5, 1: 4.0}) is True


def test_patience_wrapped_pruner_has_the_last_word():
    stuck = ft(9, {0: 5.0, 1: 5.0, 2: 5.0}, "running")  # stagnated for patience=2
    assert decide(PatiencePruner(2), FIVE, stuck) is True
    assert decide(PatiencePruner(2, wrapped=NopPruner()), FIVE, stuck) is False
    assert decide(PatiencePruner(2, wrapped=MedianPruner()), FIVE, stuck) is True  # 5 > 3
    good_but_stuck = ft(9, {0: 2.0, 1: 2.0, 2: 2.0}, "running")
    assert decide(PatiencePruner(2, wrapped="median"), FIVE, good_but_stuck) is False
    improving = ft(9, {0: 9.0, 1: 8.0, 2: 7.0}, "running")  # worse than the median, improving
    assert decide(PatiencePruner(2, wrapped=MedianPruner()), FIVE, improving) is False


# -- successive halving ----------------------------------------------------------------------
def rung(number: int, step_values: dict[int, float], state: str = "running") -> FrozenTrial:
    return ft(number, step_values, state)


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_asha_and_sha_at_a_rung(direction):
    f = (lambda d: d) if direction == "minimize" else neg
    asha, sha = ASHAPruner(), SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)  # eta 3, rungs at steps 1, 3, 9

    def both(others_at_1, mine):
        others = [rung(i, f({0: 0.0, 1: v})) for i, v in enumerate(others_at_1)]
        trial = rung(99, f({0: 0.0, 1: mine}))
        return decide(asha, others, trial, direction), decide(sha, others, trial, direction)

    assert both([], 7.0) == (False, False)  # alone: the leader
    assert both([1.0], 7.0) == (False, True)  # n=2 < eta: asha promotes, sha only the leader
    assert both([1.0], 0.5) == (False, False)
    assert both([1.0], 1.0) == (False, False)  # ties go the trial's way
    assert both([1.0, 2.0], 1.5) == (True, True)  # n=3: top 1 only
    assert both([1.0, 2.0], 0.9) == (False, False)
    assert both([1.0, 2.0, 3.0, 4.0, 5.0], 1.5) == (False, False)  # n=6: top 2
    assert both([1.0, 2.0, 3.0, 4.0, 5.0], 2.5) == (True, True)


def test_halving_decides_only_where_a_rung_is_reached():
    others = [rung(i, {1: v, 2: v}) for i, v in enumerate([1.0, 2.0, 3.0])]
    p = ASHAPruner()
    assert decide(p, others, rung(9, {0: 9.0})) is False  # below rung 0
    assert decide(p, others, rung(9, {0: 9.0, 1: 9.0})) is True  # at rung 0, last of four
    # past the rung (step 2): the rung-0 decision is not made again; promotions are final
    assert decide(p, others, rung(9, {0: 9.0, 1: 0.5, 2: 9.0})) is False
    # min_early_stopping_rate=1: the first rung is at step 3
    late = ASHAPruner(min_early_stopping_rate=1)
    assert decide(late, others, rung(9, {0: 9.0, 1: 9.0})) is False


def test_halving_with_sparse_reports():
    # the trial reports at steps 0, 2, 4: it reaches rung 1 at step 2 and rung 3 at step 4
    others = [rung(i, {1: v, 3: v}) for i, v in enumerate([1.0, 2.0])]
    p = ASHAPruner()
    assert decide(p, others, rung(9, {0: 0.0, 2: 0.5})) is False
    assert decide(p, others, rung(9, {0: 0.0, 2: 0.5, 4: 3.0})) is True  # 3.0 vs 1, 2 at rung 3
    # one report at step 10 reaches rungs 1, 3 and 9 together: judged at each
    fast = [rung(i, {1: v, 3: 9.0}) for i, v in enumerate([1.0, 2.0])]
    assert decide(p, fast, rung(9, {10: 5.0})) is True  # fails rung 1, passes rung 3
    assert decide(p, fast, rung(9, {10: 0.5})) is False


def test_halving_counts_running_complete_pruned_not_failed():
    trial = rung(9, {1: 2.5})
    for state in ("running", "complete", "pruned"):
        others = [rung(0, {1: 1.0}, state), rung(1, {1: 2.0}, state)]
        assert decide(ASHAPruner(), others, trial) is True, state
    others = [rung(0, {1: 1.0}, "failed"), rung(1, {1: 2.0}, "failed")]
    assert decide(ASHAPruner(), others, trial) is False


def test_asha_out_of_order_reports():
    """Reports arrive in an order unrelated to trial numbers: trial 3 reaches rung 1 (step 3)
    before trials 0-2 reach rung 0 (step 1).  Each decision uses the history as it is at that
    moment; trials that ASHA prunes stop (state pruned).  The ``sha`` column is what ``sha``
    would answer on the same history."""
    asha, sha = ASHAPruner(), SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)  # eta 3
    reports: dict[int, dict[int, float]] = {n: {} for n in range(5)}
    states = dict.fromkeys(range(5), "running")
    events = [  # (trial, step, value, asha prunes?, sha prunes?)
        (3, 1, 0.2, False, False),  # rung 0: {0.2}: alone, the leader
        (3, 3, 0.1, False, False),  # rung 1: {0.1}: first there, nobody else has rung 0 yet
        (1, 1, 0.5, False, True),  # rung 0: {0.2, 0.5}: n=2 < 3: asha promotes, sha not
        (4, 0, 9.0, False, False),  # step 0 is no rung
        (0, 1, 0.3, True, True),  # rung 0: {0.2, 0.5, 0.3}: n=3, top 1 is 0.2
        (2, 1, 0.1, False, False),  # rung 0: n=4 (pruned trial 0 counts), 0.1 is the best
        (1, 2, 9.0, False, False),  # trial 1 was promoted at rung 0: no decision at step 2
        (1, 3, 0.4, False, True),  # rung 1: {0.1, 0.4}: n=2
        (2, 3, 0.3, True, True),  # rung 1: {0.1, 0.4, 0.3}: n=3, 0.1 better -> out
        (4, 1, 0.15, True, True),  # rung 0: {0.2, 0.5, 0.3, 0.1, 0.15}: n=5, top 1 is 0.1
        (3, 9, 0.05, False, False),  # rung 2: alone
    ]
    for trial_no, step, value, want_asha, want_sha in events:
        reports[trial_no][step] = value
        history = History.of([ft(n, reports[n], states[n]) for n in range(5)])
        me = history.trials[trial_no]
        got = (asha.should_prune(history, me), sha.should_prune(history, me))
        assert got == (want_asha, want_sha), (trial_no, step)
        if want_asha:
            states[trial_no] = "pruned"


def test_halving_decision_does_not_depend_on_trial_numbers():
    values = [0.4, 0.1, 0.3, 0.2, 0.5, 0.25]  # n=6, top 2 (0.1, 0.2) are promoted
    for numbers in ([0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [3, 0, 5, 1, 4, 2]):
        trials = [rung(no, {1: v}) for no, v in zip(numbers, values)]
        h = History.of(trials)
        for pruner in (ASHAPruner(), SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)):
            got = [pruner.should_prune(h, t) for t in trials]
            assert got == [True, False, True, False, True, True], numbers


# -- hyperband -------------------------------------------------------------------------------
def test_hyperband_brackets():
    hb = HyperbandPruner(min_resource=1, max_resource=81, reduction_factor=3, seed=7)
    assert hb.n_brackets == 5 and hb.budgets == [81, 34, 15, 8, 5]
    brackets = [hb.bracket(n) for n in range(6000)]
    again = HyperbandPruner(max_resource=81, seed=7)
    assert brackets == [again.bracket(n) for n in range(6000)]  # a function of (seed, number)
    assert brackets != [HyperbandPruner(seed=8).bracket(n) for n in range(6000)]
    counts = Counter(brackets)
    for b, budget in enumerate(hb.budgets):
        assert abs(counts[b] / 6000 - budget / 143) < 0.03, b


def test_hyperband_compares_within_a_bracket_only():
    hb = HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3, seed=0)
    assert hb.n_brackets == 3  # rungs: bracket 0 at 1 and 3; bracket 1 at 3; bracket 2 none
    by = {b: [n for n in range(200) if hb.bracket(n) == b] for b in range(3)}
    zero, one, two = by[0], by[1], by[2]
    trial = rung(zero[0], {1: 5.0})
    same = [rung(n, {1: v, 3: v}) for n, v in zip(zero[1:3], [1.0, 2.0])]
    other = [rung(n, {1: v, 3: v}) for n, v in zip(one[:3] + two[:3], [1.0] * 6)]
    assert decide(hb, same, trial) is True  # n=3 in bracket 0, worst
    assert decide(hb, other, trial) is False  # alone in bracket 0
    # bracket 1: no rung at step 1; at step 3 it meets bracket-1 trials only
    t1 = rung(one[0], {1: 5.0})
    assert decide(hb, [*same, *other], t1) is False
    t1 = rung(one[0], {1: 5.0, 3: 5.0})
    assert decide(hb, [*same, *other], t1) is True  # vs 1.0, 1.0 in bracket 1
    # bracket 2 (the last) never prunes
    t2 = rung(two[0], {s: 99.0 for s in range(10)})
    assert decide(hb, [*same, *other], t2) is False


# -- registry --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "cls"),
    [("none", NopPruner), ("median", MedianPruner), ("percentile", PercentilePruner),
     ("patience", PatiencePruner), ("sha", SuccessiveHalvingPruner), ("asha", ASHAPruner),
     ("hyperband", HyperbandPruner)],
)
def test_names_build_pruners(name, cls):
    assert PRUNERS[name] is cls
    assert type(make_pruner(name)) is cls
    study = tc.create_study(pruner=name.upper())
    assert type(study.pruner) is cls
    if hasattr(cls, "describe"):
        desc = make_pruner(name).describe()
        assert desc["name"] == name
        assert cls.from_description(desc).describe() == desc


def test_name_defaults_and_errors():
    assert make_pruner("percentile").percentile == 25.0
    assert make_pruner("patience").patience == 5
    p = MedianPruner(n_warmup_steps=3)
    assert make_pruner(p) is p
    with pytest.raises(UserError):
        make_pruner("nope")
    with pytest.raises(UserError):
        SuccessiveHalvingPruner(reduction_factor=1)


def test_optuna_rules_are_registered_under_native_names():
    from tunecycle.pruners import PatientPruner, ThresholdPruner, WilcoxonPruner

    assert PRUNERS["threshold"] is ThresholdPruner
    assert PRUNERS["wilcoxon"] is WilcoxonPruner
    assert PRUNERS["patient"] is PatientPruner
    assert type(make_pruner("wilcoxon")) is WilcoxonPruner
    for p in (ThresholdPruner(upper=3.0), WilcoxonPruner(p_threshold=0.2),
              PatientPruner("median", 2, min_delta=0.1)):
        desc = p.describe()
        assert type(make_pruner(desc)) is type(p)
        assert make_pruner(desc).describe() == desc
    with pytest.raises(UserError, match="needs options"):
        make_pruner("patient")
    with pytest.raises(UserError, match="lower, upper"):
        make_pruner("threshold")


def test_sha_auto_min_resource_is_fixed_when_a_trial_completes():
    p = SuccessiveHalvingPruner()  # Optuna's defaults: min_resource "auto", eta 4
    long = ft(0, {s: 1.0 for s in range(350)})  # last step 349: min_resource 3
    assert decide(p, [], rung(1, {3: 9.0})) is False  # nothing complete: no decision
    assert p.resource() is None
    # rung 0 at step 3; trial 0, finished before the estimate, competes at no rung: alone
    assert decide(p, [long], rung(1, {3: 9.0})) is False
    assert p.resource() == 3
    others = [long, rung(2, {3: 1.0}), rung(3, {3: 2.0}), rung(4, {3: 3.0})]
    assert decide(p, others, rung(1, {3: 9.0})) is True  # n=4 (trial 0 left out), 3 better
    assert p.rungs(60) == [3, 12, 48]


def test_halving_nan_and_bootstrap():
    p = ASHAPruner(bootstrap_count=2)
    assert decide(p, [], rung(9, {1: 0.1})) is True  # alone at the rung: 1 <= 2
    assert decide(p, [rung(0, {1: 5.0}), rung(1, {1: 6.0})], rung(9, {1: 0.1})) is False
    assert decide(ASHAPruner(), [], rung(9, {1: float("nan")})) is True
