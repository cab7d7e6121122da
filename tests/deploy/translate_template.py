"""Translate a SAM template into CloudFormation with SAM's own translator (samtranslator), as `sam deploy`
does before CloudFormation sees it; prints the result as JSON.

Runs under `.venv-sam/bin/python` (samtranslator and the SAM CLI's YAML reader live there, not in the
project's environment): `python translate_template.py template.yaml`. Local code paths are replaced by S3
placeholders, as `sam validate` does; managed policy names are not looked up (the template names ARNs).
"""

import json
import os
import sys

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

PSEUDO_PARAMETERS = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "aha-jira",
    "AWS::URLSuffix": "amazonaws.com",
}


class _NoManagedPolicyLookups:
    def load(self) -> dict[str, str]:
        return {}


def main(path: str) -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", PSEUDO_PARAMETERS["AWS::Region"])
    with open(path, encoding="utf-8") as source:
        template = yaml_parse(source.read())
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):
                properties[key] = "s3://bucket/key"
    translated = transform(template, dict(PSEUDO_PARAMETERS), _NoManagedPolicyLookups())
    json.dump(translated, sys.stdout, indent=1, default=str)


if __name__ == "__main__":
    main(sys.argv[1])
