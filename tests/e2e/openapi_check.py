#!/usr/bin/env python3
"""docs/openapi.yaml against the server, so that the two cannot drift.

  openapi_check.py DOC                print the (METHOD, path) pairs DOC describes, one a line,
                                      after checking that its references resolve and that each
                                      schema is a valid JSON Schema (draft 2020-12, OpenAPI 3.1's)
  openapi_check.py DOC answers DIR    check real answers: DIR/cases has a line per answer,
                                      "METHOD PATH_TEMPLATE STATUS N", with DIR/N.headers (curl's
                                      -D, CRs removed) and DIR/N.body. Each status must be one the
                                      operation lists (or fall to its default response), and the
                                      body must validate against that response's schema; a path
                                      or method the document lacks must be answered 404 or 405
                                      (Allow naming the documented methods) with an Error.
                                      Prints every mismatch; exit 1 if any.
"""
import json
import sys

import yaml

from jsonschema import Draft202012Validator

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def fail(msg):
    print(f"openapi: {msg}", file=sys.stderr)
    sys.exit(1)


def resolve(doc, ref):
    if not ref.startswith("#/"):
        fail(f"external reference {ref}")
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            fail(f"unresolved reference {ref}")
        node = node[part]
    return node


def deref(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(doc, node["$ref"])
    return node


def walk(doc, node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            resolve(doc, node["$ref"])
        for v in node.values():
            walk(doc, v)
    elif isinstance(node, list):
        for v in node:
            walk(doc, v)


def routes(doc):
    if not str(doc.get("openapi", "")).startswith("3.1"):
        fail("not OpenAPI 3.1")
    for key in ("info", "paths", "components"):
        if key not in doc:
            fail(f"no {key}")
    walk(doc, doc)
    for name, schema in doc["components"].get("schemas", {}).items():
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as e:  # the library's SchemaError, whichever version
            fail(f"schema {name}: {e}")
    for path, item in doc["paths"].items():
        ops = [m for m in METHODS if m in item]
        if not path.startswith("/") or not ops:
            fail(f"path {path}: not absolute, or without operations")
        for m in ops:
            if not item[m].get("responses") or not item[m].get("operationId"):
                fail(f"{m.upper()} {path} needs responses and an operationId")
            print(m.upper(), path)


class Answers:
    def __init__(self, doc):
        self.doc = doc
        self.problems = []

    def validate(self, schema, value, what):
        # The root schema is the document itself, pointing at the schema to apply, so that each
        # "#/components/..." reference resolves against the document, in Debian 12's jsonschema
        # (4.10, RefResolver) as in later ones (the referencing library) alike. None of an
        # OpenAPI document's own top-level keys is a JSON Schema keyword.
        root = dict(self.doc, **{"$ref": "#/x-check", "x-check": schema})
        v = Draft202012Validator(root)
        errors = sorted(v.iter_errors(value), key=lambda e: list(e.absolute_path))
        for e in errors:
            where = "/".join(str(p) for p in e.absolute_path) or "(the body)"
            self.problems.append(f"{what}: at {where}: {e.message}")

    def response_for(self, op, status, what):
        """The response the operation documents for status: its own, else its default."""
        responses = op["responses"]
        chosen = responses.get(str(status), responses.get(f"{status // 100}XX"))
        if chosen is None:
            chosen = responses.get("default")
        if chosen is None:
            self.problems.append(f"{what}: status {status} is not one the document lists")
        return deref(self.doc, chosen)

    def check_headers(self, response, headers, what):
        for name, h in (response.get("headers") or {}).items():
            h = deref(self.doc, h)
            value = headers.get(name.lower())
            if value is None:
                if h.get("required"):
                    self.problems.append(f"{what}: no {name} header")
                continue
            schema = h.get("schema", {})
            if schema.get("type") == "integer":
                try:
                    value = int(value)
                except ValueError:
                    self.problems.append(f"{what}: {name}: {value!r} is not a whole number")
                    continue
            self.validate(schema, value, f"{what}: header {name}")

    def check_body(self, response, headers, body, what):
        content = response.get("content") or {}
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in content:
            self.problems.append(
                f"{what}: Content-Type {ctype or '(none)'} is not one the document lists "
                f"({', '.join(content) or 'no body'})")
            return
        if ctype != "application/json":
            return  # raw output, metrics: the media type is the contract
        try:
            value = json.loads(body)
        except ValueError as e:
            self.problems.append(f"{what}: the body is not JSON: {e}")
            return
        self.validate(content[ctype].get("schema", {}), value, what)

    def check_undocumented(self, method, path, status, headers, body, what):
        """A route the document does not have: 404 or 405 (with Allow), and an Error."""
        item = self.doc["paths"].get(path)
        want = 405 if item else 404
        if status != want:
            self.problems.append(f"{what}: not in the document, so it should be {want}")
        if item:
            documented = {m.upper() for m in METHODS if m in item}
            allow = {m.strip() for m in headers.get("allow", "").split(",") if m.strip()}
            if allow != documented:
                self.problems.append(
                    f"{what}: Allow {sorted(allow)}, the document has {sorted(documented)}")
        try:
            value = json.loads(body)
        except ValueError as e:
            self.problems.append(f"{what}: the body is not JSON: {e}")
            return
        self.validate({"$ref": "#/components/schemas/Error"}, value, what)

    def check(self, method, path, status, headers, body):
        what = f"{method} {path} {status}"
        op = (self.doc["paths"].get(path) or {}).get(method.lower())
        if op is None:
            self.check_undocumented(method, path, status, headers, body, what)
            return
        response = self.response_for(op, status, what)
        if response is None:
            return
        self.check_headers(response, headers, what)
        self.check_body(response, headers, body, what)


def read_headers(name):
    """The last header block curl -D wrote (after any 100 Continue), names in lower case."""
    headers = {}
    with open(name, encoding="latin-1") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("HTTP/"):
                headers = {}
            elif ":" in line:
                k, v = line.split(":", 1)
                headers.setdefault(k.strip().lower(), v.strip())
    return headers


def answers(doc, directory):
    check = Answers(doc)
    n = 0
    with open(f"{directory}/cases") as cases:
        for line in cases:
            if not line.strip():
                continue
            method, path, status, case = line.split()
            with open(f"{directory}/{case}.body", "rb") as f:
                body = f.read()
            check.check(method, path, int(status), read_headers(f"{directory}/{case}.headers"),
                        body)
            n += 1
    for p in check.problems:
        print(p)
    print(f"openapi: {n} answers checked, {len(check.problems)} problems", file=sys.stderr)
    return 1 if check.problems or n == 0 else 0


def main():
    if len(sys.argv) < 2:
        fail("usage: openapi_check.py DOC [answers DIR]")
    with open(sys.argv[1]) as f:
        doc = yaml.safe_load(f)
    if len(sys.argv) == 2:
        routes(doc)
        return 0
    if len(sys.argv) == 4 and sys.argv[2] == "answers":
        return answers(doc, sys.argv[3])
    fail("usage: openapi_check.py DOC [answers DIR]")


if __name__ == "__main__":
    sys.exit(main())
