"""The least-privilege policy for whoever runs the wizard against a real account.

Exactly the calls the wizard can make (steps, policy search, cleanup), plus the
permissions AWS checks on the side: tagging a user at creation needs iam:TagUser,
and creating it with a boundary needs iam:PutUserPermissionsBoundary.
A test checks that every call recorded during full runs is listed here.
"""
import json

from iamwizard.core.errors import required_permissions

OPERATIONS = [("sts", "GetCallerIdentity")] + [("iam", op) for op in (
    # connect, and the reads behind forms and verification
    "ListAccountAliases", "GetAccountPasswordPolicy", "GetAccountSummary", "ListUsers", "ListGroups", "ListPolicies",
    "GetUser", "ListUserTags", "GetLoginProfile", "ListGroupsForUser", "ListAttachedUserPolicies", "ListUserPolicies",
    "GetUserPolicy", "ListMFADevices", "ListVirtualMFADevices",
    # create the user and its permissions
    "CreateUser", "TagUser", "PutUserPermissionsBoundary", "CreateLoginProfile", "CreateGroup", "AttachGroupPolicy",
    "AddUserToGroup", "AttachUserPolicy", "PutUserPolicy",
    # the require-MFA policy: created, read back, and deleted in AWS's order
    "CreatePolicy", "GetPolicy", "GetPolicyVersion", "ListEntitiesForPolicy", "DetachRolePolicy", "ListPolicyVersions",
    "DeletePolicyVersion", "DeletePolicy",
    # MFA
    "CreateVirtualMFADevice", "EnableMFADevice", "DeleteVirtualMFADevice",
    # cleanup, in AWS's required order
    "DeleteLoginProfile", "ListAccessKeys", "DeleteAccessKey", "ListSigningCertificates", "DeleteSigningCertificate",
    "ListSSHPublicKeys", "DeleteSSHPublicKey", "DeactivateMFADevice", "DeleteUserPolicy", "DetachUserPolicy",
    "RemoveUserFromGroup", "DeleteUser", "GetGroup", "ListAttachedGroupPolicies", "DetachGroupPolicy",
    "ListGroupPolicies", "DeleteGroupPolicy", "DeleteGroup",
)]


def document() -> dict:
    return required_permissions(OPERATIONS)


def document_json() -> str:
    return json.dumps(document(), indent=2)
