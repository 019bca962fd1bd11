"""``om.scripts``: JavaScript/TypeScript code the platform's workers run (``om.runtime.script(name)``)."""

import json
import os
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from ._http import Http, quote
from .datasets import _list_all
from .errors import NotFound
from .models import _multipart
from .signatures import LinkDatatype

ScriptSource = Union[str, "os.PathLike[str]", bytes]

# What a path to a script names; a string ending so that is no file is a mistyped path, not source.
_SCRIPT_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tgz", ".tar.gz", ".tar")


class Scripts(LinkDatatype):
    """Store, describe, list and drop scripts: a file exporting ``run(om, ...args)``, or a packed folder.

    The platform bundles a script with its npm ``dependencies`` when it is put, so a run needs no install.
    """

    _service_kind = "script"

    def __init__(self, http: Http) -> None:
        self._http = http

    def put(
        self,
        path_or_source: ScriptSource,
        name: str,
        dependencies: Union[Mapping[str, str], str, None] = None,
        attributes: Optional[Mapping[str, Any]] = None,
        filename: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Stores a script; answers its Metadata (language, entry, dependencies as installed, owner).

        ``path_or_source`` is a path to a ``.js``/``.ts`` file or a ``.tgz``/``.tar`` of a package folder,
        or the source itself (text or bytes). Source is sent as ``filename`` (default ``index.js``; give
        ``report.ts`` for TypeScript, as the platform reads the language from the name). ``dependencies`` is
        ``{"ms": "^2.1.3"}`` or ``"ms@^2.1.3,lodash.sum"``.
        """
        content, default_name = _script_content(path_or_source)
        fields = [("name", name)]
        if dependencies is not None:
            text = dependencies if isinstance(dependencies, str) else json.dumps(dict(dependencies))
            fields.append(("dependencies", text))
        if attributes is not None:
            fields.append(("attributes", json.dumps(dict(attributes))))
        parts, length, boundary = _multipart(fields, filename or default_name, content, len(content))
        return self._http.json(
            "POST",
            "/api/v1/script/",
            body=parts,
            content_type=f"multipart/form-data; boundary={boundary}",
            content_length=length,
        )

    def get(self, name: str) -> Dict[str, Any]:
        """The script's Metadata: ``kindMeta`` holds language, entry, dependencies, source file and owner."""
        return self._http.json("GET", f"/api/v1/script/{quote(name)}")

    def list(self, pattern: Optional[str] = None) -> List[str]:
        """The names of the scripts in this bucket, optionally matching a glob pattern."""
        return [entry["name"] for entry in _list_all(self._http, "/api/v1/script/", {"pattern": pattern})]

    def drop(self, name: str, force: bool = False) -> bool:
        """Drops a script; a missing one raises ``NotFound`` unless ``force``."""
        try:
            self._http.json("DELETE", f"/api/v1/script/{quote(name)}")
        except NotFound:
            if not force:
                raise
            return False
        return True


def _script_content(path_or_source: ScriptSource) -> Tuple[bytes, str]:
    """The bytes to upload and the file name they go under."""
    if isinstance(path_or_source, bytes):
        return path_or_source, "index.js"
    if isinstance(path_or_source, str) and not os.path.isfile(path_or_source):
        if "\n" not in path_or_source and path_or_source.strip().lower().endswith(_SCRIPT_SUFFIXES):
            raise FileNotFoundError(f"{path_or_source}: no such script file")
        return path_or_source.encode("utf-8"), "index.js"
    if isinstance(path_or_source, (str, os.PathLike)):
        with open(path_or_source, "rb") as handle:
            return handle.read(), os.path.basename(os.fspath(path_or_source))
    raise TypeError(f"put takes a path, source text or bytes, not {type(path_or_source).__name__}")
