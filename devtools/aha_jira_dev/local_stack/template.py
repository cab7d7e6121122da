"""The SAM template as the local stack sees it.

`load_template()` parses `template.yaml` (CloudFormation short tags included) and derives what the local
stack needs: the functions and their handlers, the API routes, the SQS event sources, the tables and the
queues, and each function's environment with its intrinsics resolved for the local stack (a table's
`!Ref` is its logical id, a queue's `!Ref` its URL in the local endpoint, pseudo parameters are fixed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

LOCAL_STACK_NAME = "aha-jira-local"
LOCAL_REGION = "us-east-1"
LOCAL_ACCOUNT_ID = "123456789012"

PSEUDO_PARAMETERS: dict[str, str] = {
    "AWS::StackName": LOCAL_STACK_NAME,
    "AWS::Region": LOCAL_REGION,
    "AWS::AccountId": LOCAL_ACCOUNT_ID,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackId": (
        f"arn:aws:cloudformation:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:stack/{LOCAL_STACK_NAME}/"
        "00000000-0000-0000-0000-000000000000"
    ),
    "AWS::NoValue": "",
}

_SAM_FUNCTION = "AWS::Serverless::Function"
_SAM_API = "AWS::Serverless::Api"
_DYNAMODB_TABLE = "AWS::DynamoDB::Table"
_SQS_QUEUE = "AWS::SQS::Queue"


class TemplateError(ValueError):
    """The template lacks something the local stack needs, or uses what it cannot resolve locally."""


# --------------------------------------------------------------------------------------------------------
# YAML with CloudFormation short tags
# --------------------------------------------------------------------------------------------------------
class CloudFormationLoader(yaml.SafeLoader):
    """A safe YAML loader that turns `!Ref x` into `{"Ref": "x"}`, `!Sub s` into `{"Fn::Sub": s}`, etc."""


def _construct_node(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise TemplateError(f"unexpected YAML node {node!r}")  # pragma: no cover


def _short_tag(full_name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {full_name: _construct_node(loader, node)}

    return construct


def _construct_get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _construct_node(loader, node)
    if isinstance(value, str):
        # `!GetAtt Resource.Attribute` (the attribute itself may contain dots)
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {"Fn::GetAtt": value}


CloudFormationLoader.add_constructor("!Ref", _short_tag("Ref"))
CloudFormationLoader.add_constructor("!Condition", _short_tag("Condition"))
CloudFormationLoader.add_constructor("!GetAtt", _construct_get_att)
for _name in (
    "Sub",
    "Join",
    "Select",
    "Split",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Base64",
    "Cidr",
    "Length",
    "ToJsonString",
    "Transform",
):
    CloudFormationLoader.add_constructor(f"!{_name}", _short_tag(f"Fn::{_name}"))


def load_yaml(text: str) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML document."""
    document = yaml.load(text, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict):
        raise TemplateError("the template is not a YAML mapping")
    return cast(dict[str, Any], document)


# --------------------------------------------------------------------------------------------------------
# What the local stack derives from the template
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FunctionDef:
    """An `AWS::Serverless::Function` with Globals applied."""

    logical_id: str
    name: str  # the handler's folder: the CodeUri folder ("integrations"), or the handler's package ("api_docs")
    code_dir: Path
    handler_module: str
    handler_function: str
    timeout_seconds: int
    memory_mb: int
    environment: Mapping[str, Any]  # unresolved (may hold intrinsics); see Template.environment()

    @property
    def handler_file(self) -> Path:
        return self.code_dir.joinpath(*self.handler_module.split(".")).with_suffix(".py")

    @property
    def local_function_name(self) -> str:
        return f"{LOCAL_STACK_NAME}-{self.logical_id}"


@dataclass(frozen=True)
class ApiRoute:
    """One `Type: Api` event: a method on a path template, served by a function."""

    function: str  # logical id
    event_name: str
    method: str  # upper case; "ANY" matches every method
    path: str  # e.g. /integrations/{integration_id} or /files/{proxy+}
    api_key_required: bool
    pattern: re.Pattern[str] = field(repr=False, compare=False)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when this route serves `method path`, else None."""
        if self.method not in ("ANY", method.upper()):
            return None
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        return dict(zip(_PARAM_NAMES.findall(self.path), found.groups(), strict=True))

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Sort key: literal segments beat `{param}`, which beats `{proxy+}`; a method beats ANY."""
        segments = [s for s in self.path.split("/") if s]
        literal = sum(1 for s in segments if not s.startswith("{"))
        greedy = sum(1 for s in segments if s.endswith("+}"))
        return (-literal, greedy, 1 if self.method == "ANY" else 0)


@dataclass(frozen=True)
class SqsEventSource:
    """One `Type: SQS` event: a queue polled for a function."""

    function: str  # logical id
    event_name: str
    queue: str  # logical id of the AWS::SQS::Queue
    batch_size: int
    report_batch_item_failures: bool
    enabled: bool = True
    # `ScalingConfig.MaximumConcurrency`: how many invocations Lambda runs at once for the source (None: not
    # capped; the local poller then runs one).
    maximum_concurrency: int | None = None


@dataclass(frozen=True)
class TableDef:
    """An `AWS::DynamoDB::Table` as declared (CloudFormation property names)."""

    logical_id: str
    properties: Mapping[str, Any]

    @property
    def table_name(self) -> str:
        """The local table name: the TableName property if a plain string, else the logical id."""
        name = self.properties.get("TableName")
        return name if isinstance(name, str) else self.logical_id

    @property
    def key_schema(self) -> list[dict[str, str]]:
        return [dict(k) for k in self.properties["KeySchema"]]

    @property
    def attribute_definitions(self) -> list[dict[str, str]]:
        return [dict(a) for a in self.properties["AttributeDefinitions"]]

    @property
    def global_secondary_indexes(self) -> list[dict[str, Any]]:
        return [dict(g) for g in self.properties.get("GlobalSecondaryIndexes", [])]

    @property
    def local_secondary_indexes(self) -> list[dict[str, Any]]:
        return [dict(g) for g in self.properties.get("LocalSecondaryIndexes", [])]

    @property
    def ttl_attribute(self) -> str | None:
        ttl = self.properties.get("TimeToLiveSpecification")
        if isinstance(ttl, Mapping) and _truthy(ttl.get("Enabled", False)):
            return str(ttl["AttributeName"])
        return None

    @property
    def billing_mode(self) -> str:
        return str(self.properties.get("BillingMode", "PROVISIONED"))

    @property
    def point_in_time_recovery(self) -> bool:
        pitr = self.properties.get("PointInTimeRecoverySpecification")
        return isinstance(pitr, Mapping) and _truthy(pitr.get("PointInTimeRecoveryEnabled", False))


@dataclass(frozen=True)
class QueueDef:
    """An `AWS::SQS::Queue` as declared."""

    logical_id: str
    properties: Mapping[str, Any]

    @property
    def queue_name(self) -> str:
        name = self.properties.get("QueueName")
        if isinstance(name, str):
            return name
        return f"{self.logical_id}.fifo" if self.fifo else self.logical_id

    @property
    def fifo(self) -> bool:
        return _truthy(self.properties.get("FifoQueue", False))

    @property
    def visibility_timeout(self) -> int:
        return int(self.properties.get("VisibilityTimeout", 30))

    @property
    def dead_letter_queue(self) -> str | None:
        """Logical id of the redrive target, when the redrive policy points at a queue of this template."""
        policy = self.properties.get("RedrivePolicy")
        if not isinstance(policy, Mapping):
            return None
        target = policy.get("deadLetterTargetArn")
        if isinstance(target, Mapping) and "Fn::GetAtt" in target:
            resource, attribute = _get_att_parts(target["Fn::GetAtt"])
            if attribute == "Arn":
                return resource
        raise TemplateError(f"{self.logical_id}: deadLetterTargetArn must be !GetAtt <Queue>.Arn locally")

    @property
    def max_receive_count(self) -> int | None:
        policy = self.properties.get("RedrivePolicy")
        if isinstance(policy, Mapping) and "maxReceiveCount" in policy:
            return int(policy["maxReceiveCount"])
        return None

    def attributes(self) -> dict[str, str]:
        """SQS CreateQueue attributes except the redrive policy (which needs the DLQ's ARN)."""
        names = (
            "DelaySeconds",
            "MaximumMessageSize",
            "MessageRetentionPeriod",
            "ReceiveMessageWaitTimeSeconds",
            "VisibilityTimeout",
            "SqsManagedSseEnabled",
            "FifoQueue",
            "ContentBasedDeduplication",
            "DeduplicationScope",
            "FifoThroughputLimit",
        )
        result: dict[str, str] = {}
        for name in names:
            if name in self.properties:
                value = self.properties[name]
                result[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return result


@dataclass(frozen=True)
class Template:
    """A parsed SAM template and what the local stack derives from it."""

    path: Path
    document: Mapping[str, Any]

    @property
    def root_dir(self) -> Path:
        return self.path.parent

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        return cast(Mapping[str, Mapping[str, Any]], self.document.get("Resources", {}))

    def _of_type(self, resource_type: str) -> dict[str, Mapping[str, Any]]:
        return {
            logical_id: resource.get("Properties", {}) or {}
            for logical_id, resource in self.resources.items()
            if resource.get("Type") == resource_type
        }

    # -- parameters -------------------------------------------------------------------------------------
    @property
    def parameters(self) -> dict[str, str]:
        """Each parameter's default value (as a string, as CloudFormation passes it)."""
        result: dict[str, str] = {}
        for name, spec in (self.document.get("Parameters") or {}).items():
            if "Default" in spec:
                result[name] = str(spec["Default"])
        return result

    # -- functions --------------------------------------------------------------------------------------
    @property
    def _function_globals(self) -> Mapping[str, Any]:
        return cast(Mapping[str, Any], (self.document.get("Globals") or {}).get("Function") or {})

    @property
    def functions(self) -> dict[str, FunctionDef]:
        """Functions by logical id."""
        result: dict[str, FunctionDef] = {}
        defaults = self._function_globals
        for logical_id, props in self._of_type(_SAM_FUNCTION).items():
            code_uri = props.get("CodeUri", defaults.get("CodeUri"))
            handler = props.get("Handler", defaults.get("Handler"))
            if not isinstance(code_uri, str) or not isinstance(handler, str):
                raise TemplateError(f"{logical_id}: the local stack needs a local CodeUri and a Handler")
            module, _, function = handler.rpartition(".")
            code_dir = (self.root_dir / code_uri).resolve()
            result[logical_id] = FunctionDef(
                logical_id=logical_id,
                # `api_docs.app` under `functions/` is the function of folder api_docs (Lambda imports it so).
                name=module.split(".")[0] if "." in module else Path(code_uri.rstrip("/")).name,
                code_dir=code_dir,
                handler_module=module,
                handler_function=function,
                timeout_seconds=int(props.get("Timeout", defaults.get("Timeout", 3))),
                memory_mb=int(props.get("MemorySize", defaults.get("MemorySize", 128))),
                environment={
                    **((defaults.get("Environment") or {}).get("Variables") or {}),
                    **((props.get("Environment") or {}).get("Variables") or {}),
                },
            )
        return result

    def function(self, name_or_logical_id: str) -> FunctionDef:
        """A function by logical id (`IntegrationsFunction`) or short name (`integrations`)."""
        functions = self.functions
        if name_or_logical_id in functions:
            return functions[name_or_logical_id]
        for function in functions.values():
            if function.name == name_or_logical_id:
                return function
        known = ", ".join(sorted([*functions, *(f.name for f in functions.values())]))
        raise TemplateError(f"no function {name_or_logical_id!r} in the template (known: {known})")

    # -- API --------------------------------------------------------------------------------------------
    def _api_properties(self, rest_api_id: Any) -> Mapping[str, Any]:
        apis = self._of_type(_SAM_API)
        if isinstance(rest_api_id, Mapping) and "Ref" in rest_api_id:
            return apis.get(str(rest_api_id["Ref"]), {})
        if rest_api_id is None:
            # SAM's implicit API takes Globals.Api
            return cast(Mapping[str, Any], (self.document.get("Globals") or {}).get("Api") or {})
        return {}

    @property
    def routes(self) -> list[ApiRoute]:
        """Every `Type: Api` event, most specific first (the order API Gateway matches them)."""
        result: list[ApiRoute] = []
        for logical_id, props in self._of_type(_SAM_FUNCTION).items():
            for event_name, event in (props.get("Events") or {}).items():
                if event.get("Type") != "Api":
                    continue
                properties = event.get("Properties") or {}
                api = self._api_properties(properties.get("RestApiId"))
                default_required = _truthy(((api.get("Auth") or {}).get("ApiKeyRequired")) or False)
                event_auth = properties.get("Auth") or {}
                required = (
                    _truthy(event_auth["ApiKeyRequired"])
                    if "ApiKeyRequired" in event_auth
                    else default_required
                )
                path = str(properties["Path"])
                result.append(
                    ApiRoute(
                        function=logical_id,
                        event_name=event_name,
                        method=str(properties["Method"]).upper(),
                        path=path,
                        api_key_required=required,
                        pattern=_path_pattern(path),
                    )
                )
        return sorted(result, key=lambda route: route.specificity)

    @property
    def binary_media_types(self) -> list[str]:
        """The API's binary media types, with SAM's `~1` written back as `/`."""
        types: list[str] = []
        for props in self._of_type(_SAM_API).values():
            types.extend(str(t).replace("~1", "/") for t in props.get("BinaryMediaTypes") or [])
        return types

    @property
    def stage_name(self) -> str:
        for props in self._of_type(_SAM_API).values():
            stage = self.resolve(props.get("StageName", "Prod"), refs={}, attributes={})
            return str(stage)
        return "Prod"

    # -- SQS event sources ------------------------------------------------------------------------------
    @property
    def sqs_event_sources(self) -> list[SqsEventSource]:
        result: list[SqsEventSource] = []
        for logical_id, props in self._of_type(_SAM_FUNCTION).items():
            for event_name, event in (props.get("Events") or {}).items():
                if event.get("Type") != "SQS":
                    continue
                properties = event.get("Properties") or {}
                queue = properties.get("Queue")
                if not (isinstance(queue, Mapping) and "Fn::GetAtt" in queue):
                    raise TemplateError(f"{logical_id}.{event_name}: Queue must be !GetAtt <Queue>.Arn")
                queue_id, _ = _get_att_parts(queue["Fn::GetAtt"])
                result.append(
                    SqsEventSource(
                        function=logical_id,
                        event_name=event_name,
                        queue=queue_id,
                        batch_size=int(properties.get("BatchSize", 10)),
                        report_batch_item_failures="ReportBatchItemFailures"
                        in (properties.get("FunctionResponseTypes") or []),
                        enabled=_truthy(properties.get("Enabled", True)),
                        maximum_concurrency=self._maximum_concurrency(properties),
                    )
                )
        return result

    def _maximum_concurrency(self, properties: Mapping[str, Any]) -> int | None:
        scaling = properties.get("ScalingConfig") or {}
        value = scaling.get("MaximumConcurrency") if isinstance(scaling, Mapping) else None
        if value is None:
            return None
        return int(self.resolve(value, refs={}, attributes={}))

    # -- data -------------------------------------------------------------------------------------------
    @property
    def tables(self) -> dict[str, TableDef]:
        return {lid: TableDef(lid, props) for lid, props in self._of_type(_DYNAMODB_TABLE).items()}

    @property
    def queues(self) -> dict[str, QueueDef]:
        return {lid: QueueDef(lid, props) for lid, props in self._of_type(_SQS_QUEUE).items()}

    # -- intrinsics -------------------------------------------------------------------------------------
    def resolve(
        self,
        value: Any,
        *,
        refs: Mapping[str, str],
        attributes: Mapping[str, Mapping[str, str]],
        parameters: Mapping[str, str] | None = None,
    ) -> Any:
        """Resolve the intrinsics the local stack supports (Ref, GetAtt, Sub, Join, Select, Split).

        `refs` maps a logical id to its Ref value, `attributes` a logical id to its attributes by name;
        parameters take their template defaults unless given; pseudo parameters are the local ones."""
        params = {**self.parameters, **(parameters or {})}
        return _Resolver(refs, attributes, {**PSEUDO_PARAMETERS, **params}).resolve(value)

    def environment(
        self,
        function: str | FunctionDef,
        *,
        refs: Mapping[str, str],
        attributes: Mapping[str, Mapping[str, str]] | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """A function's environment variables (Globals + its own), resolved for the local stack."""
        definition = function if isinstance(function, FunctionDef) else self.function(function)
        resolved = self.resolve(
            dict(definition.environment), refs=refs, attributes=attributes or {}, parameters=parameters
        )
        return {str(k): _env_string(v) for k, v in resolved.items()}


def load_template(path: str | Path) -> Template:
    """Parse a SAM template file."""
    template_path = Path(path).resolve()
    return Template(path=template_path, document=load_yaml(template_path.read_text(encoding="utf-8")))


def default_template_path() -> Path:
    """`template.yaml` in the current directory, else the repository's."""
    here = Path.cwd() / "template.yaml"
    if here.is_file():
        return here
    return Path(__file__).resolve().parents[3] / "template.yaml"


# --------------------------------------------------------------------------------------------------------
# internals
# --------------------------------------------------------------------------------------------------------
_PARAM = re.compile(r"\{([A-Za-z0-9_.-]+)(\+?)\}")
_PARAM_NAMES = re.compile(r"\{([A-Za-z0-9_.-]+)\+?\}")


def _path_pattern(path: str) -> re.Pattern[str]:
    """A regex for an API Gateway path template: `{name}` is one segment, `{name+}` the rest."""
    parts: list[str] = []
    position = 0
    for found in _PARAM.finditer(path):
        parts.append(re.escape(path[position : found.start()]))
        parts.append("(.+)" if found.group(2) else "([^/]+)")
        position = found.end()
    parts.append(re.escape(path[position:]))
    return re.compile("".join(parts))


def _get_att_parts(value: Any) -> tuple[str, str]:
    if isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return resource, attribute
    return str(value[0]), str(value[1])


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _env_string(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class _Resolver:
    def __init__(
        self,
        refs: Mapping[str, str],
        attributes: Mapping[str, Mapping[str, str]],
        parameters: Mapping[str, str],
    ) -> None:
        self._refs = refs
        self._attributes = attributes
        self._parameters = parameters

    def resolve(self, value: Any) -> Any:  # noqa: PLR0911 - one return per intrinsic
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            (key, argument), *_ = value.items()
            if key == "Ref":
                return self._ref(str(argument))
            if key == "Fn::GetAtt":
                return self._get_att(*_get_att_parts(argument))
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::Join":
                delimiter, items = argument
                return str(delimiter).join(str(self.resolve(i)) for i in self.resolve(items))
            if key == "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                delimiter, text = argument
                return str(self.resolve(text)).split(str(delimiter))
            if key.startswith("Fn::"):
                raise TemplateError(f"{key} is not supported by the local stack")
        return {k: self.resolve(v) for k, v in value.items()}

    def _ref(self, name: str) -> str:
        if name in self._parameters:
            return self._parameters[name]
        if name in self._refs:
            return self._refs[name]
        raise TemplateError(f"cannot resolve !Ref {name} locally")

    def _get_att(self, resource: str, attribute: str) -> str:
        try:
            return self._attributes[resource][attribute]
        except KeyError:
            raise TemplateError(f"cannot resolve !GetAtt {resource}.{attribute} locally") from None

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = str(argument[0]), {k: str(self.resolve(v)) for k, v in argument[1].items()}
        else:
            text, variables = str(argument), {}

        def substitute(found: re.Match[str]) -> str:
            name = found.group(1)
            if name in variables:
                return variables[name]
            if "." in name:
                resource, _, attribute = name.partition(".")
                return self._get_att(resource, attribute)
            return self._ref(name)

        return _SUB_VARIABLE.sub(substitute, text).replace("${!", "${")
