"""The address of the client behind a request."""


def client_ip(request) -> str:
    """The client's address: the peer's own, REMOTE_ADDR (no forwarding header is trusted here)."""
    return request.META.get("REMOTE_ADDR", "")
