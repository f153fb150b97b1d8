#!/usr/bin/env python3
"""Check docs/openapi.yaml: a well-formed OpenAPI 3 document whose references all resolve, and
print the (METHOD, path) pairs it describes, one per line, for the test to compare with what the
server answers."""
import sys
import yaml

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def fail(msg):
    print(f"openapi: {msg}", file=sys.stderr)
    sys.exit(1)


def resolve(doc, ref):
    if not ref.startswith("#/"):
        fail(f"external reference {ref}")
    node = doc
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            fail(f"unresolved reference {ref}")
        node = node[part]
    return node


def walk(doc, node, where):
    if isinstance(node, dict):
        if "$ref" in node:
            resolve(doc, node["$ref"])
        for k, v in node.items():
            walk(doc, v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(doc, v, f"{where}/{i}")


doc = yaml.safe_load(open(sys.argv[1]))
if not str(doc.get("openapi", "")).startswith("3."):
    fail("not OpenAPI 3")
for key in ("info", "paths", "components"):
    if key not in doc:
        fail(f"no {key}")
if not doc["info"].get("title") or not doc["info"].get("version"):
    fail("info needs title and version")
walk(doc, doc, "")
for path, item in doc["paths"].items():
    if not path.startswith("/"):
        fail(f"path {path} does not start with /")
    ops = [m for m in item if m in METHODS]
    if not ops:
        fail(f"{path} has no operations")
    for m in ops:
        op = item[m]
        if not op.get("responses"):
            fail(f"{m.upper()} {path} has no responses")
        if not op.get("operationId"):
            fail(f"{m.upper()} {path} has no operationId")
        for status in op["responses"]:
            if status != "default" and not (str(status).isdigit() and 100 <= int(status) < 600):
                fail(f"{m.upper()} {path}: bad status {status}")
        print(m.upper(), path)
