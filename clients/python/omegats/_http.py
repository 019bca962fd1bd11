"""The HTTP layer: urllib.request, the ApiKey header, the Bucket/Qualifier scope and error answers."""

import json
import math
import socket
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPResponse
from typing import Any, BinaryIO, Dict, Iterable, Mapping, Optional, Union

from .errors import OmegaConnectionError, error_from_answer

CHUNK_BYTES = 1 << 20
"""Reads and writes of bodies go in chunks of this size."""

Body = Union[bytes, BinaryIO, Iterable[bytes], None]
QueryValue = Union[str, int, float, bool, None]


class Http:
    """One user's connection settings; every call opens a request with the same headers."""

    def __init__(
        self,
        url: str,
        userid: str,
        apikey: str,
        bucket: Optional[str] = None,
        qualifier: Optional[str] = None,
        timeout: float = 300.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.userid = userid
        self._apikey = apikey
        self.bucket = bucket
        self.qualifier = qualifier
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"Http(url={self.url!r}, userid={self.userid!r}, bucket={self.bucket!r})"

    def scoped(self, bucket: Optional[str] = None, qualifier: Optional[str] = None) -> "Http":
        """The same credentials with another bucket and/or qualifier."""
        return Http(
            self.url,
            self.userid,
            self._apikey,
            bucket if bucket is not None else self.bucket,
            qualifier if qualifier is not None else self.qualifier,
            self.timeout,
        )

    def open(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Mapping[str, QueryValue]] = None,
        json_body: Any = None,
        body: Body = None,
        content_type: Optional[str] = None,
        content_length: Optional[int] = None,
        headers: Optional[Mapping[str, str]] = None,
        accept: str = "application/json",
    ) -> HTTPResponse:
        """Sends a request and answers the open response (2xx); raises ``OmegaError`` otherwise."""
        target = self.url + path
        pairs = {k: _query_text(v) for k, v in (query or {}).items() if v is not None}
        if pairs:
            target += "?" + urllib.parse.urlencode(pairs)
        all_headers: Dict[str, str] = {
            "Authorization": f"ApiKey {self.userid}:{self._apikey}",
            "Accept": accept,
            "User-Agent": "omegats-python/0.1",
        }
        if self.bucket:
            all_headers["Bucket"] = self.bucket
        if self.qualifier:
            all_headers["Qualifier"] = self.qualifier
        data: Any = None
        if json_body is not None:
            data = json.dumps(json_body, allow_nan=False, default=_json_default).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        elif body is not None:
            data = body
            all_headers["Content-Type"] = content_type or "application/octet-stream"
            if content_length is not None:
                all_headers["Content-Length"] = str(content_length)
            elif not isinstance(body, bytes):
                # urllib sends an iterable (or a file without a known length) in chunks.
                all_headers["Transfer-Encoding"] = "chunked"
        elif method.upper() in ("PUT", "POST"):
            data = b""
        all_headers.update(headers or {})
        request = urllib.request.Request(target, data=data, method=method.upper(), headers=all_headers)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            raise _error_of(error) from None
        except urllib.error.URLError as error:
            raise OmegaConnectionError(
                f"cannot reach the omega platform at {self.url}: {_reason(error.reason)}"
            ) from None
        except (ConnectionError, socket.timeout) as error:
            raise OmegaConnectionError(
                f"the omega platform at {self.url} broke off: {_reason(error)}"
            ) from None

    def json(self, method: str, path: str, **options: Any) -> Any:
        """Sends a request and answers its JSON body, read in chunks."""
        with self.open(method, path, **options) as response:
            raw = read_all(response, self.url)
        return json.loads(raw.decode("utf-8")) if raw else None


def read_all(response: HTTPResponse, url: str) -> bytes:
    """A response body, read in chunks."""
    parts = bytearray()
    try:
        while True:
            chunk = response.read(CHUNK_BYTES)
            if not chunk:
                return bytes(parts)
            parts += chunk
    except (ConnectionError, socket.timeout) as error:
        raise OmegaConnectionError(f"reading an answer from {url} broke off: {_reason(error)}") from None


def quote(name: str) -> str:
    """A name as one path segment (``/`` becomes ``%2F``)."""
    return urllib.parse.quote(name, safe="")


def jsonable(value: Any) -> Any:
    """Replaces NaN with None in nested lists and dicts (JSON has no NaN)."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    # numpy scalars and arrays, dates: what data science code hands over.
    if hasattr(value, "tolist"):
        return jsonable(value.tolist())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _query_text(value: QueryValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _error_of(error: urllib.error.HTTPError) -> Exception:
    try:
        raw = error.read()
    except Exception:  # noqa: BLE001 — the status alone still tells what happened
        raw = b""
    finally:
        error.close()
    try:
        body: Any = json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        body = raw.decode("utf-8", "replace")
    return error_from_answer(error.code, body)


def _reason(reason: Any) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the API running?)"
    return str(reason) or type(reason).__name__
