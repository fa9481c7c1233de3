"""What can go wrong when an engine reads transaction files, worded once for every engine.

A missing, empty, corrupt or unreadable file, text that is not UTF-8, files whose columns differ, a CSV file
whose header names a column twice: each is one line that names the path and says what to do, whichever engine
(DuckDB, Spark) met it. The command line maps an
:class:`OSError` to its I/O exit code and a :class:`~pyclv.exceptions.DataValidationError` to its data exit code.
"""

from __future__ import annotations

import glob
import gzip
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import duckdb

from pyclv import _validation as v
from pyclv._validation import LogColumns
from pyclv.exceptions import DataValidationError

__all__ = [
    "check_csv_headers",
    "check_exists",
    "different_columns",
    "duckdb_error",
    "first_line",
    "first_not_utf8",
    "is_url",
    "names_differ_in_case",
    "not_utf8",
    "reading",
    "unreadable",
    "wrong_type",
]

#: A URL scheme (``s3a://``, ``hdfs://``, ``dbfs:/``); two letters at least, so that ``C:/`` stays a local path.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")


def is_url(path: str) -> bool:
    """Whether ``path`` is a URL (``s3a://bucket/tx``, ``dbfs:/mnt/tx``) rather than a local path."""
    return _URL.match(path) is not None


def check_exists(path: str) -> list[str]:
    """Local files matching ``path`` (a glob), or [] for URLs; no match is a FileNotFoundError."""
    if is_url(path):
        return []
    matches = sorted(glob.glob(path, recursive=True)) if glob.has_magic(path) else [path]
    if not matches or not all(os.path.exists(match) for match in matches):
        raise FileNotFoundError(f"No transaction file matches {path!r}. Check the path or glob.")
    empty = [match for match in matches if os.path.isfile(match) and os.path.getsize(match) == 0]
    if empty:
        raise DataValidationError(
            f"{empty[0]} is empty (0 bytes){f', and {len(empty) - 1} more file(s)' if len(empty) > 1 else ''}: "
            f"there are no transactions to read. Check the export that wrote it."
        )
    return matches


def first_line(text: str) -> str:
    """The first line of a reader's message without a prefix such as ``Invalid Input Error:`` (300 characters)."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return re.sub(r"^[A-Za-z ]*Error: ", "", line)[:300]


def not_utf8(path: str, line: int | None) -> DataValidationError:
    """Text that is not UTF-8 (at ``line`` of the file, when known)."""
    where = f" (line {line:,})" if line is not None else ""
    return DataValidationError(
        f"{path}: the file is not UTF-8 text{where}. Re-encode it as UTF-8, e.g. iconv -f latin1 -t utf-8 "
        f"in.csv > out.csv, or write it as Parquet."
    )


def first_not_utf8(files: list[str]) -> DataValidationError | None:
    """The error for the first line of ``files`` that is not UTF-8, or None when all are UTF-8.

    Reads the files line by line until the first bad one (gzip files decompressed): only on the path of an error.
    """
    for file in files:
        opener = gzip.open if file.lower().endswith(".gz") else open
        with opener(file, "rb") as lines:
            for number, line in enumerate(lines, start=1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return not_utf8(file, number)
    return None


def different_columns(path: str, detail: str) -> DataValidationError:
    """Files of one glob whose columns (names or types) differ."""
    return DataValidationError(
        f"{path}: the files do not all have the same columns ({detail}). Give every file the same columns, or "
        f"summarise them separately."
    )


def check_csv_headers(path: str, headers: Mapping[str, Sequence[str]], columns: LogColumns) -> None:
    """Every CSV file of ``path`` has the log's columns, each once, and every column of the first file.

    A reader takes a glob's columns from its first file: a later file whose header names a column twice would have
    the first of the two read silently, and one without a column of the first file cannot be read by name. The
    headers are those written in the files (:func:`pyclv.engines._duckdb_source.csv_headers`); the message names
    the file.

    Parameters
    ----------
    path : str
        The path or glob, as given.
    headers : mapping of str to sequence of str
        Each file's header as written, the first file first.
    columns : LogColumns
        The log's columns.

    Raises
    ------
    DataValidationError
        For the first file, in order, whose header lacks a column of the log or of the first file, or names a
        column of the log more than once.
    """
    files = list(headers)
    for file, header in headers.items():
        try:
            v.require_log_columns(header, columns)
        except DataValidationError as exc:
            raise DataValidationError(f"{file}: {exc}", column=exc.column) from exc
        missing = [name for name in headers[files[0]] if name not in header]
        if missing:
            named = v.listed(missing, len(missing))
            raise different_columns(path, f"{file} has no column {named}, which {files[0]} has")


def names_differ_in_case(path: str, names: Sequence[str]) -> DataValidationError:
    """A header whose names differ only in case, which Spark does not tell apart (it renames them)."""
    return DataValidationError(
        f"{path}: the header names columns that differ only in case ({', '.join(map(repr, names))}), which Spark "
        f"does not tell apart. Rename them, or read the files with the DuckDB engine."
    )


def wrong_type(path: str, detail: str) -> DataValidationError:
    """A column that cannot be read as the type its file declares."""
    return DataValidationError(f"{path}: a column cannot be read as its type ({detail}).")


def unreadable(path: str, detail: str) -> OSError:
    """A file that cannot be read: corrupt, truncated, still being written, or not readable by this user."""
    return OSError(
        f"{path}: cannot read the transactions; the file may be corrupt, truncated or still being written "
        f"({detail})."
    )


# ---------------------------------------------------------------------------------------------------------
# DuckDB's errors
# ---------------------------------------------------------------------------------------------------------


@contextmanager
def reading(path: str, memory_limit: str) -> Iterator[None]:
    """Turn what DuckDB raises while reading ``path`` into one line that names the file and says what to do.

    DuckDB's own messages run to twenty lines of SQL and sniffer settings; an operator needs the file, the
    problem and the remedy. The original error stays attached as the cause.

    Parameters
    ----------
    path : str
        The path or glob being read.
    memory_limit : str
        DuckDB's memory budget, for the message when it runs out.

    Yields
    ------
    None
    """
    try:
        yield
    except duckdb.OutOfMemoryException as exc:
        raise MemoryError(
            f"{path}: DuckDB ran out of memory within memory_limit={memory_limit!r} ({_first_line(exc)}). Give "
            f"it more memory, or a temp_directory on a disk with room to spill."
        ) from exc
    except duckdb.Error as exc:
        raise duckdb_error(path, exc) from exc


def _first_line(exc: BaseException) -> str:
    """The first line of a DuckDB message, without its ``Invalid Input Error:`` prefix."""
    return first_line(str(exc)) or type(exc).__name__


def duckdb_error(path: str, exc: duckdb.Error) -> Exception:
    """The one-line error for a DuckDB failure while reading ``path``."""
    text = str(exc)
    if re.search(r"unicode|utf-?8|encoding", text, re.IGNORECASE):
        line = re.search(r"CSV Error on Line: ([0-9]+)", text)
        return not_utf8(path, int(line.group(1)) if line else None)
    if "schema mismatch" in text or "union_by_name" in text:
        return different_columns(path, _first_line(exc))
    if isinstance(exc, duckdb.ConversionException):
        return wrong_type(path, _first_line(exc))
    return unreadable(path, _first_line(exc))
