"""Exceptions raised by the client."""

from typing import Any, Dict, Optional, Type


class OmegaError(Exception):
    """The API answered with an error: HTTP status, stable code (``NOT_FOUND``, ...), message, error id."""

    def __init__(self, status: int, code: str, message: str, error_id: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.error_id = error_id

    def __str__(self) -> str:
        text = f"{self.status} {self.code}: {self.message}"
        return f"{text} (error id {self.error_id})" if self.error_id else text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status!r}, {self.code!r}, {self.message!r}, {self.error_id!r})"


class InvalidInput(OmegaError):
    """400: the request was refused as bad input; nothing changed."""


class Unauthorized(OmegaError):
    """401: missing, unknown, revoked or expired credentials."""


class Forbidden(OmegaError):
    """403: the role does not allow this call."""


class NotFound(OmegaError):
    """404: no such object (in this tenant and bucket)."""


class Unavailable(OmegaError):
    """502/503/504: a service the call needs (a worker of a label, a database) is not there in time."""


class TaskFailed(OmegaError):
    """A task finished with FAILURE; ``code`` and ``message`` are the task's error.

    ``status`` is 0 when a wait found the failure, 422 when a synchronous script or job run answered it:
    either way the run is recorded, and ``task_id`` names the task to read its output from.
    """

    def __init__(self, task_id: str, code: str, message: str, status: int = 0) -> None:
        super().__init__(status, code, message)
        self.task_id = task_id

    def __repr__(self) -> str:
        return f"TaskFailed({self.task_id!r}, {self.code!r}, {self.message!r}, status={self.status!r})"


class TaskTimeout(TimeoutError):
    """A wait for a task ran out before the task finished (the task goes on)."""

    def __init__(self, task_id: str, timeout: float) -> None:
        super().__init__(f"task {task_id} did not finish within {timeout} s")
        self.task_id = task_id
        self.timeout = timeout


class OmegaConnectionError(ConnectionError):
    """The platform could not be reached (the message names the URL)."""


class CredentialsError(ValueError):
    """No credentials were found, or they are incomplete."""


_BY_STATUS: Dict[int, Type[OmegaError]] = {
    400: InvalidInput,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    413: InvalidInput,
    415: InvalidInput,
    422: InvalidInput,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}


def error_from_answer(status: int, body: Any) -> OmegaError:
    """The exception for an error answer ``{statusCode, code, message, errorId}`` (or any other body)."""
    record = body if isinstance(body, dict) else {}
    message = record.get("message")
    if isinstance(message, list):
        message = "; ".join(str(part) for part in message)
    if not message:
        message = str(body)[:500] if body else f"HTTP {status}"
    code = record.get("code") or record.get("error") or f"HTTP_{status}"
    if status == 422 and isinstance(record.get("task_id"), str):
        # A script or job that ran and failed: the same error a wait for its task raises.
        return TaskFailed(record["task_id"], str(code), str(message), status)
    cls = _BY_STATUS.get(status, OmegaError)
    return cls(status, str(code), str(message), record.get("errorId"))
