"""Fixtures: a connection to the running platform named by OMEGA_URL / OMEGA_USERID / OMEGA_APIKEY.

The suite never starts a server and never skips: without those variables every test errors. Each session
works in a bucket of its own, so runs against a long-lived server do not meet each other's objects.
"""

import os
import uuid
from typing import Dict, Iterator

import pytest

import omegats


def _server_env() -> Dict[str, str]:
    missing = [key for key in ("OMEGA_URL", "OMEGA_USERID", "OMEGA_APIKEY") if not os.environ.get(key)]
    if missing:
        raise RuntimeError(f"set {', '.join(missing)} to a running omega-ts API (npm test does)")
    return {key: os.environ[key] for key in ("OMEGA_URL", "OMEGA_USERID", "OMEGA_APIKEY")}


@pytest.fixture(scope="session")
def server() -> Dict[str, str]:
    """The running platform's URL and the admin's credentials."""
    return _server_env()


@pytest.fixture(scope="session")
def bucket() -> str:
    """This session's own bucket."""
    return f"py{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def om(server: Dict[str, str], bucket: str) -> "omegats.Omega":
    """A pandas-using connection in this session's bucket."""
    return omegats.connect(server["OMEGA_URL"], server["OMEGA_USERID"], server["OMEGA_APIKEY"]).bucket(bucket)


@pytest.fixture(scope="session")
def om_json(server: Dict[str, str], bucket: str) -> "omegats.Omega":
    """The same bucket with pandas and without pyarrow's Parquet: DataFrames go as CSV, come back as JSON."""
    return omegats.connect(
        server["OMEGA_URL"], server["OMEGA_USERID"], server["OMEGA_APIKEY"], use_arrow=False
    ).bucket(bucket)


@pytest.fixture(scope="session")
def om_records(server: Dict[str, str], bucket: str) -> "omegats.Omega":
    """The same bucket with pandas turned off: records in, records out."""
    return omegats.connect(
        server["OMEGA_URL"], server["OMEGA_USERID"], server["OMEGA_APIKEY"], use_pandas=False
    ).bucket(bucket)


@pytest.fixture
def name() -> Iterator[str]:
    """A fresh object name per test."""
    yield f"t{uuid.uuid4().hex[:12]}"
