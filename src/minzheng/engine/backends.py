"""Where the engine's Ibis expressions run: DuckDB in process (default) or Apache Spark.

DuckDB is configured never to download or auto-load an extension: government networks are closed,
and the engine needs nothing beyond DuckDB's built-in Parquet support. Spark is the optional extra
``spark``; a local session is started on demand.
"""

from __future__ import annotations

import os
from typing import Any, Literal

import ibis
from ibis.backends import BaseBackend

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")


def connect_duckdb(
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
    temp_directory: str | None = None,
) -> BaseBackend:
    """An in-memory DuckDB connection with extension auto-install and auto-load switched off.

    Insertion order is not preserved (the engine sorts what it returns and writes Parquet in any
    order), which lets DuckDB write and materialise in parallel with less memory.
    """
    config: dict[str, Any] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "preserve_insertion_order": False,
    }
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    if temp_directory:
        config["temp_directory"] = temp_directory
    return ibis.duckdb.connect(**config)


_spark_session: Any = None


def spark_session() -> Any:
    """A local Spark session for this process (started once; the extra ``spark`` must be installed)."""
    global _spark_session
    if _spark_session is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise RuntimeError(
                "the Spark backend needs the optional extra: uv sync --extra spark"
            ) from exc
        cores = os.environ.get("MINZHENG_SPARK_MASTER", "local[2]")
        _spark_session = (
            SparkSession.builder.master(cores)
            .appName("minzheng-engine")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config(
                "spark.sql.shuffle.partitions", os.environ.get("MINZHENG_SPARK_PARTITIONS", "8")
            )
            .config("spark.driver.memory", os.environ.get("MINZHENG_SPARK_MEMORY", "4g"))
            .config("spark.sql.ansi.enabled", "false")
            .getOrCreate()
        )
        _spark_session.sparkContext.setLogLevel("ERROR")
    return _spark_session


def connect(backend: Backend | str = "duckdb") -> BaseBackend:
    """A connection for ``backend`` ("duckdb" or "spark")."""
    if backend == "duckdb":
        return connect_duckdb()
    if backend == "spark":
        return ibis.pyspark.connect(spark_session())
    raise ValueError(f"unknown backend {backend!r}; use one of {BACKENDS}")


def backend_name(con: BaseBackend) -> Backend:
    return "spark" if con.name == "pyspark" else "duckdb"
