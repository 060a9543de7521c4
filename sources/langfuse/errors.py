"""Errors with messages a data engineer can act on at 3 a.m. They never carry credentials."""


class LangfuseSyncError(Exception):
    """Base class: the message names what failed and what to check."""


class AuthenticationError(LangfuseSyncError):
    pass


class AccessDeniedError(AuthenticationError):
    """403: the keys are valid but may not read this endpoint (a key scoped to fewer resources)."""


class EndpointNotAvailableError(LangfuseSyncError):
    pass


class ResponseError(LangfuseSyncError):
    """The server answered something that cannot be loaded (bad JSON, HTML, truncated body)."""


class RetriesExhaustedError(LangfuseSyncError):
    pass


class ConfigurationError(LangfuseSyncError):
    pass


class QueryTooHeavyError(LangfuseSyncError):
    """422: the query is too heavy for the server (memory, time or response size). The same request
    fails the same way again; a smaller page may pass."""


def restated(error: LangfuseSyncError, message: str) -> LangfuseSyncError:
    """The same kind of error, told with more context (which step, table or host); every error here
    takes its message as its only argument."""
    return type(error)(message)
