"""``tunecycle.errors``: a user mistake keeps the field at fault as data, through pickling."""

from __future__ import annotations

import pytest


def test_a_user_error_carries_its_field_as_data():
    import pickle

    from tunecycle.budget import parse_budget
    from tunecycle.errors import StorageURLError, UserError
    from tunecycle.storage.urls import parse_storage_url

    with pytest.raises(UserError) as caught:
        parse_budget("soon")
    exc = caught.value
    assert exc.field == "time_budget" and str(exc) == f"time_budget: {exc.problem}"
    assert exc.named("--time-budget") == f"--time-budget: {exc.problem}"
    with pytest.raises(StorageURLError) as caught:
        parse_storage_url("mysql://u@127.0.0.1/db")
    assert caught.value.field == "storage" and "not mysql" in caught.value.problem
    back = pickle.loads(pickle.dumps(caught.value))  # as a worker process sends it
    assert (str(back), back.field, back.problem) == (
        str(caught.value), "storage", caught.value.problem)
    plain = UserError("x: y")  # a whole message: no field recovered from the text
    assert (plain.field, plain.problem, str(plain), plain.named("z")) == (None, "x: y", "x: y",
                                                                          "x: y")
