"""How the Spark engine scores: the fitted models shipped as JSON, ``pyclv.value.score`` per partition.

The two fitted models travel to the executors as the text of their JSON artifact (a few kilobytes, shipped with
each task's function, which works as well under Spark Connect, where there is no SparkContext to broadcast
with); each Python worker rebuilds them once (:func:`models_from_text` is cached) and reuses them for every
partition it scores. A partition's rows are scored together by :func:`pyclv.value.score`, exactly as pandas
scores a table.

The scores are written as Parquet to a temporary folder beside the target and renamed into place
(:func:`write_directory`).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import types as T

from pyclv._time import with_time_unit
from pyclv.io import model_from_dict, model_to_dict
from pyclv.models import GammaGamma, TransactionModel
from pyclv.value import score as score_table

__all__ = ["models_text", "models_from_text", "score_columns", "scorer", "write_directory"]


def models_text(transaction_model: TransactionModel, spend_model: GammaGamma) -> str:
    """The two fitted models as the JSON text of an artifact."""
    return json.dumps({"transaction": model_to_dict(transaction_model), "spend": model_to_dict(spend_model)})


@functools.lru_cache(maxsize=4)
def models_from_text(text: str) -> tuple[TransactionModel, GammaGamma]:
    """The models of :func:`models_text`, rebuilt once per Python worker."""
    payload = json.loads(text)
    transaction, spend = model_from_dict(payload["transaction"]), model_from_dict(payload["spend"])
    assert isinstance(transaction, TransactionModel) and isinstance(spend, GammaGamma)
    return transaction, spend


def score_columns(
    transaction_model: TransactionModel, spend_model: GammaGamma, columns: list[str], options: Mapping[str, Any]
) -> list[str]:
    """The columns of the score table for a summary with ``columns``, from one made-up customer.

    Scoring it also checks the models and options on the driver, before any task starts.
    """
    probe = {"frequency": 1.0, "recency": 1.0, "T": 2.0, "n_periods": 2.0, "monetary_value": 1.0}
    one = pd.DataFrame({name: [probe.get(name, 1.0)] for name in columns})
    if transaction_model.time_unit_ is not None:  # a made-up customer in the model's own unit
        one = with_time_unit(one, transaction_model.time_unit_)
    return list(score_table(transaction_model, spend_model, one, **options).columns)


def output_schema(summary: DataFrame, customer_id_col: str, columns: list[str]) -> T.StructType:
    """The customer id as in the summary, then every score column as DOUBLE."""
    id_field = summary.schema[customer_id_col]
    return T.StructType([id_field, *(T.StructField(name, T.DoubleType()) for name in columns)])


def scorer(
    text: str, customer_id_col: str, columns: list[str], options: Mapping[str, Any], time_unit: str
) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """The function ``mapInPandas`` runs on each partition: its rows, in ``time_unit``, scored together, id first."""
    options = dict(options)

    def score_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        frames = [batch for batch in batches if len(batch)]
        if not frames:
            return
        transaction, spend = models_from_text(text)
        data = with_time_unit(pd.concat(frames, ignore_index=True).set_index(customer_id_col), time_unit)
        table = score_table(transaction, spend, data, **options)
        yield table[columns].reset_index()

    return score_partition


def write_directory(write: Callable[[str], None], target: str) -> None:
    """Call ``write(folder)`` on a temporary folder beside the local ``target``, then rename it into place.

    An existing ``target`` is moved aside, the new folder renamed onto its name, and the old one removed; if
    ``write`` fails, the temporary folder is removed and ``target`` is left as it was.

    Raises
    ------
    OSError
        If Spark wrote the folder where the driver cannot see it (a path on a cluster's file system: pass a
        URL such as ``hdfs://...`` instead).
    """
    path = Path(target).absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:12]
    temporary = path.with_name(f".{path.name}.tmp-{tag}")
    try:
        write(temporary.as_uri())
        if not temporary.is_dir():
            raise OSError(
                f"{target}: Spark wrote the scores where the driver cannot see them; pass the URL of a shared "
                f"file system (hdfs://..., s3a://..., dbfs:/...) or a path mounted on every node."
            )
        if path.exists():
            old = path.with_name(f".{path.name}.old-{tag}")
            os.replace(path, old)
            os.replace(temporary, path)
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        else:
            os.replace(temporary, path)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)
