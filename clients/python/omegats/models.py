"""``om.models``: stored models and their versions."""

import json
import os
import uuid
from typing import Any, BinaryIO, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from ._http import CHUNK_BYTES, Http, quote
from .datasets import _list_all
from .errors import NotFound
from .signatures import LinkDatatype

ModelInput = Union[str, "os.PathLike[str]", bytes, Mapping[str, Any], Any]
# An opset onnxruntime-node runs (as scripts/make-onnx-fixtures.py pins it).
TARGET_OPSET = 17


class Models(LinkDatatype):
    """Put a model file (``.onnx``), a fitted scikit-learn estimator (exported with skl2onnx) or a spec
    ``{'algorithm', 'params'}`` the platform fits itself; list, metadata, versions, drop.

    A name may carry a version: ``name@3``, ``name@tag``, ``name^`` (the one before latest).
    """

    _service_kind = "model"

    def __init__(self, http: Http) -> None:
        self._http = http

    def put(
        self,
        model: ModelInput,
        name: str,
        attributes: Optional[Mapping[str, Any]] = None,
        tags: Optional[Sequence[str]] = None,
        kind: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Stores a new version of ``name``; answers the Metadata (signature, versions, tags)."""
        if isinstance(model, Mapping):
            body: Dict[str, Any] = {"name": name, **dict(model)}
            if attributes is not None:
                body["attributes"] = dict(attributes)
            if tags is not None:
                body["tags"] = list(tags)
            return self._http.json("POST", "/api/v1/model/", json_body=body)
        fields = [("name", name)]
        if kind:
            fields.append(("kind", kind))
        if attributes is not None:
            fields.append(("attributes", json.dumps(dict(attributes))))
        if tags is not None:
            fields.append(("tags", ",".join(tags)))
        if hasattr(model, "fit") and hasattr(model, "get_params"):
            model = to_onnx_bytes(model)
        if isinstance(model, bytes):
            parts, length, boundary = _multipart(fields, f"{os.path.basename(name)}.onnx", model, len(model))
            return self._upload(parts, length, boundary)
        with open(model, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            parts, length, boundary = _multipart(fields, os.path.basename(str(model)), handle, size)
            return self._upload(parts, length, boundary)

    def metadata(self, name: str) -> Dict[str, Any]:
        """The model's Metadata (of the version the name points at)."""
        return self._http.json("GET", f"/api/v1/model/{quote(name)}")

    def versions(self, name: str) -> Dict[str, Any]:
        """``{name, tags, versions}`` with each version's lineage."""
        return self._http.json("GET", f"/api/v1/model/{quote(name)}/versions")

    def promote(self, name: str, bucket: str) -> Dict[str, Any]:
        """Copies the model with all its versions to another bucket (e.g. ``prod``)."""
        return self._http.json("POST", f"/api/v1/model/{quote(name)}/promote", json_body={"to": bucket})

    def list(self, pattern: Optional[str] = None) -> List[str]:
        """The names of the models in this bucket."""
        return [entry["name"] for entry in _list_all(self._http, "/api/v1/model/", {"pattern": pattern})]

    def drop(self, name: str, force: bool = False) -> bool:
        """Drops the model and all its versions; a missing one raises ``NotFound`` unless ``force``."""
        try:
            self._http.json("DELETE", f"/api/v1/model/{quote(name)}")
        except NotFound:
            if not force:
                raise
            return False
        return True

    def _upload(self, parts: Iterator[bytes], length: int, boundary: str) -> Dict[str, Any]:
        return self._http.json(
            "POST",
            "/api/v1/model/",
            body=parts,
            content_type=f"multipart/form-data; boundary={boundary}",
            content_length=length,
        )


def _multipart(
    fields: List[Tuple[str, str]], filename: str, content: Union[bytes, BinaryIO], size: int
) -> Tuple[Iterator[bytes], int, str]:
    """A multipart/form-data body streamed from the file, its exact length and its boundary."""
    boundary = f"omegats-{uuid.uuid4().hex}"
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode("utf-8")
        + value.encode("utf-8")
        + b"\r\n"
        for key, value in fields
    )
    safe_name = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode("utf-8")
    tail = f"\r\n--{boundary}--\r\n".encode("ascii")

    def parts() -> Iterator[bytes]:
        yield head
        if isinstance(content, bytes):
            yield content
        else:
            while True:
                chunk = content.read(CHUNK_BYTES)
                if not chunk:
                    break
                yield chunk
        yield tail

    return parts(), len(head) + size + len(tail), boundary


def to_onnx_bytes(estimator: Any) -> bytes:
    """A fitted scikit-learn estimator as ONNX (skl2onnx): float32 input ``input``, no ZipMap output."""
    try:
        from skl2onnx import to_onnx
        from skl2onnx.common.data_types import FloatTensorType
    except ImportError:
        raise ImportError("putting a scikit-learn estimator needs skl2onnx (pip install skl2onnx)") from None
    features = getattr(estimator, "n_features_in_", None)
    if features is None:
        raise ValueError("the estimator is not fitted (it has no n_features_in_)")
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    options = {id(final): {"zipmap": False}} if hasattr(final, "predict_proba") else None
    onx = to_onnx(
        estimator,
        initial_types=[("input", FloatTensorType([None, int(features)]))],
        options=options,
        target_opset=TARGET_OPSET,
    )
    # skl2onnx can list a domain twice; keep one entry per domain (the highest version).
    versions: Dict[str, int] = {}
    for opset in onx.opset_import:
        versions[opset.domain] = max(versions.get(opset.domain, 0), opset.version)
    del onx.opset_import[:]
    for domain, version in sorted(versions.items()):
        onx.opset_import.add(domain=domain, version=version)
    return onx.SerializeToString()
