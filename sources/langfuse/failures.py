"""Resource isolation: one resource that cannot be read costs only itself, never the others.

A resource whose endpoint answers 404 or 403, or keeps failing after its retries, stops there: what the
other resources read commits with their state, its own watermark stays where the last good run left it,
so the next run reads its range again (rows it yielded before failing are merged on their key, never
doubled). A 404 on an endpoint an older server may lack (``ResourceSpec.optional``) is "not available on
this server": reported, not a failure. Wrong keys (401) and configuration errors still stop the run:
every resource would fail the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sources.langfuse.errors import (
    AccessDeniedError,
    AuthenticationError,
    ConfigurationError,
    EndpointNotAvailableError,
    LangfuseSyncError,
)


def is_isolated(error: LangfuseSyncError) -> bool:
    """Whether this failure belongs to one resource (the others can still be read)."""
    if isinstance(error, AuthenticationError):
        return isinstance(error, AccessDeniedError)
    return not isinstance(error, ConfigurationError)


@dataclass(frozen=True)
class ResourceFailure:
    resource: str
    project_id: str
    host: str
    scope: str | None  # what was being read: "full read" or "window [from, to)"
    error: LangfuseSyncError
    unavailable: bool  # an optional endpoint this server does not have

    @property
    def cause(self) -> str:
        return str(self.error)


@dataclass
class FailureLog:
    """The failures of one run, shared by the sources of all its rounds: a resource that failed for a
    project is not tried again in a later round of the same run (its failure is reported once)."""

    failures: list[ResourceFailure] = field(default_factory=list)

    def record(self, resource: str, project_id: str, host: str, scope: str | None, error: LangfuseSyncError,
               optional: bool) -> ResourceFailure:
        unavailable = optional and isinstance(error, EndpointNotAvailableError)
        failure = ResourceFailure(resource, project_id, host, scope, error, unavailable)
        self.failures.append(failure)
        return failure

    def has(self, resource: str, project_id: str) -> bool:
        return any(f.resource == resource and f.project_id == project_id for f in self.failures)
