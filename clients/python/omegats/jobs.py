"""``om.jobs``: notebook jobs (nbformat 4, JavaScript/TypeScript cells) and their schedules."""

import json
import os
import re
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Union

from ._http import Http, quote
from .datasets import _list_all
from .errors import NotFound
from .models import _multipart
from .signatures import LinkDatatype

NotebookInput = Union[str, "os.PathLike[str]", bytes, Mapping[str, Any]]

# A cron field: digits and * , / ? # L W -, or day/month names (MON-FRI). The platform reads a notebook's
# schedule string by the same rule.
_CRON_FIELD = re.compile(r"^[0-9*,/?#LW-]+$|^[A-Za-z]{3}([,-][A-Za-z]{3})*$")


class Jobs(LinkDatatype):
    """Store, read, list and drop notebook jobs; set, read and drop their schedules.

    Each run stores the executed notebook as ``results/<name>_<time>.ipynb``; ``list`` shows those too.
    """

    _service_kind = "job"

    def __init__(self, http: Http) -> None:
        self._http = http

    def put(
        self, path_or_notebook: NotebookInput, name: str, attributes: Optional[Mapping[str, Any]] = None
    ) -> Dict[str, Any]:
        """Stores a notebook (a path to an ``.ipynb``, its bytes, or the notebook as a dict); answers its
        Metadata.

        A schedule in the notebook's ``metadata.omega.schedule`` is applied as the job is stored.
        """
        if isinstance(path_or_notebook, Mapping):
            content = json.dumps(dict(path_or_notebook)).encode("utf-8")
            filename = f"{os.path.basename(name)}.ipynb"
        elif isinstance(path_or_notebook, bytes):
            content, filename = path_or_notebook, f"{os.path.basename(name)}.ipynb"
        elif isinstance(path_or_notebook, (str, os.PathLike)):
            with open(path_or_notebook, "rb") as handle:
                content = handle.read()
            filename = os.path.basename(os.fspath(path_or_notebook))
        else:
            raise TypeError(
                f"put takes a path, bytes or a notebook dict, not {type(path_or_notebook).__name__}"
            )
        fields = [("name", name)]
        if attributes is not None:
            fields.append(("attributes", json.dumps(dict(attributes))))
        parts, length, boundary = _multipart(fields, filename, content, len(content))
        return self._http.json(
            "POST",
            "/api/v1/job/",
            body=parts,
            content_type=f"multipart/form-data; boundary={boundary}",
            content_length=length,
        )

    def get(self, name: str) -> Dict[str, Any]:
        """The job's Metadata; ``kindMeta['runs']``: its runs (status, times, executed notebook, error)."""
        return self._http.json("GET", f"/api/v1/job/{quote(name)}")

    def notebook(self, name: str) -> Dict[str, Any]:
        """The notebook as a dict: the job's own, or an executed one (``results/…``) with its outputs."""
        return self._http.json("GET", f"/api/v1/job/{quote(name)}/notebook")

    def list(self, pattern: Optional[str] = None) -> List[str]:
        """The names of the jobs and executed notebooks (``results/…``) in this bucket."""
        return [entry["name"] for entry in _list_all(self._http, "/api/v1/job/", {"pattern": pattern})]

    def drop(self, name: str, force: bool = False) -> bool:
        """Drops a job and its schedule (its executed notebooks stay); a missing one raises ``NotFound``
        unless ``force``."""
        return _drop(self._http, f"/api/v1/job/{quote(name)}", force)

    def schedule(self, name: str, spec: str, timezone: Optional[str] = None) -> Dict[str, Any]:
        """Runs the job on a schedule: a cron expression (``30 6 * * 1-5``) or plain English (``every 5
        minutes``, ``weekdays at 06:30``), in an IANA time zone (UTC when not given).

        Answers the schedule with its cron expression and ``next_times``; text the platform cannot read raises
        ``InvalidInput`` listing the forms it knows.
        """
        body: Dict[str, Any] = {"cron": spec} if _looks_like_cron(spec) else {"text": spec}
        if timezone is not None:
            body["timezone"] = timezone
        return self._http.json("PUT", _schedule_path(name), json_body=body)

    def get_schedule(self, name: str, n: int = 5) -> Dict[str, Any]:
        """The job's schedule: cron, text, timezone, last run, and its next ``n`` run times (ISO strings)."""
        return self._http.json("GET", _schedule_path(name), query={"n": n})

    def next_times(self, name: str, n: int = 5) -> List[datetime]:
        """The next ``n`` (1 to 100) times the schedule fires, as timezone-aware UTC datetimes."""
        return [_instant(text) for text in self.get_schedule(name, n)["next_times"]]

    def drop_schedule(self, name: str, force: bool = False) -> bool:
        """Stops scheduling the job (the job stays); no schedule raises ``NotFound`` unless ``force``."""
        return _drop(self._http, _schedule_path(name), force)

    def triggers(self, name: str, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """The scheduled runs so far, newest first: ``due_at``, ``fired_at``, ``task_id``, ``status``."""
        answer = self._http.json("GET", f"{_schedule_path(name)}/triggers", query={"limit": limit})
        return answer["triggers"]


def _schedule_path(name: str) -> str:
    return f"/api/v1/job/{quote(name)}/schedule"


def _drop(http: Http, path: str, force: bool) -> bool:
    try:
        http.json("DELETE", path)
    except NotFound:
        if not force:
            raise
        return False
    return True


def _looks_like_cron(spec: str) -> bool:
    fields = spec.split()
    return len(fields) == 5 and all(_CRON_FIELD.match(field) for field in fields)


def _instant(text: str) -> datetime:
    # datetime.fromisoformat reads a trailing Z only from Python 3.11 on.
    return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
