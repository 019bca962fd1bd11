"""omega-ml's ``link_datatype``: a service's input and output schemas, on ``om.models``, ``om.scripts`` and
``om.jobs``.

omega-ml takes marshmallow schemas; omega-ts takes JSON Schemas (``type properties required
additionalProperties items enum``). A list of one schema (``[schema]``) means many objects of it, as in
omega-ml. Calls of the service (``/api/service/{name}``) are then checked against them: a request or result
that does not match answers 400 naming the field, and ``/api/service/{name}/doc`` documents them.
"""

from typing import Any, Dict, Mapping, Optional, Sequence, Union

from ._http import Http, quote
from .errors import NotFound

Schema = Union[Mapping[str, Any], Sequence[Mapping[str, Any]]]
Actions = Sequence[Union[str, Sequence[Any]]]


class LinkDatatype:
    """``link_datatype`` and ``signature`` of a store whose objects are services of ``_service_kind``
    (``model``, ``script`` or ``job``)."""

    _http: Http
    _service_kind: str

    def link_datatype(
        self,
        name: str,
        X: Optional[Schema] = None,
        Y: Optional[Schema] = None,
        result: Optional[Schema] = None,
        actions: Optional[Actions] = None,
        **unsupported: Any,
    ) -> Dict[str, Any]:
        """Links the schemas of the service ``name``: ``X`` its input (the request body), ``Y`` a model's
        output, ``result`` a script's (or model's) result, ``actions`` the actions it offers (the first is the
        one a call without an action runs; ``(action, methods)`` pairs as omega-ml takes them are read for
        their action). Answers ``{service, kind, signature}``; linking again replaces the signature."""
        given = sorted(key for key, value in unsupported.items() if value is not None)
        if given:
            raise TypeError(
                f"link_datatype: {', '.join(given)} not supported by omega-ts "
                "(signatures are JSON Schemas: X, Y, result, actions)"
            )
        body: Dict[str, Any] = {}
        for key, schema in (("X", X), ("Y", Y), ("result", result)):
            if schema is not None:
                body[key] = _json_schema(key, schema)
        if actions is not None:
            body["actions"] = [_action_name(action) for action in actions]
        # Checked first: a service name finds a model, then a script, then a job, so one of another kind
        # of the same name would take the signature instead.
        self.signature(name)
        return self._http.json("PUT", _path(name), json_body=body)

    def signature(self, name: str) -> Dict[str, Any]:
        """The linked signature of ``name`` (``{}`` when none is)."""
        answer = self._http.json("GET", _path(name))
        if answer.get("kind") != self._service_kind:
            kind = answer.get("kind")
            raise NotFound(
                404,
                "NOT_FOUND",
                f"service {name} is a {kind}, not a {self._service_kind}: "
                f"its signature is om.{kind}s' to link",
            )
        return answer["signature"]


def _path(name: str) -> str:
    return f"/api/v1/service/{quote(name)}/signature"


def _json_schema(key: str, schema: Schema) -> Dict[str, Any]:
    if isinstance(schema, Mapping):
        return dict(schema)
    if isinstance(schema, Sequence) and not isinstance(schema, str) and len(schema) == 1:
        return {"type": "array", "items": _json_schema(key, schema[0])}
    raise TypeError(
        f"link_datatype: {key} must be a JSON Schema (a dict) or [schema] for many objects, "
        f"not {type(schema).__name__}"
    )


def _action_name(action: Union[str, Sequence[Any]]) -> str:
    if isinstance(action, str):
        return action
    if isinstance(action, Sequence) and len(action) >= 1 and isinstance(action[0], str):
        return action[0]
    raise TypeError(f"link_datatype: an action is a name or (name, methods), not {action!r}")
