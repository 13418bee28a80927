"""The sandbox's administrator credentials, in its default account (one definition for the
wizard's AWS boundary and for the sandbox, which must not import each other).

Not secrets: they only open the local emulator. Each run then assumes a role into an
emulated account of its own.
"""
ACCESS_KEY_ID = "AKIASANDBOXADMIN0000"
SECRET_ACCESS_KEY = "sandbox-secret-not-a-real-key"
REGION = "us-east-1"
