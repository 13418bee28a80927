"""Pure-Python rules of AWS IAM the wizard checks before calling AWS.

Nothing here imports Django or boto3: the rules are plain functions so they
can be unit-tested quickly and reused by both the web views and the AWS layer.
"""
