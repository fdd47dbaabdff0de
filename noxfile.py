"""Developer sessions: ``nox -s tests lint typecheck docs`` (CI runs the same commands).

Like CI, the tests need the PostgreSQL server of ``ECOMFLOW_TEST_POSTGRES_URL`` and fail
(never skip) when it cannot be reached.
"""

import os

import nox

POSTGRES = os.environ.get("ECOMFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run(
        "python",
        "-m",
        "pytest",
        *session.posargs,
        env={"ECOMFLOW_TEST_POSTGRES_URL": POSTGRES, "ECOMFLOW_REQUIRE_POSTGRES": "1"},
    )


@nox.session
def lint(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "src/ecomflow")


@nox.session
def docs(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("python", "-m", "pytest", "docs", "README.md", "-p", "no:cacheprovider")
