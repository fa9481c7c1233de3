"""The one shape in which every model hands out its customers' validated data: :class:`History`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pyclv._arrays import unique_rows

__all__ = ["History"]


@dataclass(frozen=True)
class History:
    """Customers' validated data as a model reads it: the index and one float array per named column.

    ``names`` are the model's columns in the order its functions take them: ``("frequency", "recency", "T")``
    for the continuous-time transaction models, ``("frequency", "recency", "n_periods")`` for BG/BB,
    ``("frequency", "monetary_value")`` for Gamma-Gamma, ``("periods", "churned")`` for sBG.

    Attributes
    ----------
    index : pandas.Index
        The customers (the data's index), one per row of the arrays.
    names : tuple of str
        Column names, in order.
    values : tuple of numpy.ndarray
        One 1-d array per name, all of the same length.
    """

    index: pd.Index
    names: tuple[str, ...]
    values: tuple[np.ndarray, ...]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[self.names.index(name)]

    def __len__(self) -> int:
        return len(self.values[0]) if self.values else 0

    def take(self, rows: np.ndarray | slice) -> History:
        """The history of some of the customers.

        Parameters
        ----------
        rows : numpy.ndarray or slice
            Positions (or a boolean mask) of the rows to keep.

        Returns
        -------
        History
        """
        return History(self.index[rows], self.names, tuple(v[rows] for v in self.values))

    def distinct(self) -> tuple[History, np.ndarray]:
        """The distinct rows and, for each customer, the position of its row among them.

        Costly predictions depend on a customer only through its row, so they are computed per distinct row.

        Returns
        -------
        tuple
            A History of the distinct rows (indexed 0..m-1) and the inverse positions.
        """
        distinct, inverse = unique_rows(self.values)
        return History(pd.RangeIndex(len(distinct[0])), self.names, distinct), inverse
