"""Downloading files that imported content points at, without reaching the site's own network.

An export names images by URL, and an export is whatever the person running the import was
given: a URL can point at the machine itself, the private network or a cloud metadata service.
requests-hardened resolves each host, refuses private, loopback, link-local and reserved
addresses, and connects to the address it checked, on every redirect too; the size and the
total time of each download are capped here.
"""

import time
from urllib.parse import urlsplit

import requests
from requests_hardened import Config, Manager
from requests_hardened.ip_filter import InvalidIPAddress

MAX_BYTES = 25 * 1024 * 1024
MAX_SECONDS = 60
MAX_REDIRECTS = 5
CHUNK = 64 * 1024


class DownloadRefused(Exception):
    """The file was not downloaded; the message says why, for the import's warnings."""


def _manager(allow_private_hosts):
    return Manager(
        Config(
            ip_filter_enable=not allow_private_hosts,
            ip_filter_allow_loopback_ips=False,
            never_redirect=False,
            default_timeout=(5, 20),
            user_agent_override="Broadsheet importer",
        )
    )


def download(url, *, allow_private_hosts=False, max_bytes=MAX_BYTES, max_seconds=MAX_SECONDS):
    """The body and Content-Type of `url`; raises DownloadRefused when it is not allowed or fails."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DownloadRefused("only http and https addresses are downloaded")
    deadline = time.monotonic() + max_seconds
    try:
        with _manager(allow_private_hosts).get_session() as session:
            session.max_redirects = MAX_REDIRECTS
            with session.get(url, stream=True) as response:
                response.raise_for_status()
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise DownloadRefused(f"larger than {max_bytes // (1024 * 1024)} MB")
                chunks, size = [], 0
                for chunk in response.iter_content(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadRefused(f"larger than {max_bytes // (1024 * 1024)} MB")
                    if time.monotonic() > deadline:
                        raise DownloadRefused(f"took longer than {max_seconds} seconds")
                    chunks.append(chunk)
                return b"".join(chunks), response.headers.get("Content-Type", "")
    except InvalidIPAddress as error:
        raise DownloadRefused(
            f"{error} is a private or local address (--allow-private-hosts downloads from it)"
        ) from error
    except requests.RequestException as error:
        raise DownloadRefused(str(error) or error.__class__.__name__) from error
