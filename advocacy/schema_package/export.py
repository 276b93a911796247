"""The schema as files: SDL (``schema.graphql``, printed by strawberry) and the standard
introspection result (``schema.json``, ``{"__schema": …}``) for tools that read that instead."""

from __future__ import annotations

import json

from graphql import build_schema, introspection_from_schema, lexicographic_sort_schema


def introspection_json(sdl: str) -> str:
    """The introspection result of the schema the SDL describes, with types, fields, arguments
    and values in name order: built from the SDL, so both files describe the same schema by
    construction, and stable whatever order the Python code declares types in. Options are the
    ones graphql-js 16 reads (no experimental directive deprecation)."""
    schema = lexicographic_sort_schema(build_schema(sdl))
    result = introspection_from_schema(schema, experimental_directive_deprecation=False)
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"
