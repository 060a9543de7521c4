"""Response schemas of the real OpenAPI spec, as JSON Schema, and a check for keys the spec never declares.

The spec (``/work/shared/langfuse-openapi.yml``, outside the repository) is OpenAPI 3.0: ``nullable``,
``$ref`` into ``components/schemas`` and refs with sibling keywords. ``to_json_schema`` turns it into
Draft 2020-12 (nullable -> a ``null`` alternative, refs -> ``$defs``) for ``jsonschema``.

The spec's objects allow any extra key, which would let a misspelt key pass silently. So
``undeclared_keys`` walks a response beside its schema and reports every key that no schema on the path
declares; tests pass the documented deviations of the real server explicitly.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SPEC_PATH = Path("/work/shared/langfuse-openapi.yml")
_REF_PREFIX = "#/components/schemas/"


@functools.cache
def load_spec() -> dict[str, Any] | None:
    """The parsed spec, or None when /work/shared is not there (tests skip then)."""
    if not SPEC_PATH.exists():
        return None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open() as handle:
        return yaml.load(handle, Loader=loader)


def to_json_schema(node: Any) -> Any:
    """One OpenAPI 3.0 schema node as JSON Schema 2020-12."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: to_json_schema(value) for key, value in node.items() if key not in ("nullable", "discriminator")}
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace(_REF_PREFIX, "#/$defs/")
    if not node.get("nullable"):
        return out
    if "type" in out and "$ref" not in out and "allOf" not in out and "oneOf" not in out:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        return out
    if any(key in out for key in ("$ref", "allOf", "oneOf", "anyOf", "type")):
        return {"anyOf": [out, {"type": "null"}]}
    return out  # no type at all: any JSON value, null included


class SpecSchemas:
    """Response schemas by path template, and validation of a body against one of them."""

    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        self.defs = {name: to_json_schema(schema) for name, schema in spec["components"]["schemas"].items()}

    def response_schema(self, path: str, method: str = "get", status: str = "200") -> dict[str, Any]:
        operation = self.spec["paths"][path][method]
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        return to_json_schema(schema)

    def errors(self, schema: dict[str, Any], body: Any, limit: int = 5) -> list[str]:
        """Schema violations (at most ``limit``), each with the JSON path where it happened."""
        validator = jsonschema.Draft202012Validator({**schema, "$defs": self.defs})
        found = []
        for error in validator.iter_errors(body):
            where = "/".join(str(part) for part in error.absolute_path)
            found.append(f"{where or '<root>'}: {error.message[:300]}")
            if len(found) >= limit:
                break
        return found

    # --- keys the spec does not declare -----------------------------------------------------------

    def _resolve(self, schema: dict[str, Any], names: set[str]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            names.add(name)
            schema = self.defs[name]
        return schema

    def _matches(self, schema: dict[str, Any], value: Any) -> bool:
        return jsonschema.Draft202012Validator({**schema, "$defs": self.defs}).is_valid(value)

    def _object_parts(self, schema: dict[str, Any], value: dict, names: set[str]) -> list[dict[str, Any]]:
        """Every schema that applies to an object: the node, its allOf parts, the matching oneOf/anyOf
        alternative, recursively."""
        schema = self._resolve(schema, names)
        parts = [schema]
        for sub in schema.get("allOf", []):
            parts += self._object_parts(sub, value, names)
        for key in ("oneOf", "anyOf"):
            for sub in schema.get(key, []):
                if sub.get("type") != "null" and self._matches(sub, value):
                    parts += self._object_parts(sub, value, names)
                    break
        return parts

    def undeclared_keys(
        self, schema: dict[str, Any], body: Any, allowed: dict[str, set[str]], where: str = ""
    ) -> list[str]:
        """Paths of keys that no applicable schema declares, except ``allowed[schema name]``."""
        names: set[str] = set()
        if isinstance(body, list):
            items = self._items_schema(schema, names)
            if items is None:
                return []
            return [
                problem
                for index, item in enumerate(body)
                for problem in self.undeclared_keys(items, item, allowed, f"{where}/{index}")
            ]
        if not isinstance(body, dict):
            return []
        parts = self._object_parts(schema, body, names)
        properties: dict[str, Any] = {}
        for part in parts:
            properties.update(part.get("properties", {}))
        free_form = [part["additionalProperties"] for part in parts if part.get("additionalProperties") not in (None, False)]
        problems = []
        if properties:
            extra_ok = set().union(*(allowed.get(name, set()) for name in names)) if names else set()
            for key in body:
                if key not in properties and key not in extra_ok:
                    problems.append(f"{where}/{key} (schemas {sorted(names) or ['<inline>']})")
        for key, value in body.items():
            if key in properties:
                problems += self.undeclared_keys(properties[key], value, allowed, f"{where}/{key}")
            elif free_form and isinstance(free_form[0], dict):
                problems += self.undeclared_keys(free_form[0], value, allowed, f"{where}/{key}")
        return problems

    def _items_schema(self, schema: dict[str, Any], names: set[str]) -> dict[str, Any] | None:
        schema = self._resolve(schema, names)
        if "items" in schema:
            return schema["items"]
        for sub in schema.get("anyOf", []):
            if sub.get("type") != "null":
                return self._items_schema(sub, names)
        return None
