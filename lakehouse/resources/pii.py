"""The secret that makes PII hashes unlinkable outside the lakehouse."""

from dagster import ConfigurableResource
from pydantic import Field


class PiiPolicy(ConfigurableResource):
    """Configure with ``EnvVar("LAKEHOUSE_PII_SALT")``: the salt is a secret and never appears in metadata or logs."""

    salt: str = Field(description="Secret key of the HMAC-SHA256 that replaces e-mail and phone")
