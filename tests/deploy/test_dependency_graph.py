"""CloudFormation refuses a template whose resources depend on each other in a circle, and neither
`sam validate` nor cfn-lint sees one that only the SAM transform creates (a function's environment naming the
API, whose definition names the function's ARN). Checked on the translated template, as CloudFormation gets it.
"""

from __future__ import annotations

import re
from typing import Any

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def _references(value: Any) -> set[str]:
    """Logical ids a property value points at (Ref, Fn::GetAtt, Fn::Sub's ${Name} and ${Name.Attr})."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else str(inner).split(".", 1)[0])
            elif key == "Fn::Sub":
                text, variables = (inner, {}) if isinstance(inner, str) else (inner[0], inner[1])
                found |= {name for name in _SUB_NAME.findall(text) if name not in variables}
                found |= _references(variables)
            else:
                found |= _references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _references(inner)
    return found


def _dependencies(resources: dict[str, Any]) -> dict[str, set[str]]:
    graph = {}
    for logical_id, resource in resources.items():
        explicit = resource.get("DependsOn") or []
        named = _references(resource.get("Properties") or {}) | set(
            [explicit] if isinstance(explicit, str) else explicit
        )
        graph[logical_id] = {name for name in named if name in resources and name != logical_id}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of dependencies, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start, first in graph.items():
        if start in state:
            continue
        path = [start]
        pending = [iter(sorted(first))]
        state[start] = 1
        while pending:
            following = next(pending[-1], None)
            if following is None:
                state[path.pop()] = 2
                pending.pop()
            elif state.get(following) == 1:
                return [*path[path.index(following) :], following]
            elif following not in state:
                state[following] = 1
                path.append(following)
                pending.append(iter(sorted(graph[following])))
    return None


def test_the_checker_finds_a_circle() -> None:
    assert _cycle({"A": {"B"}, "B": {"C"}, "C": {"A"}, "D": set()}) == ["A", "B", "C", "A"]
    assert _cycle({"A": {"B"}, "B": set()}) is None


def test_the_translated_template_has_no_circular_dependency(translated: dict[str, Any]) -> None:
    assert _cycle(_dependencies(translated["Resources"])) is None


def test_the_api_stage_names_the_api_itself_as_who_we_are(translated: dict[str, Any]) -> None:
    """The stage variable may name the API: the stage depends on the API, never the other way round."""
    stages = [r for r in translated["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    assert len(stages) == 1
    variable = stages[0]["Properties"]["Variables"]["publicBaseUrl"]
    assert "Api" in _references(variable)
