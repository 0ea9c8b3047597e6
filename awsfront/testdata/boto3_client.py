"""boto3 against lastaccess's AWS API: what a script on boto3 does.

Usage: boto3_client.py ENDPOINT ROOT_PATH
(credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).

Generates the root's Organizations report, waits for it, pages it with
Marker to the end, catches NoSuchEntityException for an unknown job,
walks the ListUsers and GetAccountAuthorizationDetails paginators, and
prints what it got as JSON for the Go test to compare with the engine.
"""
import json
import sys
import time

import boto3


def main():
    endpoint, root = sys.argv[1], sys.argv[2]
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    out = {}

    job = iam.generate_organizations_access_report(EntityPath=root)["JobId"]
    out["JobId"] = job
    while True:
        first = iam.get_organizations_access_report(JobId=job, MaxItems=4, SortKey="LAST_AUTHENTICATED_TIME_DESCENDING")
        if first["JobStatus"] != "IN_PROGRESS":
            break
        time.sleep(0.05)
    details, pages, page = [], 0, first
    while True:
        pages += 1
        details.extend(page.get("AccessDetails", []))
        if not page["IsTruncated"]:
            break
        page = iam.get_organizations_access_report(JobId=job, MaxItems=4, Marker=page["Marker"],
                                                   SortKey="LAST_AUTHENTICATED_TIME_DESCENDING")
    for d in details:
        if "LastAuthenticatedTime" in d:
            d["LastAuthenticatedTime"] = d["LastAuthenticatedTime"].isoformat()
    out["Status"] = first["JobStatus"]
    out["Pages"] = pages
    out["AccessDetails"] = details

    try:
        iam.get_organizations_access_report(JobId="00000000-0000-4000-8000-000000000000")
        out["NoSuchEntity"] = None
    except iam.exceptions.NoSuchEntityException as e:
        out["NoSuchEntity"] = {"Code": e.response["Error"]["Code"],
                               "Status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                               "Message": e.response["Error"]["Message"]}

    users = []
    for page in iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 2}):
        users.extend(u["Arn"] for u in page["Users"])
    out["Users"] = users

    counts = {"UserDetailList": 0, "GroupDetailList": 0, "RoleDetailList": 0, "Policies": 0}
    document = None
    for page in iam.get_paginator("get_account_authorization_details").paginate(PaginationConfig={"PageSize": 3}):
        for k in counts:
            counts[k] += len(page[k])
        for r in page["RoleDetailList"]:
            if document is None and r["RolePolicyList"]:
                document = r["RolePolicyList"][0]["PolicyDocument"]
    out["DetailCounts"] = counts
    out["FirstRoleInlineDocument"] = document
    json.dump(out, sys.stdout)


main()
