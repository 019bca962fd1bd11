#!/usr/bin/env python3
"""Kubernetes JSON schemas for kubeconform, offline.

PyPI's kubernetes-validate wheel ships one schema per kind and version, but every schema points into a
shared `_definitions.json` by an absolute `$ref` that kubeconform cannot follow from a local folder. This
writes each kind's schema with the definitions it needs (and theirs, transitively) copied in under
`definitions`, its references made local, so each file stands alone.

Usage: k8s-schemas.py <wheel> <kubernetes version, e.g. 1.33.0> <out dir>
Writes <out>/v<version>-standalone/<kind>-<group>-<version>.json and the same under -standalone-strict
(kubeconform's `-strict` picks that one through {{ .StrictSuffix }}).

       k8s-schemas.py crd <Go module zip> <path of a CRD YAML in the zip> <kubernetes version> <out dir>
Adds the custom resource's schemas (KEDA's ScaledObject, the Prometheus operator's ServiceMonitor) beside
them, named as kubeconform looks them up (<kind>-<first part of the group>-<version>.json); the strict
flavour refuses properties the CRD does not declare, as kubeconform's own CRD converter does.
"""

import json
import os
import sys
import zipfile

PREFIX = "kubernetes_validate/kubernetes-json-schema/"
# A kind's schema points into the shared file; definitions point at each other within it.
REF_HEADS = ("/api/_definitions.json#/$defs/", "#/$defs/")


def definition_of(ref):
    """The definition name a `$ref` points at, or None for any other reference."""
    if isinstance(ref, str):
        for head in REF_HEADS:
            if ref.startswith(head):
                return ref[len(head) :]
    return None


def referenced(node, found):
    """Names of the definitions a schema node refers to."""
    if isinstance(node, dict):
        name = definition_of(node.get("$ref"))
        if name is not None:
            found.add(name)
        for value in node.values():
            referenced(value, found)
    elif isinstance(node, list):
        for value in node:
            referenced(value, found)


def localised(node):
    """The node with its references pointing at its own definitions."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and definition_of(value) is not None:
                out[key] = "#/definitions/" + definition_of(value)
            else:
                out[key] = localised(value)
        return out
    if isinstance(node, list):
        return [localised(value) for value in node]
    return node


def standalone(schema, definitions):
    needed, queue = set(), set()
    referenced(schema, queue)
    while queue:
        name = queue.pop()
        if name in needed:
            continue
        needed.add(name)
        referenced(definitions[name], queue)
    out = localised(schema)
    # kubeconform compiles as draft 4, where only `definitions` holds subschemas a pointer may reach, so
    # the 2020-12 `$schema`/`$id`/`$defs` go: the keywords used inside mean the same in both drafts.
    out.pop("$schema", None)
    out.pop("$id", None)
    if needed:
        out["definitions"] = {name: localised(definitions[name]) for name in sorted(needed)}
    return out


def write_flavour(wheel, version, flavour, out_dir):
    source = f"{PREFIX}v{version}-local{flavour}/"
    target = os.path.join(out_dir, f"v{version}-standalone{flavour}")
    os.makedirs(target, exist_ok=True)
    definitions = json.loads(wheel.read(source + "_definitions.json"))["$defs"]
    count = 0
    for name in wheel.namelist():
        if not name.startswith(source) or not name.endswith(".json"):
            continue
        base = name[len(source) :]
        if "/" in base or base.startswith("_") or base == "all.json":
            continue
        schema = json.loads(wheel.read(name))
        with open(os.path.join(target, base), "w") as handle:
            json.dump(standalone(schema, definitions), handle)
        count += 1
    if count == 0:
        sys.exit(f"no schemas for Kubernetes {version}{flavour} in the wheel")
    return count


def closed(node):
    """The schema with additionalProperties false wherever properties are listed and nothing else is said."""
    if isinstance(node, dict):
        out = {key: closed(value) for key, value in node.items()}
        if "properties" in out and "additionalProperties" not in out and not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [closed(value) for value in node]
    return node


def write_crd(zip_path, member, version, out_dir):
    import yaml  # Debian's python3-yaml; only the CRD path needs it

    with zipfile.ZipFile(zip_path) as archive:
        names = [name for name in archive.namelist() if name.endswith("/" + member) or name == member]
        if len(names) != 1:
            sys.exit(f"{member}: {len(names)} matches in {zip_path}")
        crd = yaml.safe_load(archive.read(names[0]))
    group = crd["spec"]["group"]
    kind = crd["spec"]["names"]["kind"].lower()
    for served in crd["spec"]["versions"]:
        schema = served["schema"]["openAPIV3Schema"]
        base = f"{kind}-{group.split('.')[0]}-{served['name']}.json"
        for flavour, body in (("", schema), ("-strict", closed(schema))):
            target = os.path.join(out_dir, f"v{version}-standalone{flavour}")
            os.makedirs(target, exist_ok=True)
            with open(os.path.join(target, base), "w") as handle:
                json.dump(body, handle)
        print(f"{group}/{served['name']} {crd['spec']['names']['kind']} in {out_dir}")


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "crd":
        write_crd(*sys.argv[2:])
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    wheel_path, version, out_dir = sys.argv[1:]
    with zipfile.ZipFile(wheel_path) as wheel:
        for flavour in ("", "-strict"):
            count = write_flavour(wheel, version, flavour, out_dir)
            print(f"{count} schemas for Kubernetes {version}{flavour or ''} in {out_dir}")


if __name__ == "__main__":
    main()
