"""Exceptions of bedrock_token: one base class, each also the built-in that AWS's generator raises."""


class BedrockTokenError(Exception):
    """Base class of every error raised by bedrock_token."""


class InvalidInputError(BedrockTokenError, ValueError):
    """An argument is invalid (region, expiry, credentials field, token string, setting).

    A ValueError, as in ``aws_bedrock_token_generator``, so existing ``except ValueError`` clauses work.
    """


class CredentialsError(BedrockTokenError, RuntimeError):
    """No usable AWS credentials (none found, expired, or a provider failed or timed out).

    A RuntimeError, as in ``aws_bedrock_token_generator``.
    """


class ProvisionError(BedrockTokenError, RuntimeError):
    """An IAM call failed while provisioning; the message lists what exists and how to remove it."""


class SecretsManagerError(CredentialsError):
    """The key could not be read from the AWS Secrets Manager secret a ``TokenProvider`` takes it
    from: not found, access denied, scheduled for deletion, or a value that is not a key (the
    message names the field, never the value). A ``CredentialsError``, so a RuntimeError."""
