"""The AWS boundary (the only package that imports boto3)."""
