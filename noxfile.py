"""The supported Python x Django x database matrix, run by ``make test``."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

MATRIX = [
    # (python, django requirement, database)
    ("3.11", "Django>=5.2,<5.3", "sqlite"),
    ("3.13", "Django>=6.1,<6.2", "postgres"),
]


@nox.session
@nox.parametrize(
    ("python", "django", "database"),
    [
        nox.param(py, dj, db, id=f"py{py}-{dj.split(',')[0].split('>=')[1]}-{db}")
        for py, dj, db in MATRIX
    ],
)
def tests(session: nox.Session, django: str, database: str) -> None:
    session.install("-e", ".[test]", django)
    session.run(
        "python",
        "-c",
        "import django, platform; "
        "print('Python', platform.python_version(), 'Django', django.get_version())",
    )
    pytest = ["pytest", "--cov", "--cov-report=term", *session.posargs]
    if database == "postgres":
        session.run(
            "python", "-m", "tests.postgres_cluster", *pytest, env={"DING_REQUIRE_POSTGRES": "1"}
        )
    else:
        session.run(*pytest)
