"""Credential lookup: arguments > environment > credentials.json ($OMEGA_DATA_DIR, then ./.omega)."""

import json
import os
import socket
from pathlib import Path
from typing import Dict

import pytest

import omegats
from omegats import resolve_credentials

CLEAR = ("OMEGA_URL", "OMEGA_USERID", "OMEGA_APIKEY", "OMEGA_DATA_DIR")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key in CLEAR:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_credentials(folder: Path, **values: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "credentials.json"
    path.write_text(json.dumps(values))
    return path


def test_file_in_dot_omega_gives_url_pair_and_tenant(clean_env: Path) -> None:
    write_credentials(clean_env / ".omega", url="http://h:1/", userid="u", apikey="s3cr3t-key", tenant="acme")
    found = resolve_credentials()
    assert (found.url, found.userid, found.apikey, found.tenant) == ("http://h:1", "u", "s3cr3t-key", "acme")
    assert found.source == str(clean_env / ".omega" / "credentials.json")
    assert "s3cr3t" not in repr(found)


def test_data_dir_file_wins_over_dot_omega(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_credentials(clean_env / ".omega", url="http://a:1", userid="a", apikey="ka")
    write_credentials(clean_env / "data", url="http://b:2", userid="b", apikey="kb")
    monkeypatch.setenv("OMEGA_DATA_DIR", "data")
    found = resolve_credentials()
    assert (found.url, found.userid, found.apikey) == ("http://b:2", "b", "kb")


def test_env_wins_over_file_and_arguments_over_env(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_credentials(clean_env / ".omega", url="http://file:1", userid="f", apikey="kf", tenant="t")
    monkeypatch.setenv("OMEGA_USERID", "e")
    monkeypatch.setenv("OMEGA_APIKEY", "ke")
    found = resolve_credentials()
    # The URL falls through to the file; the pair comes from the environment, without the file's tenant.
    assert (found.url, found.userid, found.apikey, found.tenant, found.source) == (
        "http://file:1",
        "e",
        "ke",
        None,
        "env",
    )
    monkeypatch.setenv("OMEGA_URL", "http://env:2")
    assert resolve_credentials().url == "http://env:2"
    explicit = resolve_credentials(url="http://arg:3", userid="x", apikey="kx")
    assert (explicit.url, explicit.userid, explicit.apikey, explicit.source) == (
        "http://arg:3",
        "x",
        "kx",
        "arguments",
    )


def test_a_half_pair_is_refused_not_mixed(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_credentials(clean_env / ".omega", userid="f", apikey="kf")
    monkeypatch.setenv("OMEGA_USERID", "e")
    with pytest.raises(omegats.CredentialsError, match="the environment give a userid but no API key"):
        resolve_credentials()
    with pytest.raises(omegats.CredentialsError, match="no userid"):
        resolve_credentials(apikey="only-a-key")


def test_no_credentials_anywhere(clean_env: Path) -> None:
    with pytest.raises(omegats.CredentialsError, match="No omega credentials"):
        resolve_credentials()
    with pytest.raises(omegats.CredentialsError, match="does not exist"):
        resolve_credentials(credentials_file="missing.json")
    (clean_env / "bad.json").write_text("{not json")
    with pytest.raises(omegats.CredentialsError, match="not valid JSON"):
        resolve_credentials(credentials_file="bad.json")


def test_connect_reads_a_temp_credentials_file(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, server: Dict[str, str]
) -> None:
    write_credentials(
        clean_env / "state",
        url=server["OMEGA_URL"],
        userid=server["OMEGA_USERID"],
        apikey=server["OMEGA_APIKEY"],
        tenant="from-file",
    )
    monkeypatch.setenv("OMEGA_DATA_DIR", str(clean_env / "state"))
    om = omegats.connect()
    assert om.url == server["OMEGA_URL"].rstrip("/")
    assert om.userid == server["OMEGA_USERID"]
    # verify asks the platform: the tenant is the key's, not the file's word.
    assert om.tenant == "default"
    assert om.config()["userid"] == server["OMEGA_USERID"]
    key_in_repr = server["OMEGA_APIKEY"] in repr(om) or server["OMEGA_APIKEY"] in repr(om._http)
    assert key_in_repr is False


def test_connect_from_env(clean_env: Path, monkeypatch: pytest.MonkeyPatch, server: Dict[str, str]) -> None:
    for key, value in server.items():
        monkeypatch.setenv(key, value)
    om = omegats.connect(bucket="envbucket")
    assert om.bucket_name == "envbucket"
    assert om.config()["bucket"] == "envbucket"


def test_wrong_key_is_unauthorized(server: Dict[str, str]) -> None:
    with pytest.raises(omegats.Unauthorized) as caught:
        omegats.connect(server["OMEGA_URL"], server["OMEGA_USERID"], "x" * 40)
    assert caught.value.status == 401
    assert caught.value.code == "UNAUTHENTICATED"


def test_connection_refused_names_the_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(
        ConnectionError, match=f"cannot reach the omega platform at {url}: connection refused"
    ):
        omegats.connect(url, "admin", "k" * 40)
    assert issubclass(omegats.ConnectionError, ConnectionError)
    assert os.environ.get("OMEGA_URL") != url
