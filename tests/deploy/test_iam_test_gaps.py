"""Does tests/deploy/test_iam_policies.py really fail on wildcards? Its checks, run on the translated template
with one wildcard grant added in a form CloudFormation accepts, must each fail."""

from __future__ import annotations

import copy
from typing import Any

from tests.deploy import test_iam_policies as iam

ROLE = "IntegrationsFunctionRole"


def _fails(check: Any, document: dict[str, Any]) -> bool:
    try:
        check(document)
    except (AssertionError, KeyError):
        return True
    return False


def test_the_unchanged_template_passes(translated: dict[str, Any]) -> None:
    assert not _fails(iam.test_no_wildcards_in_actions_or_resources, translated)


def test_a_customer_managed_policy_attached_by_roles_granting_everything_is_caught(
    translated: dict[str, Any],
) -> None:
    document = copy.deepcopy(translated)
    document["Resources"]["Everything"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "Roles": [{"Ref": ROLE}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            },
        },
    }
    assert _fails(iam.test_no_wildcards_in_actions_or_resources, document)


def test_an_iam_role_policy_resource_granting_everything_is_caught(translated: dict[str, Any]) -> None:
    document = copy.deepcopy(translated)
    document["Resources"]["Everything"] = {
        "Type": "AWS::IAM::RolePolicy",
        "Properties": {
            "RoleName": {"Ref": ROLE},
            "PolicyName": "everything",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}],
            },
        },
    }
    assert _fails(iam.test_no_wildcards_in_actions_or_resources, document)


def test_a_question_mark_wildcard_action_is_caught(translated: dict[str, Any]) -> None:
    """IAM action names take `?` (any one character) as well as `*`."""
    document = copy.deepcopy(translated)
    policies = document["Resources"][ROLE]["Properties"]["Policies"]
    statement = policies[0]["PolicyDocument"]["Statement"][0]
    statement["Action"] = [
        *iam._as_list(statement["Action"]),
        "dynamodb:??????????",
    ]  # e.g. BatchWrite?tem...
    assert _fails(iam.test_no_wildcards_in_actions_or_resources, document)
