"""omegats: the Python client of omega-ts (the omega-ml platform in TypeScript), over its REST API."""

from .client import Omega, connect
from .credentials import Credentials, resolve_credentials
from .errors import (
    CredentialsError,
    Forbidden,
    InvalidInput,
    NotFound,
    OmegaConnectionError,
    OmegaError,
    TaskFailed,
    TaskTimeout,
    Unauthorized,
    Unavailable,
)
from .runtime import Task

ConnectionError = OmegaConnectionError  # noqa: A001 — omegats.ConnectionError, a builtin ConnectionError

__version__ = "0.1.0"
__all__ = [
    "ConnectionError",
    "Credentials",
    "CredentialsError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "Omega",
    "OmegaConnectionError",
    "OmegaError",
    "Task",
    "TaskFailed",
    "TaskTimeout",
    "Unauthorized",
    "Unavailable",
    "connect",
    "resolve_credentials",
]
