"""The tuning cycle: data in, held-out test split, validation scheme, model, final test.

This layer sits above the engine and uses it as any client would; scikit-learn and pandas are
imported at module level here, so ``import tunecycle`` never imports this package.
"""
