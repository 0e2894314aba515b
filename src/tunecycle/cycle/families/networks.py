"""The PyTorch network families ``mlp``, ``cnn``, ``rnn``, ``transformer`` as registry entries.

:class:`NetworkFamily` is a :class:`~tunecycle.cycle.families.base.Family` whose answers differ
from the default ones where a network trains by epochs:

- ``fit_fold``: the network is scored on the validation fold after every epoch with the
  study's metric; the first fold reports each value at its epoch (``fold.report``), so a
  pruner stops a trial by epochs; the estimator stops early on the same values and keeps the
  best epoch's weights; the fold records the epochs it needed (``epochs_needed``);
- ``refit``: trains for the mean of the folds' ``epochs_needed``, with no holdout left out;
- ``finish_space``: per-layer widths of an mlp, and transfer learning from a config:
  ``init_from`` (a saved network) brings its architecture and ``freeze`` ranges over its
  blocks; ``check_data``: the saved network takes the data's rows (after preprocessing);
- ``for_data``: images or sequences flattened into rows keep their sample shape;
- ``save_files`` / ``load_files``: the code-free copy (JSON and a weights-only state dict).

The spaces and checks come from :mod:`tunecycle.cycle.deep.spaces` (no torch); torch and
:mod:`tunecycle.cycle.deep.estimator` load only when a network is built, fitted, saved or
read, or a checkpoint is looked at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from tunecycle.cycle.deep import spaces as net_spaces
from tunecycle.cycle.families.base import Family, Fold, FoldFit, fit_part
from tunecycle.cycle.persist import training_columns
from tunecycle.errors import UserError
from tunecycle.space import Categorical, Int, Param

if TYPE_CHECKING:
    from tunecycle.cycle.data.dataset import Dataset
    from tunecycle.cycle.persist import SavedFiles

#: the trial attribute that holds, per validation fold, the epochs a network needed
EPOCHS_ATTR = "epochs_needed"


def _build_network(params: Mapping[str, Any], seed: int, task: str, *,
                   proba: bool = False) -> Any:  # pragma: no cover - NetworkFamily.build
    raise NotImplementedError("a network family builds through NetworkFamily.build")


@dataclass(frozen=True, kw_only=True)
class NetworkFamily(Family):
    """A PyTorch network family (see the module docstring)."""

    kind: str = "network"
    builder: Any = _build_network
    code_free: ClassVar[bool] = True

    # -- the space --------------------------------------------------------------------------

    def check_override(self, key: str, param: Param) -> str | None:
        return net_spaces.check_override(key, param)

    def check_value(self, task: str, key: str, value: Any) -> None:
        """Values are checked by :meth:`check_override` (the network's own limits)."""

    def finish_space(self, space: dict[str, Param], overrides: Mapping[str, Any], task: str
                     ) -> dict[str, Param]:
        return _transfer(self.name, net_spaces.finish_space(self.name, space, overrides),
                         overrides, task)

    # -- building and fitting ---------------------------------------------------------------

    def build(self, params: Mapping[str, Any], seed: int, task: str, *,
              proba: bool = False) -> Any:
        """The estimator (checked now: a bad param fails before any training); torch loads
        here."""
        from tunecycle.cycle.deep.estimator import build_network_estimator

        return build_network_estimator(self.name, params, int(seed), task)

    def for_data(self, estimator: Any, sample_shape: tuple[int, ...] | None) -> Any:
        if sample_shape is not None:  # images or sequences flattened into rows
            estimator.set_params(input_shape=sample_shape)
        return estimator

    def check_data(self, space: Mapping[str, Param], data: Dataset) -> None:
        """A network that starts from a saved one (``init_from``) must take this data's rows
        as its preprocessing gives them."""
        param = space.get("init_from")
        if not isinstance(param, Categorical):
            return
        from tunecycle.cycle.deep.estimator import check_checkpoint_input
        from tunecycle.cycle.preprocess import make_preprocessor

        width = make_preprocessor(data.X, scale=self.needs_scaling).fit_transform(
            data.X).shape[1]
        try:
            check_checkpoint_input(param.choices[0], self.name, data.task, width,
                                   data.sample_shape)
        except UserError as exc:
            raise UserError(f"model family {self.name!r}, parameter 'init_from': "
                            f"{str(exc).removeprefix('init_from: ')}") from None

    def fit_fold(self, model: Any, fold: Fold) -> FoldFit:
        model.set_params(model__monitor=_epoch_monitor(model, fold))
        fitted = fit_part(model, fold.train)
        return FoldFit(fitted, {EPOCHS_ATTR: int(fitted[-1].best_epoch_) + 1})

    def refit(self, model: Any, data: Dataset, trial_attrs: Mapping[str, Any]) -> Any:
        epochs = trial_attrs.get(EPOCHS_ATTR)
        if epochs:
            net = model[-1]
            n = max(1, round(sum(epochs) / len(epochs)))
            net.set_params(params={**(net.params or {}), "epochs": n}, validation_fraction=0.0)
        return fit_part(model, data)

    # -- saving -----------------------------------------------------------------------------

    def save_files(self, model: Any, files: SavedFiles) -> None:
        from tunecycle.cycle.deep.estimator import _NetEstimator, write_network

        final = model.steps[-1][1] if hasattr(model, "steps") else model
        if isinstance(final, _NetEstimator):
            write_network(final, files, columns=training_columns(model))

    def load_files(self, files: SavedFiles, doc: dict[str, Any]) -> Any:
        from tunecycle.cycle.deep.estimator import read_network

        return read_network(files, doc)


def _epoch_monitor(model: Any, fold: Fold):
    """The per-epoch validation of a network: score ``model`` (being fitted; its
    preprocessing is already fitted) on the fold, report it at the epoch when the fold
    reports, and give the estimator the value to maximise."""
    sign = 1.0 if fold.maximize else -1.0

    def monitor(estimator: Any, epoch: int) -> float:
        score = fold.score(model)
        if fold.report is not None:
            fold.report(epoch, score)
        return sign * score

    return monitor


def _transfer(family: str, space: dict[str, Param], overrides: Mapping[str, Any],
              task: str) -> dict[str, Param]:
    """``init_from`` (one path to a saved network) brings the architecture: the family's
    architecture parameters leave the space and ``freeze`` ranges over the saved network's
    blocks unless it is given."""
    refuse = net_spaces.refuse
    if "init_from" not in space:
        if "freeze" in space:
            raise refuse(family, "freeze", "keeps blocks of a saved network fixed; give the "
                         "network with init_from too")
        return space
    param = space["init_from"]
    if not (isinstance(param, Categorical) and len(param.choices) == 1
            and isinstance(param.choices[0], str) and param.choices[0].strip()):
        raise refuse(family, "init_from", "give one path to a network saved by tunecycle "
                     f"(an output dir, its model.joblib, or a network's save()), got "
                     f"{overrides.get('init_from')!r}")
    arch = net_spaces.arch_params(family)
    fixed = sorted(k for k in overrides if k in arch)
    if fixed:
        raise refuse(family, fixed[0], "the architecture comes from the network in init_from; "
                     "leave it out")
    from tunecycle.cycle.deep.estimator import checkpoint_blocks  # torch, for a checkpoint only

    try:
        n_blocks = checkpoint_blocks(param.choices[0], family, task)
    except UserError as exc:
        raise refuse(family, "init_from", str(exc).removeprefix("init_from: ")) from None
    out = {k: v for k, v in space.items() if k not in arch}
    if "freeze" not in overrides:
        out["freeze"] = Int(0, n_blocks)
    elif "freeze" in out and net_spaces.largest(out["freeze"], 0) > n_blocks:
        raise refuse(family, "freeze", f"the network in init_from has {n_blocks} blocks; "
                     f"freeze goes up to {net_spaces.largest(out['freeze'], 0)}")
    return out


#: the built-in network families, in the order they are registered
BUILTIN: tuple[NetworkFamily, ...] = tuple(
    NetworkFamily(**spec) for spec in net_spaces.family_specs().values())
