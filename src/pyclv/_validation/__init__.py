"""Every rule about input data and every message about it, written once.

Engines (:mod:`pyclv.engines`) compute; this module checks what they computed and words the errors, so
that pandas, DuckDB (and any later engine) accept and refuse the same inputs with the same messages. A
message names the column, counts the bad rows, shows up to :data:`N_EXAMPLES` examples and says what to do;
the error carries the column (``.column``) and the count (``.n_rows``).

Three kinds of input are checked here:

- a transaction log, through the :class:`LogProfile` an engine computes (:func:`check_log`), plus the errors
  an engine meets while reading a column's type (:func:`numbers_not_dates`, :func:`not_amounts`, ...);
- the dates that bound the periods (:func:`to_day`, :func:`observation_end`, :func:`calibration_end`);
- a per-customer summary handed to a model (:func:`validate_summary`) and fit weights
  (:func:`resolve_weights`).
"""

from pyclv._validation.dates import (
    DateLike,
    DateRule,
    calibration_end,
    day_str,
    future_dates,
    observation_end,
    to_day,
    today,
    warn_excluded_after_end,
    warn_incomplete_periods,
    warn_new_in_holdout,
)
from pyclv._validation.logs import (
    BadRows,
    LogColumns,
    LogProfile,
    check_log,
    dates_with_mixed_offsets,
    ids_not_comparable,
    mixed_id_types,
    no_transactions,
    not_a_dataframe,
    not_amounts,
    not_dates,
    numbers_not_dates,
    require_columns,
    require_log_columns,
    unreadable_dates,
)
from pyclv._validation.options import check_acquisition_cost, check_currency, check_margin
from pyclv._validation.summaries import (
    RECENCY_RTOL,
    Summary,
    float_column,
    reject,
    resolve_weights,
    validate_summary,
)
from pyclv._validation.wording import (
    N_EXAMPLES,
    argument,
    argument_names,
    distinct_values,
    examples,
    listed,
    rows,
    show,
    warn,
)

__all__ = [
    "N_EXAMPLES",
    "RECENCY_RTOL",
    "BadRows",
    "DateLike",
    "DateRule",
    "LogColumns",
    "LogProfile",
    "Summary",
    "argument",
    "argument_names",
    "calibration_end",
    "check_acquisition_cost",
    "check_currency",
    "check_log",
    "check_margin",
    "dates_with_mixed_offsets",
    "day_str",
    "distinct_values",
    "examples",
    "float_column",
    "future_dates",
    "ids_not_comparable",
    "listed",
    "mixed_id_types",
    "no_transactions",
    "not_a_dataframe",
    "not_amounts",
    "not_dates",
    "numbers_not_dates",
    "observation_end",
    "reject",
    "require_columns",
    "require_log_columns",
    "resolve_weights",
    "rows",
    "show",
    "to_day",
    "today",
    "unreadable_dates",
    "validate_summary",
    "warn",
    "warn_excluded_after_end",
    "warn_incomplete_periods",
    "warn_new_in_holdout",
]
