"""Where the client finds the platform's URL and the user's API key."""

import json
import os
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple

from .errors import CredentialsError

CREDENTIALS_FILE = "credentials.json"
DEFAULT_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class Credentials:
    """A URL, a userid and its API key; ``source`` says where the pair came from (never the key)."""

    url: str
    userid: str
    apikey: str
    tenant: Optional[str]
    source: str

    def __repr__(self) -> str:
        return f"Credentials(url={self.url!r}, userid={self.userid!r}, apikey='***', source={self.source!r})"


def resolve_credentials(
    url: Optional[str] = None,
    userid: Optional[str] = None,
    apikey: Optional[str] = None,
    credentials_file: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[str] = None,
) -> Credentials:
    """Explicit arguments, else ``OMEGA_URL``/``OMEGA_USERID``/``OMEGA_APIKEY``, else credentials.json.

    The file is looked for as ``credentials_file``, in ``$OMEGA_DATA_DIR``, then in ``./.omega``. The userid
    and key are taken as a pair from one source, so a key is never sent with another source's userid.
    """
    env = os.environ if env is None else env
    found = _read_file(credentials_file, env, cwd or os.getcwd())
    file_path, record = found if found else (None, {})
    pair: Optional[Tuple[str, str, str]] = None
    if userid is not None or apikey is not None:
        pair = _require_pair(userid, apikey, "arguments")
    elif env.get("OMEGA_USERID") is not None or env.get("OMEGA_APIKEY") is not None:
        pair = _require_pair(env.get("OMEGA_USERID"), env.get("OMEGA_APIKEY"), "env")
    elif file_path is not None:
        pair = _require_pair(record.get("userid"), record.get("apikey"), file_path)
    if pair is None:
        raise CredentialsError(
            "No omega credentials: pass userid and apikey, set OMEGA_USERID and OMEGA_APIKEY, or start the "
            f"API once so it writes {CREDENTIALS_FILE} into ./.omega (or $OMEGA_DATA_DIR)"
        )
    base = url or env.get("OMEGA_URL") or record.get("url") or DEFAULT_URL
    tenant = record.get("tenant") if pair[2] == file_path else None
    return Credentials(base.rstrip("/"), pair[0], pair[1], tenant, pair[2])


def _require_pair(userid: Optional[str], apikey: Optional[str], source: str) -> Tuple[str, str, str]:
    where = {"arguments": "the arguments", "env": "the environment"}.get(source, source)
    if not userid:
        raise CredentialsError(f"{where} give an API key but no userid")
    if not apikey:
        raise CredentialsError(f"{where} give a userid but no API key")
    return userid, apikey, source


def _read_file(
    explicit: Optional[str], env: Mapping[str, str], cwd: str
) -> Optional[Tuple[str, Dict[str, str]]]:
    candidates: List[str]
    if explicit:
        candidates = [os.path.join(cwd, explicit)]
    else:
        candidates = []
        if env.get("OMEGA_DATA_DIR"):
            candidates.append(os.path.join(cwd, env["OMEGA_DATA_DIR"], CREDENTIALS_FILE))
        candidates.append(os.path.join(cwd, ".omega", CREDENTIALS_FILE))
    for path in candidates:
        if not os.path.isfile(path):
            if explicit:
                raise CredentialsError(f"{path} does not exist")
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                parsed = json.load(handle)
        except ValueError as error:
            raise CredentialsError(f"{path} is not valid JSON: {error}") from None
        if not isinstance(parsed, dict):
            raise CredentialsError(f"{path} must hold a JSON object {{url, userid, apikey, tenant}}")
        text = {key: value for key, value in parsed.items() if isinstance(value, str)}
        return path, text
    return None
