"""The shared input rules: the order in which a log's problems are reported, dates, weights, warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pyclv import _validation as v
from pyclv.exceptions import DataValidationError, PyCLVWarning

COLUMNS = v.LogColumns("id", "when", "value")


def test_check_log_reports_the_first_problem_in_a_fixed_order() -> None:
    profile = v.LogProfile(
        10,
        missing_ids=v.BadRows(2, "1, 4"),
        unparseable_dates=v.BadRows(1),
        negative_amounts=v.BadRows(5),
    )
    with pytest.raises(DataValidationError, match=r"Column 'id' has 2 rows with a missing customer id \(rows 1, 4\)"):
        v.check_log(profile, COLUMNS)
    later = v.LogProfile(10, unparseable_dates=v.BadRows(1, "'x'"), negative_amounts=v.BadRows(5))
    with pytest.raises(DataValidationError, match="1 not readable as ISO 8601") as error:
        v.check_log(later, COLUMNS)
    assert (error.value.column, error.value.n_rows) == ("when", 1)
    with pytest.raises(DataValidationError, match="empty") as empty:
        v.check_log(v.LogProfile(0), COLUMNS)
    assert (empty.value.column, empty.value.n_rows) == ("id", 0)


def test_amount_rules_apply_only_with_an_amount_column() -> None:
    profile = v.LogProfile(3, negative_amounts=v.BadRows(3), first_day=1, last_day=9)
    assert v.check_log(profile, v.LogColumns("id", "when")) == (1, 9)
    with pytest.raises(DataValidationError, match="negative amounts"):
        v.check_log(profile, COLUMNS)


def test_observation_and_calibration_ends() -> None:
    first, last = v.to_day("2020-01-01", "x"), v.to_day("2020-01-31", "x")
    assert v.observation_end(first, last, None, "observation_period_end") == last
    assert v.observation_end(first, last, "2020-01-10T23:59", "observation_period_end") == first + 9
    with pytest.raises(DataValidationError, match="before the first transaction"):
        v.observation_end(first, last, "2019-12-31", "observation_period_end")
    assert v.calibration_end("2020-01-15", first, last) == first + 14
    with pytest.raises(DataValidationError, match="must be before observation_period_end 2020-01-31"):
        v.calibration_end("2020-01-31", first, last)
    with pytest.raises(DataValidationError, match="calibration period is empty"):
        v.calibration_end("2019-12-01", first, last)
    with pytest.raises(DataValidationError, match="is not a date") as error:
        v.to_day("the first of May", "calibration_period_end")
    assert error.value.column == "calibration_period_end"


def test_time_zone_aware_dates_count_on_their_local_day() -> None:
    late_evening = pd.Timestamp("2020-01-01 23:30", tz="America/New_York")  # already 2 January in UTC
    assert v.day_str(v.to_day(late_evening, "end")) == "2020-01-01"


def test_warnings_point_at_the_first_caller_outside_pyclv() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        v.warn_new_in_holdout(3, v.to_day("2020-01-15", "x"))
    assert caught[0].category is PyCLVWarning and caught[0].filename == __file__
    assert "3 customer(s) made their first purchase in the holdout period" in str(caught[0].message)


def test_weights_are_checked_and_aligned() -> None:
    data = pd.DataFrame({"n": [1.0, 2.0, 3.0]}, index=pd.Index(["a", "b", "c"], name="customer_id"))
    np.testing.assert_array_equal(v.resolve_weights(data, None), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(v.resolve_weights(data, "n"), [1.0, 2.0, 3.0])
    shuffled = pd.Series([3.0, 1.0, 2.0], index=["c", "a", "b"])
    np.testing.assert_array_equal(v.resolve_weights(data, shuffled), [1.0, 2.0, 3.0])
    with pytest.raises(DataValidationError, match="names no column"):
        v.resolve_weights(data, "m")
    with pytest.raises(DataValidationError, match="2 values for 3 rows"):
        v.resolve_weights(data, [1.0, 2.0])
    with pytest.raises(DataValidationError, match="1 weight") as error:
        v.resolve_weights(data, [1.0, -2.0, 3.0])
    assert error.value.n_rows == 1


def test_messages_show_at_most_three_examples() -> None:
    labels = pd.Index([10, 20, 30, 40])
    mask = np.array([True, True, True, True])
    assert v.examples(labels, mask, np.array([1.5, 2.5, 3.5, 4.5])) == "10 (1.5), 20 (2.5), 30 (3.5), ..."
    assert v.listed(["a", "b"], 2) == "'a', 'b'" and v.listed(["a"], 5) == "'a', ..."
    assert v.rows(1) == "1 row" and v.rows(1234) == "1,234 rows"
