"""Query parameters a route reads itself, in a function without Powertools' validation (its machinery costs
every cold start about 80 ms of imports): declared once, for the OpenAPI description and for the reading.

A parameter is validated as Powertools' validation would validate it (the same pydantic types and bounds,
so the same messages, and the same 400 `invalid_body` with the parameter's name as the path): the last
value of a repeated parameter is not chosen silently, a list is refused as a scalar would refuse it. The
description is the schema Powertools wrote for the same annotation. Cheap to import: pydantic is imported
by the first read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from aha_jira.http_api.errors import validation_error
from aha_jira.http_api.openapi import QUERY_PARAMETERS_EXTENSION

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
    from pydantic import TypeAdapter


@dataclass(frozen=True)
class QueryParameter:
    """An optional query parameter: an integer with a default and bounds, or a string (None when absent)
    with a maximum length."""

    name: str
    integer: bool = False
    default: int | None = None
    ge: int | None = None
    le: int | None = None
    max_length: int | None = None
    description: str | None = None

    def schema(self) -> dict[str, Any]:
        """The parameter's JSON schema, as Powertools writes it for `Annotated[int, Query(...)] = default`
        or `Annotated[str | None, Query(...)] = None` (pydantic's schema, bounds as numbers)."""
        if self.integer:
            schema: dict[str, Any] = {"type": "integer", "default": self.default}
            if self.ge is not None:
                schema["minimum"] = float(self.ge)
            if self.le is not None:
                schema["maximum"] = float(self.le)
        else:
            text: dict[str, Any] = {"type": "string"}
            if self.max_length is not None:
                text["maxLength"] = self.max_length
            schema = {"anyOf": [text, {"type": "null"}]}
        if self.description is not None:
            schema["description"] = self.description
        return {**schema, "title": self.name.replace("_", " ").title()}

    def described(self) -> dict[str, Any]:
        parameter: dict[str, Any] = {
            "name": self.name,
            "in": "query",
            "required": False,
            "schema": self.schema(),
        }
        if self.description is not None:
            parameter["description"] = self.description
        return parameter


def query_extension(*parameters: QueryParameter) -> dict[str, Any]:
    """`openapi_extensions=` of a route that reads `parameters` itself (`read_query`)."""
    return {QUERY_PARAMETERS_EXTENSION: [parameter.described() for parameter in parameters]}


@cache
def _adapter(parameter: QueryParameter) -> TypeAdapter[Any]:
    from typing import Annotated  # noqa: PLC0415 - with pydantic, at the first read

    from pydantic import Field, TypeAdapter  # noqa: PLC0415 - see the module docstring

    field = Field(ge=parameter.ge, le=parameter.le, max_length=parameter.max_length)
    kind: Any = int if parameter.integer else str | None
    return TypeAdapter(Annotated[kind, field])


def read_query(event: APIGatewayProxyEvent, parameters: Sequence[QueryParameter]) -> dict[str, Any]:
    """Every parameter's value by name (its default when absent), or the 400 naming each refused one."""
    from pydantic import ValidationError  # noqa: PLC0415 - see the module docstring

    repeated = event.multi_value_query_string_parameters or {}
    single = event.query_string_parameters or {}
    values: dict[str, Any] = {}
    errors: list[Any] = []
    for parameter in parameters:
        value: Any = repeated.get(parameter.name, single.get(parameter.name))
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if value is None:
            values[parameter.name] = parameter.default
            continue
        try:
            values[parameter.name] = _adapter(parameter).validate_python(value)
        except ValidationError as error:
            errors += [{**item, "loc": ("query", parameter.name, *item["loc"])} for item in error.errors()]
    if errors:
        raise validation_error(errors)
    return values


__all__ = ["QueryParameter", "query_extension", "read_query"]
