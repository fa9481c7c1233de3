"""Malformed transaction files through ``pyclv fit``: each gets its exit code and one line that says what to do.

The table is the issue's list of what users' files really look like (empty and header-only files, renamed and
duplicated columns, other delimiters, non-UTF-8 bytes, currency strings, NaN, inf, negative amounts, day-first
dates, future dates, truncated Parquet). Valid oddities (zero amounts, ids that differ only by leading zeros,
64-bit ids) must fit. Each case runs the real command line in this process and reads what an operator reads.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pyclv.cli import EXIT_DATA, EXIT_IO, main

HEADER = "customer_id,date,amount\n"


def _rows(n_customers: int = 60, seed: int = 1) -> list[tuple[str, str, str]]:
    """A small log whose fit converges: customers with a few purchases each over 1997."""
    rng = np.random.default_rng(seed)
    rows = []
    for customer in range(1, n_customers + 1):
        first = rng.integers(0, 60)
        days = np.unique(np.r_[first, first + rng.integers(0, 300, rng.integers(0, 6))])
        rows += [(str(customer), str(datetime.date(1997, 1, 1) + datetime.timedelta(int(day))),
                  f"{rng.gamma(3.0, 10.0):.2f}") for day in days]
    return rows


def _csv(rows: list[tuple[str, str, str]], header: str = HEADER, sep: str = ",") -> str:
    return header.replace(",", sep) + "".join(sep.join(row) + "\n" for row in rows)


def _write_text(text: str | bytes) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / "tx.csv"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


def _edited(change: Callable[[list[tuple[str, str, str]]], list[tuple[str, str, str]]]) -> Callable[[Path], Path]:
    return _write_text(_csv(change(_rows())))


def _set(index: int, column: int, value: str) -> Callable[[list[tuple[str, str, str]]], list[tuple[str, str, str]]]:
    def change(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        row = list(rows[index])
        row[column] = value
        return rows[:index] + [(row[0], row[1], row[2])] + rows[index + 1 :]

    return change


def _truncated_parquet(folder: Path) -> Path:
    path = folder / "tx.parquet"
    frame = pd.DataFrame(_rows(), columns=["customer_id", "date", "amount"]).astype({"amount": float})
    frame.to_parquet(path, index=False)
    path.write_bytes(path.read_bytes()[:-200])
    return path


def _latin1(folder: Path) -> Path:
    text = _csv(_rows()).encode("utf-8")
    return _write_text(text[: len(text) - 40] + "Café".encode("latin-1") + text[len(text) - 40 :])(folder)


FUTURE = str(datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=30))
#: A log's rows after the observation end are left out with a warning (a nightly job scores as of yesterday);
#: an end after today is refused, and so is a log dated after today without an end (tests/engines/test_dates.py).

#: name: (writes the file, the exit code, words of the one line on stderr).
CASES: dict[str, tuple[Callable[[Path], Path], int, str]] = {
    "empty-file": (_write_text(""), EXIT_DATA, "is empty (0 bytes)"),
    "header-only": (_write_text(HEADER), EXIT_DATA, "transactions is empty"),
    "renamed-column": (_write_text(_csv(_rows(), "customer,date,amount\n")), EXIT_DATA, "pass --customer-col"),
    "duplicated-column": (_write_text(_csv([(*r, r[2]) for r in _rows()], HEADER[:-1] + ",amount\n")),  # type: ignore[misc]
                          EXIT_DATA, "several columns named 'amount'"),
    "semicolons-and-decimal-commas": (
        _write_text(_csv([(a, b, c.replace(".", ",")) for a, b, c in _rows()], sep=";")),
        EXIT_DATA,
        "that are not numbers",
    ),
    "latin-1-bytes": (_latin1, EXIT_DATA, "is not UTF-8 text"),
    "currency-strings": (_edited(_set(3, 2, "$12.00")), EXIT_DATA, "'$12.00'"),
    "nan-text-amount": (_edited(_set(3, 2, "NaN")), EXIT_DATA, "1 row that is not a number (e.g. 'NaN')"),
    "missing-amount": (_edited(_set(3, 2, "")), EXIT_DATA, "1 row with missing (NaN) amounts"),
    "thousands-separator": (_edited(_set(3, 2, "1_000")), EXIT_DATA, "(e.g. '1_000')"),
    "infinite-amount": (_edited(_set(3, 2, "inf")), EXIT_DATA, "infinite amounts"),
    "negative-amount": (_edited(_set(3, 2, "-5.00")), EXIT_DATA, "negative amounts"),
    "absurd-amount": (_edited(_set(3, 2, "1e308")), EXIT_DATA, "No purchase is that large"),
    "day-first-dates": (_edited(lambda rows: [(a, f"{b[8:]}/{b[5:7]}/{b[:4]}", c) for a, b, c in rows]), EXIT_DATA,
                        "pass --dayfirst (day first) or --monthfirst"),
    "missing-date": (_edited(_set(5, 1, "")), EXIT_DATA, "1 missing"),
    "future-end": (_edited(_set(5, 1, FUTURE)), EXIT_DATA, "is after today"),
    "truncated-parquet": (_truncated_parquet, EXIT_IO, "may be corrupt, truncated"),
}


def _fit(path: Path, folder: Path, *extra: str, end: str | None = "1997-12-31") -> list[str]:
    args = ["fit", str(path), "--out", str(folder / "model.json"), *extra]
    if end is not None:
        args += ["--observation-end", end]
    return args


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_malformed_log_gets_its_exit_code_and_one_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write, code, words = CASES[case]
    path = write(tmp_path)
    end = FUTURE if case == "future-end" else "1997-12-31"
    assert main(_fit(path, tmp_path, end=end)) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert words in err[0]
    assert not (tmp_path / "model.json").exists()


@pytest.mark.parametrize(
    "change",
    [
        _set(3, 2, "0.00"),  # a free sample is a purchase
        lambda rows: rows + [("007", rows[0][1], "5.00"), ("7", rows[1][1], "6.00")],  # two customers
        lambda rows: [(str(2**63 + int(a)), b, c) for a, b, c in rows],  # 64-bit ids
    ],
    ids=["zero-amount", "leading-zeros", "64-bit-ids"],
)
def test_valid_oddities_fit(
    change: Callable[[list[tuple[str, str, str]]], list[tuple[str, str, str]]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _edited(change)(tmp_path)
    assert main(_fit(path, tmp_path)) == 0, capsys.readouterr().err
    assert (tmp_path / "model.json").exists()


def test_the_end_date_follows_the_date_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `--observation-end 01/02/1998` was read as 2 January and exited 0; now it is refused, or read as asked
    day_first = _edited(lambda rows: [(a, f"{b[8:]}/{b[5:7]}/{b[:4]}", c) for a, b, c in rows])(tmp_path)
    assert main(_fit(day_first, tmp_path, "--dayfirst", end="01/02/1998")) == 0
    iso = _write_text(_csv(_rows()))(tmp_path)
    assert main(_fit(iso, tmp_path, end="01/02/1998")) == EXIT_DATA
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("pyclv: ") and "--observation-end '01/02/1998' is not a date" in err[-1]
