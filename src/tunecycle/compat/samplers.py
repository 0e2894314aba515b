"""Optuna's sampler names that tunecycle's engine does not have natively, and Optuna's
constructor arguments for the ones it has.

- ``BaseSampler``: subclass it and write Optuna's methods (``infer_relative_search_space``,
  ``sample_relative``, ``sample_independent``, optionally ``before_trial``, ``after_trial``);
  the class adapts them onto tunecycle's ``Sampler`` contract, so such a sampler (Optuna's
  tutorial ones, say) runs as the sampler of a tunecycle study.  The study hands itself to the
  sampler through ``Sampler.attach`` when it is made, and reports each ended trial through
  ``Sampler.trial_ended`` (which calls ``after_trial``).
- ``PartialFixedSampler(fixed_params, base_sampler)``: some parameters fixed, the rest from the
  base sampler.
- ``BruteForceSampler(seed=None, avoid_premature_stop=False)``: every combination of a
  discrete space, define-by-run branches included, in a seeded random order; the study ends
  when none is left.
- ``optuna_options(owner, given, rules)``: turns the Optuna keyword arguments a built-in
  sampler's constructor received into its native options; an argument with no meaning here is
  either accepted with one warning or refused with a ``UserError`` that names it
  (``TPE_ARGS`` and the other tables say which, per argument).

This module is low-level: it imports the engine below the samplers only (protocols, records,
space, errors), so the built-in samplers import it for their argument tables.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tunecycle.errors import UserError
from tunecycle.protocols import History, Sampler, TrialContext
from tunecycle.records import FrozenTrial, TrialState
from tunecycle.space import Categorical, Float, Int, Param, ParamValue, Space

# -- Optuna's constructor arguments ---------------------------------------------------------

_WARNED: set[tuple[str, str]] = set()


def warn_once(owner: str, key: str, message: str) -> None:
    """One ``UserWarning`` per (sampler class, argument) in a process."""
    if (owner, key) in _WARNED:
        return
    _WARNED.add((owner, key))
    warnings.warn(f"{owner}: {message}", UserWarning, stacklevel=4)


@dataclass(frozen=True)
class Rule:
    """What one Optuna argument does here.

    ``to``: the native option it sets (``convert`` applied to the value first);
    ``honoured``: values that mean what tunecycle does anyway (accepted silently);
    ``note``: said once in a warning when another value is given (the value is then ignored),
    or, with ``refuse``, the reason in the ``UserError``.
    """

    to: str | None = None
    convert: Callable[[Any], Any] | None = None
    honoured: tuple[Any, ...] = ()
    note: str = ""
    refuse: bool = False


def optuna_options(owner: str, given: Mapping[str, Any], rules: Mapping[str, Rule]) -> dict:
    """The native options (and ``constraints_func``) that Optuna's arguments ``given`` set."""
    out: dict[str, Any] = {}
    for key, value in given.items():
        rule = rules.get(key)
        if rule is None:
            known = ", ".join(sorted(rules))
            raise UserError(
                f"{owner}: unexpected argument {key!r} (Optuna's arguments accepted here: {known})"
            )
        if rule.to is not None:
            out[rule.to] = rule.convert(value) if rule.convert is not None else value
            continue
        if value is None or any(value is h or value == h for h in rule.honoured):
            continue
        if rule.refuse:
            raise UserError(f"{owner}: {key}={value!r} is not supported: {rule.note}")
        warn_once(owner, key, f"{key}={value!r} is ignored: {rule.note}")
    if (
        "constraints_func" in out
        and out["constraints_func"] is not None
        and not callable(out["constraints_func"])
    ):
        raise UserError(
            f"{owner}: constraints_func must be callable, got {out['constraints_func']!r}"
        )
    return out


def _int_at_least(low: int, name: str) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise UserError(f"{name}: must be an integer >= {low}, got {value!r}")
        return value

    return check


def _sampler(name: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is not None and not isinstance(value, Sampler):
            raise UserError(f"{name}: must be a sampler, got {value!r}")
        return value

    return check


def _restart(value: Any) -> Any:
    if value not in (None, "ipop"):
        raise UserError(
            f"CmaEsSampler: restart_strategy={value!r} is not supported: "
            "tunecycle's CMA-ES restarts by IPOP ('ipop') or not at all (None)"
        )
    return value


_QUIET = Rule(honoured=(True, False), note="")  # warnings about warnings: nothing to do
_CONSTRAINTS = Rule(to="constraints_func")

TPE_ARGS: dict[str, Rule] = {
    "n_startup_trials": Rule(to="n_startup", convert=_int_at_least(0, "n_startup_trials")),
    "n_ei_candidates": Rule(to="n_candidates", convert=_int_at_least(1, "n_ei_candidates")),
    "constraints_func": _CONSTRAINTS,
    "multivariate": Rule(
        honoured=(True,),
        note="tunecycle's TPE draws its candidates jointly (with several objectives it "
        "scores them per parameter, TPESampler(mo_model=...))",
    ),
    "group": Rule(
        honoured=(True,),
        note="tunecycle's TPE always models each conditional "
        "sub-space on its own (Optuna's group=True)",
    ),
    "constant_liar": Rule(
        honoured=(True,),
        note="tunecycle's TPE always counts running trials as bad ones (a constant liar)",
    ),
    "consider_prior": Rule(
        honoured=(True,),
        note="tunecycle's TPE always has a prior component (its weight is prior_weight)",
    ),
    "consider_magic_clip": Rule(note="tunecycle's TPE sets its kernel widths by its own rule"),
    "consider_endpoints": Rule(note="tunecycle's TPE sets its kernel widths by its own rule"),
    "weights": Rule(note="tunecycle's TPE weighs the bad group by recency on its own ramp"),
    "warn_independent_sampling": _QUIET,
}

GP_ARGS: dict[str, Rule] = {
    "n_startup_trials": Rule(to="n_startup", convert=_int_at_least(0, "n_startup_trials")),
    "constraints_func": _CONSTRAINTS,
    "independent_sampler": Rule(to="independent_sampler", convert=_sampler("independent_sampler")),
    "deterministic_objective": Rule(to="noisy", convert=lambda v: not bool(v)),
    "warn_independent_sampling": _QUIET,
}

QMC_ARGS: dict[str, Rule] = {
    "independent_sampler": Rule(to="independent_sampler", convert=_sampler("independent_sampler")),
    "warn_asynchronous_seeding": _QUIET,
    "warn_independent_sampling": _QUIET,
}

NSGA_ARGS: dict[str, Rule] = {
    "swapping_prob": Rule(to="swap_prob"),
    "constraints_func": _CONSTRAINTS,
    "mutation": Rule(
        refuse=True,
        note="tunecycle's NSGA-II mutates with its own polynomial "
        "mutation (set mutation_prob); leave mutation out",
    ),
    "crossover": Rule(
        refuse=True,
        note="tunecycle's NSGA-II crosses numeric parameters by "
        "SBX and categorical ones uniformly (set crossover_prob, swapping_prob); "
        "leave crossover out",
    ),
    "elite_population_selection_strategy": Rule(
        refuse=True, note="custom strategies are not supported; leave the argument out"
    ),
    "child_generation_strategy": Rule(
        refuse=True, note="custom strategies are not supported; leave the argument out"
    ),
    "after_trial_strategy": Rule(
        refuse=True, note="custom strategies are not supported; leave the argument out"
    ),
}

CMAES_ARGS: dict[str, Rule] = {
    "n_startup_trials": Rule(to="n_startup", convert=_int_at_least(0, "n_startup_trials")),
    "independent_sampler": Rule(to="fallback", convert=_sampler("independent_sampler")),
    "restart_strategy": Rule(to="restart", convert=lambda v: _restart(v)),
    "x0": Rule(to="x0"),
    "source_trials": Rule(to="source_trials"),
    "warn_independent_sampling": _QUIET,
    "consider_pruned_trials": Rule(
        honoured=(True,),
        note="tunecycle's CMA-ES always counts pruned trials, ranked below every complete one",
    ),
    "inc_popsize": Rule(
        honoured=(-1, 2),
        refuse=True,
        note="IPOP doubles the population at each restart here (inc_popsize=2)",
    ),
    "use_separable_cma": Rule(
        honoured=(False,), note="tunecycle's CMA-ES adapts the full covariance matrix"
    ),
    "with_margin": Rule(honoured=(True, False), note=""),  # discrete dims always keep a margin
    "lr_adapt": Rule(honoured=(False,), note="tunecycle's CMA-ES uses fixed learning rates"),
}


# -- user-written samplers in Optuna's protocol ----------------------------------------------


class BaseSampler(Sampler):
    """Base class of a sampler written in Optuna's protocol.

    Write ``sample_independent(study, trial, name, distribution)`` and, for joint proposals,
    ``infer_relative_search_space(study, trial)`` and ``sample_relative(study, trial, space)``
    (``trial`` is a ``FrozenTrial`` of the running trial, ``study`` the tunecycle ``Study``);
    ``before_trial`` and ``after_trial`` are called as in Optuna.  Each trial's relative space
    is inferred and sampled once, when its first parameter is asked for (or its declared space
    is proposed); a parameter whose distribution is not in that space is sampled independently.
    """

    name = "custom"
    multi_objective = True  # the user's sampler decides what it reads
    noisy = True  # its proposals are its own: the study never replaces a repeated one
    seed: int | None = None  # subclasses seldom call __init__

    # -- Optuna's protocol: what a subclass writes -----------------------------------------
    def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Param]:
        return {}

    def sample_relative(
        self, study: Any, trial: Any, search_space: Mapping[str, Param]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self, study: Any, trial: Any, param_name: str, param_distribution: Param
    ) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} must implement sample_independent(study, trial, "
            "param_name, param_distribution)"
        )

    # -- the tunecycle contract, written over it -------------------------------------------
    def attach(self, study: Any) -> None:
        self.__dict__["_tc_study"] = study

    def _study(self) -> Any:
        study = self.__dict__.get("_tc_study")
        if study is None:
            raise UserError(
                f"{type(self).__name__}: this sampler reads its study; use it "
                "through create_study(sampler=...) or load_study(sampler=...)"
            )
        return study

    def joint_space(self, history: History) -> Space | None:
        return None  # every parameter goes through propose_param, where Optuna's flow runs

    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        out = []
        for ctx in contexts:
            params: dict[str, ParamValue] = {}
            for dim in space.dims:
                if space.is_active(dim, params):
                    params[dim.name] = self._value(dim.name, dim.param, ctx.number, params)
            out.append(params)
        return out

    def propose_param(
        self, name: str, param: Param, history: History, context: TrialContext
    ) -> ParamValue:
        return self._value(name, param, context.number, None)

    def trial_ended(self, trial: FrozenTrial) -> None:
        self.__dict__.setdefault("_tc_relative", {}).pop(trial.number, None)
        self.__dict__.setdefault("_tc_begun", set()).discard(trial.number)
        self.after_trial(self._study(), trial, trial.state, trial.values)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seed": self.seed,
            "noisy": self.noisy,
            "class": type(self).__qualname__,
        }

    # -- helpers -------------------------------------------------------------------------
    def _value(
        self, name: str, param: Param, number: int, so_far: Mapping[str, ParamValue] | None
    ) -> ParamValue:
        study = self._study()
        space, values = self._relative(study, number)
        rel = space.get(name)
        if name in values and rel is not None and _same(rel, param):
            return param.normalize(values[name])
        trial = self._frozen(study, number, so_far)
        return param.normalize(self.sample_independent(study, trial, name, param))

    def _relative(self, study: Any, number: int) -> tuple[dict[str, Param], dict[str, Any]]:
        cache = self.__dict__.setdefault("_tc_relative", {})
        if number not in cache:
            begun = self.__dict__.setdefault("_tc_begun", set())
            trial = self._frozen(study, number, None)
            if number not in begun:
                begun.add(number)
                self.before_trial(study, trial)
            space = dict(self.infer_relative_search_space(study, trial) or {})
            values = dict(self.sample_relative(study, trial, space) or {}) if space else {}
            cache[number] = (space, values)
        return cache[number]

    @staticmethod
    def _frozen(study: Any, number: int, so_far: Mapping[str, ParamValue] | None) -> FrozenTrial:
        """The running trial ``number`` as a frozen record, with the params it has so far."""
        for live in list(getattr(study, "_live", {}).values()):
            if live.number == number:
                params = dict(live.params)
                if so_far:
                    params.update(so_far)
                return FrozenTrial(
                    live.trial_id,
                    number,
                    TrialState.RUNNING,
                    params=params,
                    distributions=dict(live.distributions),
                    intermediate=dict(live.intermediate),
                    user_attrs=dict(live.user_attrs),
                )
        for t in study.trials:
            if t.number == number:
                return t
        return FrozenTrial(-1, number, TrialState.RUNNING, params=dict(so_far or {}))


def _same(a: Param, b: Param) -> bool:
    return a.to_dict() == b.to_dict()


class PartialFixedSampler(Sampler):
    """Optuna's ``PartialFixedSampler``: the parameters in ``fixed_params`` take their fixed
    value, the others come from ``base_sampler``.  A fixed value outside the distribution the
    objective suggests is used all the same, with a warning (as in Optuna)."""

    name = "partial_fixed"

    def __init__(self, fixed_params: Mapping[str, Any], base_sampler: Sampler):
        if not isinstance(fixed_params, Mapping):
            raise UserError(
                f"PartialFixedSampler: fixed_params must be a mapping of name -> "
                f"value, got {fixed_params!r}"
            )
        if not isinstance(base_sampler, Sampler):
            raise UserError(
                f"PartialFixedSampler: base_sampler must be a sampler, got {base_sampler!r}"
            )
        self.fixed_params = dict(fixed_params)
        self.base_sampler = base_sampler
        self.multi_objective = base_sampler.multi_objective
        self.noisy = base_sampler.noisy

    @property  # type: ignore[override]
    def seed(self) -> int | None:
        return self.base_sampler.seed

    @seed.setter
    def seed(self, value: int | None) -> None:
        self.base_sampler.seed = value

    @property  # type: ignore[override]
    def constraints_func(self) -> Any:
        return self.base_sampler.constraints_func

    def attach(self, study: Any) -> None:
        self.base_sampler.attach(study)

    def trial_ended(self, trial: FrozenTrial) -> None:
        self.base_sampler.trial_ended(trial)

    def _free(self, space: Space | None) -> Space | None:
        if space is None:
            return None
        rest = {k: v for k, v in space.to_dict().items() if k not in self.fixed_params}
        return Space(rest) if rest else None

    def joint_space(self, history: History) -> Space | None:
        return self._free(self.base_sampler.joint_space(history))

    def exhausted(self, space: Space | None, history: History) -> bool:
        return self.base_sampler.exhausted(self._free(space), history)

    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        free = self._free(space)
        rest = (
            self.base_sampler.propose(free, history, contexts)
            if free is not None
            else [{} for _ in contexts]
        )
        out = []
        for other in rest:
            params: dict[str, ParamValue] = {}
            for dim in space.dims:
                if dim.name in self.fixed_params:
                    params[dim.name] = self.fixed_params[dim.name]
                elif dim.name in other:
                    params[dim.name] = other[dim.name]
            out.append(params)
        return out

    def propose_param(
        self, name: str, param: Param, history: History, context: TrialContext
    ) -> ParamValue:
        if name not in self.fixed_params:
            return self.base_sampler.propose_param(name, param, history, context)
        value = self.fixed_params[name]
        if param.contains(value):
            return param.normalize(value)
        warn_once(
            "PartialFixedSampler",
            name,
            f"the fixed value {value!r} of {name!r} is "
            f"outside {param.to_dict()}; it is used all the same",
        )
        return value

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seed": self.seed,
            "noisy": self.noisy,
            "fixed_params": self.fixed_params,
            "base_sampler": self.base_sampler.describe(),
        }


# -- brute force ----------------------------------------------------------------------------


class _Node:
    """A node of the tree of configurations tried: the parameter decided here and, per value
    (by its JSON-safe key), the node after it; ``ended`` when a trial ended with no more."""

    __slots__ = ("children", "ended", "param")

    def __init__(self) -> None:
        self.param: Param | None = None
        self.children: dict[Any, _Node] = {}
        self.ended = False

    def add(self, path: Sequence[tuple[Param, ParamValue]]) -> None:
        node = self
        for param, value in path:
            if node.param is None:
                node.param = param
            node = node.children.setdefault(_value_key(value), _Node())
        node.ended = True

    def exhausted(self) -> bool:
        if self.ended and not self.children:
            return True
        if self.param is None:
            return self.ended
        values = _values(self.param)
        return all(
            (c := self.children.get(_value_key(v))) is not None and c.exhausted() for v in values
        )


def _value_key(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return (type(value).__name__, value) if isinstance(value, bool) else value


def _values(param: Param) -> list[ParamValue]:
    if isinstance(param, Categorical):
        return list(param.choices)
    if isinstance(param, (Int, Float)) and param.is_discrete:
        return list(param.grid())
    raise UserError(
        f"BruteForceSampler: parameter {param.name!r} is continuous "
        f"({param.to_dict()}); brute force needs a step or a finite set of values"
    )


class BruteForceSampler(Sampler):
    """Optuna's ``BruteForceSampler``: tries every combination of a discrete space once, in a
    seeded random order, branches of a define-by-run objective included (each trial's path of
    parameters is a branch of a tree; a value is chosen among those whose subtree still has
    untried combinations).  The study's optimize ends when every combination has been tried:
    by running or finished trials, or, with ``avoid_premature_stop=True``, by finished ones."""

    name = "brute_force"
    multi_objective = True  # it never reads the values

    def __init__(self, seed: int | None = None, avoid_premature_stop: bool = False):
        super().__init__(seed)
        self.avoid_premature_stop = bool(avoid_premature_stop)
        self._chosen: dict[int, list[tuple[str, ParamValue]]] = {}

    def _tree(self, history: History, exclude: int | None, finished_only: bool) -> _Node:
        root = _Node()
        for t in history.trials:
            if t.number == exclude or t.state is TrialState.WAITING:
                continue
            if finished_only and t.state is TrialState.RUNNING:
                continue
            path = [(t.distributions[n], v) for n, v in t.params.items() if n in t.distributions]
            if path or t.state is not TrialState.RUNNING:
                root.add(path)
        return root

    def joint_space(self, history: History) -> Space | None:
        return None

    def exhausted(self, space: Space | None, history: History) -> bool:
        return self._tree(history, None, self.avoid_premature_stop).exhausted()

    def trial_ended(self, trial: FrozenTrial) -> None:
        self._chosen.pop(trial.number, None)

    def propose(
        self, space: Space, history: History, contexts: Sequence[TrialContext]
    ) -> list[dict[str, ParamValue]]:
        out = []
        for ctx in contexts:
            params: dict[str, ParamValue] = {}
            for dim in space.dims:
                if space.is_active(dim, params):
                    params[dim.name] = self.propose_param(dim.name, dim.param, history, ctx)
            out.append(params)
        return out

    def propose_param(
        self, name: str, param: Param, history: History, context: TrialContext
    ) -> ParamValue:
        values = _values(param)
        chosen = self._chosen.setdefault(context.number, [])
        node: _Node | None = self._tree(history, context.number, False)
        for _, v in chosen:
            node = node.children.get(_value_key(v)) if node is not None else None
        if node is None:
            free = values
        else:
            free = [
                v
                for v in values
                if (c := node.children.get(_value_key(v))) is None or not c.exhausted()
            ]
        pick = free or values
        value = pick[int(context.rng.integers(len(pick)))]
        chosen.append((name, value))
        return value

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "avoid_premature_stop": self.avoid_premature_stop}


__all__ = [
    "BaseSampler",
    "BruteForceSampler",
    "PartialFixedSampler",
    "Rule",
    "optuna_options",
]
