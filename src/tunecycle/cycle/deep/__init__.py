"""Deep-learning model families of the tuning cycle (PyTorch): ``mlp``, ``cnn``, ``rnn``,
``transformer``.

They are ordinary cycle families (:data:`tunecycle.cycle.families.FAMILIES`), so
``tc.tune("sklearn:digits", model="cnn")`` and ``models: [cnn]`` in a ``tunecycle run`` config
work like ``svm`` does; their estimators follow the scikit-learn contract (``fit``,
``predict``, ``predict_proba``, ``get_params``), so refitting, testing, ensembles and saving
are the cycle's own.

| module | holds | needs torch |
|---|---|---|
| ``spaces`` | the default spaces, defaults, the reasons for each range, and the checks of a configuration that run before any training | no |
| ``netconfig`` | ``NetConfig`` and ``resolve``: a trial's params as a checked configuration | no |
| ``nets`` | the ``torch.nn`` networks built from a configuration, and image augmentation | yes |
| ``estimator`` | ``NetClassifier`` / ``NetRegressor``: ``fit`` (building the network, transfer learning), pickling and the code-free saved form, checkpoints | yes |
| ``training`` | ``NetTraining``, the estimators' base: the training loop (optimisers, losses, L1, schedules, early stopping, per-epoch monitoring, mixed precision) and the batched forward pass | yes |
| ``device`` | ``pick_device``: ``"auto"``, ``$TUNECYCLE_DEVICE``, forked workers and CUDA | yes |
| ``shapes`` | the input shape of a network from the data's width | no |

Importing this package (or ``spaces``) does not import torch; ``pip install 'tunecycle[torch]'``
is needed only to build or load a network.
"""
