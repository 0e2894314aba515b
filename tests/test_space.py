"""Tests of tunecycle.space: validation messages, unit-interval encoding, conditional spaces, I/O."""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tunecycle.errors import SpaceError
from tunecycle.space import Categorical, Float, Int, Space, param_from_dict

FAST = settings(max_examples=60, deadline=None)


def key(value):
    """Type-aware identity, so that True, 1 and 1.0 count as different values."""
    return (type(value).__name__, value)


# -- validation: one case per rule; the message names the parameter and the problem ----------

F, I, C = {"type": "float"}, {"type": "int"}, {"type": "categorical"}  # noqa: E741
RULES = {
    "float-low>high": ({**F, "low": 2, "high": 1}, "low (2) must not exceed high (1)"),
    "int-low>high": ({**I, "low": 5, "high": 1}, "low (5) must not exceed high (1)"),
    "float-log-low<=0": ({**F, "low": 0, "high": 1, "log": True}, "log=True needs low > 0"),
    "int-log-low<1": ({**I, "low": 0, "high": 9, "log": True}, "log=True needs low >= 1"),
    "float-inf-bound": ({**F, "low": 0, "high": math.inf}, "high must be a finite number"),
    "float-nan-bound": ({**F, "low": math.nan, "high": 1}, "low must be a finite number"),
    "float-text-bound": ({**F, "low": "abc", "high": 1}, "low must be a number, got 'abc'"),
    "float-none-bound": ({**F, "low": None, "high": 1}, "low must be a finite number"),
    "float-bool-bound": ({**F, "low": 0, "high": True}, "high must be a finite number"),
    "int-inf-bound": ({**I, "low": 0, "high": math.inf}, "high must be a finite number"),
    "float-step-zero": ({**F, "low": 0, "high": 1, "step": 0}, "step must be > 0"),
    "float-step-negative": ({**F, "low": 0, "high": 1, "step": -0.5}, "step must be > 0"),
    "int-step-zero": ({**I, "low": 0, "high": 4, "step": 0}, "step must be >= 1"),
    "int-step-negative": ({**I, "low": 0, "high": 4, "step": -1}, "step must be >= 1"),
    "float-step-not-dividing": (
        {**F, "low": 0, "high": 1, "step": 0.3}, "step (0.3) does not divide the range 0..1"),
    "int-step-not-dividing": (
        {**I, "low": 0, "high": 10, "step": 3}, "step (3) does not divide the range 0..10"),
    "float-log-with-step": (
        {**F, "low": 1, "high": 10, "log": True, "step": 1}, "step and log=True cannot be combined"),
    "int-log-with-step": ({**I, "low": 1, "high": 9, "log": True, "step": 2}, "needs step=1"),
    "float-log-not-bool": ({**F, "low": 1, "high": 10, "log": "yes"}, "log must be true or false"),
    "int-non-integer-low": ({**I, "low": 1.5, "high": 4}, "low must be an integer, got 1.5"),
    "int-non-integer-high": ({**I, "low": 1, "high": "4.5"}, "high must be an integer"),
    "int-non-integer-step": ({**I, "low": 0, "high": 3, "step": 1.5}, "step must be an integer"),
    "empty-choices": ({**C, "choices": []}, "choices must not be empty"),
    "duplicate-choices": ({**C, "choices": ["a", "b", "a"]}, "duplicate choice 'a'"),
    "duplicate-bool-choices": ({**C, "choices": [True, 1, True]}, "duplicate choice True"),
    "non-scalar-choice": ({**C, "choices": [1, [2]]}, "choice [2] is a list"),
    "non-finite-choice": ({**C, "choices": [1.0, math.nan]}, "is not a finite number"),
    "choices-is-string": ({**C, "choices": "abc"}, "choices must be a list"),
    "choices-is-number": ({**C, "choices": 3}, "choices must be a list"),
    "unknown-type": ({"type": "double", "low": 0, "high": 1}, "'type' must be one of"),
    "missing-type": ({"low": 0, "high": 1}, "'type' must be one of"),
    "unhashable-type": ({"type": ["float"], "low": 0, "high": 1}, "'type' must be one of"),
    "unknown-field": ({**F, "low": 0, "high": 1, "lgo": True}, "unknown field(s) ['lgo']"),
    "field-of-other-type": ({**C, "choices": [1], "step": 1}, "unknown field(s) ['step']"),
    "missing-field": ({**F, "low": 0}, "missing field(s) ['high']"),
    "missing-choices": (dict(C), "missing field(s) ['choices']"),
    "bad-sub-space": ({**C, "choices": {"svm": [1, 2]}}, "sub-space of choice 'svm' must be a"),
    "not-a-parameter": (42, "expected Float, Int, Categorical"),
}


@pytest.mark.parametrize("spec, problem", list(RULES.values()), ids=list(RULES))
def test_validation_rule_names_parameter_and_problem(spec, problem):
    with pytest.raises(SpaceError) as info:
        Space({"lr": spec})
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "parameter 'lr'" in message
    assert problem in message


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda: Float(2, 1, name="lr"), "low (2) must not exceed high (1)"),
        (lambda: Int(1, 2, step=0, name="lr"), "step must be >= 1"),
        (lambda: Categorical([], name="lr"), "choices must not be empty"),
        (lambda: param_from_dict({"type": "float", "low": 1}, "lr"), "missing field(s)"),
        (lambda: Float(0, 1).named("lr").normalize(2), "2 is not in [0, 1]"),
        (lambda: Int(0, 4, step=2).named("lr").normalize(3), "3 is not an integer in [0, 4] step 2"),
        (lambda: Categorical(["a"]).named("lr").normalize("b"), "'b' is not one of ['a']"),
    ],
)
def test_name_given_by_keyword_or_named(make, problem):
    with pytest.raises(SpaceError) as info:
        make()
    assert "parameter 'lr'" in str(info.value) and problem in str(info.value)


def test_unnamed_parameter_errors_name_the_type():
    with pytest.raises(SpaceError, match=r"^Float: low \(2\) must not exceed high \(1\)$"):
        Float(2, 1)
    with pytest.raises(SpaceError, match=r"^Int: step must be >= 1"):
        Int(0, 1, step=0)


def test_duplicated_flattened_names():
    with pytest.raises(SpaceError, match=r"\['svm\.C'\] more than once"):
        Space({"svm.C": Float(0, 1), "model": Categorical({"svm": {"C": Float(0, 1)}})})
    with pytest.raises(SpaceError, match=r"\['x\.p'\] more than once"):
        Space({"a": Categorical({"x": {"p": [1]}}), "b": Categorical({"x": {"p": [2]}})})


def test_space_itself_must_be_a_mapping_with_string_names():
    with pytest.raises(SpaceError, match="must be a mapping"):
        Space([("lr", Float(0, 1))])
    for bad_name in ("", 3):
        with pytest.raises(SpaceError, match="non-empty strings"):
            Space({bad_name: Float(0, 1)})


# -- unit-interval encoding: properties -----------------------------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-5, 5), st.text(max_size=3))


@st.composite
def param_and_value(draw):
    """(param, a value in its domain, whether the round trip must be exact)."""
    kind = draw(st.sampled_from(["float", "float-log", "float-step", "int", "int-log", "cat"]))
    if kind == "float":
        low = draw(st.floats(-1e6, 1e6))
        p = Float(low, low + draw(st.floats(0, 1e6)))
        return p, draw(st.floats(p.low, p.high)), False
    if kind == "float-log":
        low = draw(st.floats(1e-8, 1e6))
        p = Float(low, low * draw(st.floats(1, 1e6)), log=True)
        return p, draw(st.floats(p.low, p.high)), False
    if kind == "float-step":
        step = draw(st.sampled_from([0.01, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0]))
        i0, n = draw(st.integers(-1000, 1000)), draw(st.integers(0, 200))
        p = Float(i0 * step, (i0 + n) * step, step=step)
        return p, draw(st.sampled_from(p.grid())), True
    if kind == "int":
        low, step = draw(st.integers(-1000, 1000)), draw(st.integers(1, 10))
        p = Int(low, low + draw(st.integers(0, 200)) * step, step=step)
        return p, draw(st.sampled_from(p.grid())), True
    if kind == "int-log":
        low = draw(st.integers(1, 10**6))
        p = Int(low, low + draw(st.integers(0, 10**6)), log=True)
        return p, draw(st.integers(p.low, p.high)), True
    choices = draw(st.lists(SCALARS, min_size=1, max_size=8, unique_by=key))
    return Categorical(choices), draw(st.sampled_from(choices)), True


@FAST
@given(param_and_value())
def test_unit_round_trip(pv):
    p, v, exact = pv
    u = p.to_unit(v)
    assert 0.0 <= u <= 1.0
    back = p.from_unit(u)
    assert p.contains(back)
    if exact:
        assert key(back) == key(v)
    else:  # continuous floats: equal up to rounding of the affine / log map
        scale = max(1.0, abs(p.low), abs(p.high))
        assert math.isclose(back, v, rel_tol=1e-9, abs_tol=1e-12 * scale)


@FAST
@given(param_and_value(), st.floats(0, 1))
def test_from_unit_is_always_contained(pv, u):
    p, value = pv[0], pv[0].from_unit(u)
    assert p.contains(value)
    assert key(p.normalize(value)) == key(value)
    assert 0.0 <= p.to_unit(value) <= 1.0


@pytest.mark.parametrize("p", [Float(0, 1), Int(1, 3), Categorical(["a", "b"])])
def test_from_unit_clamps_outside_the_unit_interval(p):
    assert p.from_unit(-0.5) == p.from_unit(0.0)
    assert p.from_unit(1.5) == p.from_unit(1.0)


# -- log, step, bool vs int --------------------------------------------------------------------

def test_log_float_midpoint_is_geometric_mean():
    p = Float(1e-5, 1e-1, log=True)
    assert p.from_unit(0.5) == pytest.approx(1e-3, rel=1e-12)
    assert p.to_unit(1e-3) == pytest.approx(0.5, rel=1e-12)
    assert p.from_unit(0.0) == 1e-5 and p.from_unit(1.0) == 1e-1
    assert p.from_unit(0.25) == pytest.approx(1e-4, rel=1e-12)


def test_log_int_reaches_every_value_and_favours_small_ones():
    p = Int(1, 10, log=True)
    counts = Counter(p.from_unit((j + 0.5) / 10_000) for j in range(10_000))
    assert set(counts) == set(range(1, 11))
    assert counts[1] > counts[2] > counts[5] > counts[10]
    assert Int(1, 1000, log=True).from_unit(0.5) == round(math.sqrt(0.5 * 1000.5))


def test_float_step_values_are_on_the_grid():
    p = Float(0, 1, step=0.25)
    assert p.grid() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert {p.from_unit(j / 97) for j in range(98)} == set(p.grid())
    assert p.contains(0.5) and not p.contains(0.3) and not p.contains(1.25)
    with pytest.raises(SpaceError, match="0.3 is not in"):
        p.normalize(0.3)
    tenth = Float(0, 1, step=0.1)
    assert len(tenth.grid()) == 11 and tenth.grid()[-1] == 1.0
    assert tenth.normalize(0.3) == tenth.grid()[3]  # snapped onto the grid's own float


@pytest.mark.parametrize(
    "p",
    [Int(0, 10, step=2), Int(-3, 3), Int(7, 7), Float(-1, 1, step=0.5),
     Categorical([None, True, 1, 1.0, "a"])],
    ids=["int-step", "int", "int-single", "float-step", "categorical"],
)
def test_grid_points_have_equal_unit_width(p):
    grid, m = p.grid(), 13
    n = len(grid)
    counts = Counter(key(p.from_unit((j + 0.5) / (n * m))) for j in range(n * m))
    assert counts == Counter({key(v): m for v in grid})
    for i, v in enumerate(grid):
        assert p.to_unit(v) == pytest.approx((i + 0.5) / n)


def test_categorical_tells_bool_int_and_float_apart():
    p = Categorical([True, 1, 1.0, False, 0])
    assert [p.index(v) for v in (True, 1, 1.0, False, 0)] == [0, 1, 2, 3, 4]
    assert [key(p.from_unit(p.to_unit(v))) for v in p.choices] == [key(v) for v in p.choices]
    assert not Categorical([1, 0]).contains(True)
    assert not Categorical([True, False]).contains(1)
    assert Categorical([1.0, 2.0]).contains(1)  # a plain int is accepted for a float choice
    assert key(Categorical([1.0, 2.0]).normalize(1)) == ("float", 1.0)
    assert not Int(0, 5).contains(True) and not Float(0, 5).contains(False)
    assert Categorical([1, True]) != Categorical([1, 1.0]) != Categorical([1.0, True])


def test_degenerate_ranges():
    for p in (Float(2, 2), Int(3, 3), Float(2, 2, log=True), Float(2, 2, step=0.5)):
        assert p.to_unit(p.low) == 0.5
        assert p.from_unit(0.0) == p.from_unit(1.0) == p.low
        assert p.grid() == [p.low] and p.is_discrete
    # Regression: log bounds one ulp apart have equal logs; to_unit divided by zero.
    tiny = Float(9.0, math.nextafter(9.0, 10.0), log=True)
    assert tiny.to_unit(9.0) == 0.5 and tiny.contains(tiny.from_unit(0.5))


# -- conditional spaces ----------------------------------------------------------------------

def svm_space() -> Space:
    return Space({
        "model": Categorical({
            "svm": {
                "C": Float(1e-3, 1e3, log=True),
                "kernel": Categorical({"rbf": {"gamma": Float(1e-4, 1, log=True)}, "linear": None}),
            },
            "knn": {"k": Int(1, 5)},
            "dummy": {},
        }),
        "lr": Float(0, 1),
    })


def test_flattened_names_and_conditions():
    s = svm_space()
    assert s.names == ["model", "svm.C", "svm.kernel", "svm.rbf.gamma", "knn.k", "lr"]
    assert s.is_conditional and not s.is_discrete
    cond = {d.name: d.condition for d in s}
    assert cond["svm.rbf.gamma"] == (("model", "svm"), ("svm.kernel", "rbf"))
    assert cond["knn.k"] == (("model", "knn"),) and cond["lr"] == ()
    assert s["model"].choices == ("svm", "knn", "dummy") and not s["model"].branches
    assert s["svm.C"].name == "svm.C"


@pytest.mark.parametrize(
    "model_u, kernel_u, active",
    [
        (0.1, 0.1, {"model", "svm.C", "svm.kernel", "svm.rbf.gamma", "lr"}),
        (0.1, 0.9, {"model", "svm.C", "svm.kernel", "lr"}),
        (0.5, 0.1, {"model", "knn.k", "lr"}),
        (0.9, 0.1, {"model", "lr"}),
    ],
)
def test_from_unit_returns_only_active_params(model_u, kernel_u, active):
    s = svm_space()
    params = s.from_unit([model_u, 0.5, kernel_u, 0.5, 0.5, 0.5])
    assert set(params) == active
    assert s.validate(params) == params
    encoded = s.to_unit(params)
    assert [math.isnan(x) for x in encoded] == [n not in active for n in s.names]


@FAST
@given(st.lists(st.floats(0, 1), min_size=6, max_size=6))
def test_conditional_from_unit_always_validates(u):
    s = svm_space()
    params = s.from_unit(u)
    assert s.validate(params) == params
    with pytest.raises(ValueError, match="expected 6 coordinates, got 5"):
        s.from_unit(u[:5])


def test_validate_rejects_missing_inactive_and_unknown():
    s = svm_space()
    ok = {"model": "svm", "svm.C": 1.0, "svm.kernel": "linear", "lr": 0.5}
    assert s.validate(ok) == ok
    with pytest.raises(SpaceError, match=r"parameter 'svm\.C': missing"):
        s.validate({"model": "svm", "svm.kernel": "linear", "lr": 0.5})
    with pytest.raises(SpaceError, match=r"parameter 'svm\.rbf\.gamma': given, but inactive"):
        s.validate({**ok, "svm.rbf.gamma": 0.1})
    with pytest.raises(SpaceError, match=r"parameter 'knn\.k': given, but inactive"):
        s.validate({**ok, "knn.k": 2})
    with pytest.raises(SpaceError, match=r"unknown parameter\(s\) \['foo'\]"):
        s.validate({**ok, "foo": 1})
    with pytest.raises(SpaceError, match=r"parameter 'svm\.C': 5000 is not in"):
        s.validate({**ok, "svm.C": 5000})
    assert s.validate({"svm.C": 2}, partial=True) == {"svm.C": 2.0}


def test_grid_counts_for_conditional_space():
    s = Space({
        "model": Categorical({
            "svm": {"C": Int(1, 3), "kernel": Categorical({"rbf": {"g": [0.1, 1.0]}, "lin": {}})},
            "knn": {"k": Int(1, 2)},
            "dummy": {},
        }),
        "x": [True, False],
    })
    points = s.grid()
    # svm: 3 C * (2 gamma + 1 linear) = 9; knn: 2; dummy: 1; all times 2 for x.
    assert len(points) == (9 + 2 + 1) * 2
    assert len({json.dumps(p, sort_keys=True) for p in points}) == len(points)
    for p in points:
        assert s.validate(p) == p
        assert s.from_unit(s.to_unit(p)) == p
    assert len(s.grid(values={"model": ["knn", "dummy"]})) == (2 + 1) * 2


def test_grid_values_override_and_continuous_error():
    s = svm_space()
    with pytest.raises(SpaceError, match=r"parameter 'svm\.C' is continuous"):
        s.grid()
    values = {"svm.C": [0.1, 1], "svm.rbf.gamma": [0.01], "lr": [0.0, 0.5]}
    points = s.grid(values=values)
    # svm: 2 C * (1 rbf + 1 linear) = 4; knn: 5; dummy: 1; all times 2 for lr.
    assert len(points) == (4 + 5 + 1) * 2
    assert {p["svm.C"] for p in points if "svm.C" in p} == {0.1, 1.0}
    with pytest.raises(SpaceError, match=r"unknown parameter\(s\) \['nope'\]"):
        s.grid(values={**values, "nope": [1]})
    with pytest.raises(SpaceError, match=r"parameter 'lr': grid values must not be empty"):
        s.grid(values={**values, "lr": []})
    with pytest.raises(SpaceError, match=r"parameter 'lr': 2 is not in"):
        s.grid(values={**values, "lr": [2]})


# -- plain forms: dict, YAML, JSON, files ----------------------------------------------------

YAML_TEXT = """
lr: {type: float, low: 1e-5, high: 1e-1, log: true}
layers: {type: int, low: 1, high: 4}
dropout: {type: float, low: 0, high: 0.5, step: 0.1}
act: [relu, tanh]
model:
  type: categorical
  choices:
    svm:
      C: {type: float, low: 1e-3, high: 1e3, log: true}
    knn:
"""


def test_yaml_exponent_strings_and_list_shorthand():
    assert yaml.safe_load("x: 1e-5")["x"] == "1e-5"  # the premise: PyYAML reads it as text
    s = Space.from_text(YAML_TEXT)
    assert s["lr"] == Float(1e-5, 1e-1, log=True) and s["lr"].low == 1e-5
    assert s["layers"] == Int(1, 4)
    assert s["act"] == Categorical(["relu", "tanh"])
    assert s.names == ["lr", "layers", "dropout", "act", "model", "svm.C"]
    assert s.to_dict()["model"]["choices"] == {
        "svm": {"C": {"type": "float", "low": 1e-3, "high": 1e3, "log": True}}, "knn": {}}
    assert Int("1e3", "2e3").high == 2000


@pytest.mark.parametrize("space", [Space.from_text(YAML_TEXT), svm_space()], ids=["yaml", "svm"])
def test_text_round_trips(space):
    d = space.to_dict()
    assert Space.from_text(space.to_json()) == space
    assert Space.from_text(yaml.safe_dump(d)) == space
    assert Space.from_text(json.dumps(d)).to_dict() == d
    assert Space.from_dict(d) == space and Space(space) == space
    assert Space.from_text(space.to_json()).names == space.names


def test_from_text_and_from_file_errors(tmp_path):
    with pytest.raises(SpaceError, match="not valid YAML/JSON"):
        Space.from_text("lr: {type: float")
    with pytest.raises(SpaceError, match="must be a mapping"):
        Space.from_text("- 1\n- 2\n")
    path = tmp_path / "space.yaml"
    path.write_text(YAML_TEXT)
    assert Space.from_file(path) == Space.from_text(YAML_TEXT)
    missing = tmp_path / "nope.yaml"
    with pytest.raises(SpaceError) as info:
        Space.from_file(missing)
    assert str(missing) in str(info.value) and "No such file" in str(info.value)
    with pytest.raises(SpaceError, match="search space file"):
        Space.from_file(tmp_path)


# -- geometry: cells, snapping, configuration counts and keys ---------------------------------

@pytest.mark.parametrize("param, cells", [
    (Int(0, 10, step=2), 6),
    (Int(1, 64, log=True), 64),
    (Int(3, 3), 1),
    (Float(0, 1, step=0.25), 5),
    (Float(2.5, 2.5), 1),
    (Float(0, 1), None),
    (Float(1e-3, 1.0, log=True), None),
    (Categorical(["a", "b", "c"]), 3),
])
def test_cell_counts_are_the_number_of_values(param, cells):
    assert param.n_cells == cells
    if cells is not None:
        values = {json.dumps(param.from_unit(u)) for u in [i / 997 for i in range(998)]}
        assert len(values) == cells
        assert len(param.grid()) == cells


DISCRETE = [Int(0, 10, step=2), Int(1, 64, log=True), Int(5, 300, log=True),
            Float(-1, 1, step=0.5), Categorical([1, 1.0, True, "x"]), Float(3, 3)]


@pytest.mark.parametrize("param", DISCRETE)
def test_snapping_lands_on_the_cell_centre_that_decodes_to_the_same_value(param):
    us = [i / 331 for i in range(332)]
    for u in us:
        centre = param.snap(u)
        assert param.from_unit(centre) == param.from_unit(u)
        assert centre == pytest.approx(param.to_unit(param.from_unit(u)), abs=1e-12)
        assert param.snap(centre) == pytest.approx(centre, abs=1e-12)  # idempotent
        lo, hi = (float(e[0]) for e in param.cell_edges(np.array([centre])))
        assert lo < centre < hi
        assert hi - lo == pytest.approx(param.cell_width(u), rel=1e-9)
    column = param.snap_column(np.array(us))
    assert np.allclose(column, [param.snap(u) for u in us], rtol=0, atol=1e-12)


def test_cells_tile_the_unit_interval():
    for param in DISCRETE:
        centres = np.array(sorted({param.to_unit(v) for v in param.grid()}))
        lo, hi = param.cell_edges(centres)
        assert lo[0] == pytest.approx(0.0, abs=1e-12) and hi[-1] == pytest.approx(1.0, abs=1e-12)
        assert np.allclose(lo[1:], hi[:-1], atol=1e-12)
    assert Int(1, 8, log=True).equal_cells is False and Int(1, 8).equal_cells is True
    assert Float(0, 1).equal_cells is False and Float(0, 1).snap(0.3) == 0.3


def test_a_space_counts_its_configurations_branch_by_branch():
    assert Space({"a": Int(0, 3), "b": Categorical(["x", "y"])}).n_configs == 8
    conditional = Space({"k": Int(0, 2), "m": Categorical(
        {"a": {"i": Int(1, 4)}, "b": {"j": Int(1, 8, log=True)}, "c": {}})})
    assert conditional.n_configs == 3 * (4 + 8 + 1) == len(conditional.grid())
    assert Space({"a": Int(0, 3), "x": Float(0, 1)}).n_configs is None


def test_equal_configurations_have_equal_keys():
    space = Space({"x": Float(0, 2), "n": Int(1, 5), "c": Categorical([1, 1.0, True]),
                   "m": Categorical({"svm": {"C": Float(1, 10)}, "knn": {}})})
    base = {"x": 1.0, "n": 2, "c": 1, "m": "knn"}
    k = space.config_key(base)
    assert space.config_key({"x": 1, "n": 2.0, "c": 1, "m": "knn"}) == k  # 1 vs 1.0 by type
    assert space.config_key({"x": np.float64(1.0), "n": np.int64(2), "c": 1, "m": "knn"}) == k
    assert space.config_key({**base, "svm.C": 3.0}) == k  # inactive: ignored
    assert space.config_key({**base, "other": 5}) == k  # not in the space: ignored
    assert space.config_key({**base, "c": 1.0}) != k  # another choice
    assert space.config_key({**base, "c": True}) != k
    assert space.config_key({**base, "x": 1.5}) != k
    svm = {**base, "m": "svm", "svm.C": 3.0}
    assert space.config_key(svm) != k
    assert space.config_key({**svm, "svm.C": 3}) == space.config_key(svm)
