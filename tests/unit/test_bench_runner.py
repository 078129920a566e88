"""``make bench`` runs every benchmark in benchmarks/, or prints why it skips one."""

from __future__ import annotations

import pytest

from benchmarks.__main__ import BENCHMARKS, Benchmark, benchmark_modules, main, skip_reason


def test_the_runner_lists_every_benchmark_module() -> None:
    assert {bench.name for bench in BENCHMARKS} == benchmark_modules()


def test_a_postgres_benchmark_without_a_database_says_why(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WIREWATCH_BENCH_DATABASE_URL", raising=False)
    assert "needs PostgreSQL" in (skip_reason(Benchmark("scaleout", needs_postgres=True), None) or "")
    assert main(["--only", "scaleout"]) == 0  # skipped: nothing ran, nothing failed
    assert "scaleout: skipped (needs PostgreSQL" in capsys.readouterr().out


def test_a_database_url_reaches_only_the_benchmarks_that_take_one() -> None:
    url = "postgresql+psycopg://u@127.0.0.1:5432/db"
    assert Benchmark("scaleout", needs_postgres=True).command(url)[-2:] == ["--database-url", url]
    assert "--database-url" not in Benchmark("match").command(url)
