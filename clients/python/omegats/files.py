"""``om.files``: binary objects of any size, streamed both ways."""

import os
import shutil
from typing import Any, BinaryIO, Dict, List, Optional, Union

from ._http import CHUNK_BYTES, Http, quote
from .datasets import _list_all
from .errors import NotFound

PathOrFile = Union[str, "os.PathLike[str]", BinaryIO]


class Files:
    """Put and get files without holding them in memory."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def put(
        self, path_or_fileobj: Union[PathOrFile, bytes], name: str, content_type: Optional[str] = None
    ) -> Dict[str, Any]:
        """Uploads a local path, an open binary file or bytes; answers the Metadata (size, sha256)."""
        if isinstance(path_or_fileobj, bytes):
            return self._put(path_or_fileobj, name, content_type, len(path_or_fileobj))
        if isinstance(path_or_fileobj, (str, os.PathLike)):
            with open(path_or_fileobj, "rb") as handle:
                return self._put(handle, name, content_type, os.fstat(handle.fileno()).st_size)
        return self._put(path_or_fileobj, name, content_type, _remaining(path_or_fileobj))

    def get(self, name: str, path: Optional[PathOrFile] = None) -> Union[bytes, PathOrFile]:
        """Downloads to ``path`` (a local path or an open binary file) in chunks, or answers the bytes."""
        with self._http.open("GET", f"/api/v1/file/{quote(name)}", accept="*/*") as response:
            if path is None:
                return response.read()
            if isinstance(path, (str, os.PathLike)):
                with open(path, "wb") as out:
                    shutil.copyfileobj(response, out, CHUNK_BYTES)
            else:
                shutil.copyfileobj(response, path, CHUNK_BYTES)
            return path

    def metadata(self, name: str) -> Dict[str, Any]:
        """The file's Metadata: size, content type, sha256, attributes."""
        return self._http.json("GET", f"/api/v1/file/{quote(name)}/metadata")

    def list(self, pattern: Optional[str] = None) -> List[str]:
        """The names of the files in this bucket."""
        return [entry["name"] for entry in _list_all(self._http, "/api/v1/file/", {"pattern": pattern})]

    def drop(self, name: str, force: bool = False) -> bool:
        """Drops a file; a missing one raises ``NotFound`` unless ``force``."""
        try:
            self._http.json("DELETE", f"/api/v1/file/{quote(name)}")
        except NotFound:
            if not force:
                raise
            return False
        return True

    def _put(
        self, body: Any, name: str, content_type: Optional[str], length: Optional[int]
    ) -> Dict[str, Any]:
        return self._http.json(
            "PUT",
            f"/api/v1/file/{quote(name)}",
            body=body,
            content_type=content_type or "application/octet-stream",
            content_length=length,
        )


def _remaining(handle: BinaryIO) -> Optional[int]:
    """Bytes left in a seekable file, None for a stream (then sent chunked)."""
    try:
        here = handle.tell()
        end = handle.seek(0, os.SEEK_END)
        handle.seek(here)
        return end - here
    except (OSError, AttributeError, ValueError):
        return None
