"""Where the API key may go: the one check of a postpress base URL.

The Settings form, ``manage.py create_team`` and PostpressClient itself all call
``check_base_url``, so a URL the form accepts is a URL the client will send the key to, and a
stored URL the form would now refuse is refused by the client before any connection.

The host that is checked is the host the HTTP library connects to: the URL is parsed with
urllib3's own ``parse_url`` (what requests uses), after refusing everything on which parsers are
known to disagree or that a base URL never needs:

- characters outside printable ASCII (spaces, tabs, line breaks, control characters, IDN and
  full-width dots such as U+FF0E or U+3002) anywhere in the URL;
- a backslash, ``@`` (userinfo), ``%`` (escapes: urllib3 decodes ``%2e`` in a host to a dot),
  a query (``?``) or a fragment (``#``) anywhere in the URL;
- a host that is not a canonical address: a DNS name of letters, digits and hyphens, a dotted
  IPv4 address with four decimal parts and no leading zeros, or a bracketed IPv6 literal.
  Whatever the resolver would read as a number (``2130706433``, ``0x7f.0.0.1``, ``0177.0.0.1``,
  ``127.1``) is refused, so it can pass neither as loopback nor as an allowed host;
- a trailing dot (``api.postpress.ai.``): it names the same DNS host, but refusing it keeps one
  spelling per host;
- a port outside 1-65535. Any other port is accepted: the host decides where the key goes.

Hosts compare case-insensitively; IPv6 literals compare by address (``[0:0::1]`` is ``::1``).
Plain http is accepted only for loopback hosts (``localhost``, 127.0.0.0/8, ``::1``), and only
when the policy allows it (``POSTPRESS_ALLOW_LOOPBACK_HTTP``, off in production); everything
else needs https. Nothing here imports Django.
"""

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from postpress_dashboard.postpress.catalogue import BASE_URL_PROBLEMS

LOOPBACK_NAMES = frozenset({"localhost"})
# Characters a base URL never needs and on which URL parsers disagree.
_REFUSED_CHARACTERS = frozenset("\\@%?#")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
# What an IPv4 parser (inet_aton, WHATWG) reads as a number: decimal, octal or hex.
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
# RFC 3986 path characters, without percent-escapes.
_PATH = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:/-]*")


class BaseUrlProblem(StrEnum):
    NOT_A_URL = "not_a_url"
    CHARACTERS = "characters"
    SCHEME = "scheme"
    HOST = "host"
    PORT = "port"
    PATH = "path"
    HOST_NOT_ALLOWED = "host_not_allowed"
    PLAIN_HTTP = "plain_http"


class BaseUrlRefused(ValueError):
    """A base URL the API key may not be sent to; ``message`` says why, in the catalogue's words."""

    def __init__(self, problem: BaseUrlProblem, policy: "HostPolicy") -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.message = BASE_URL_PROBLEMS[problem.value].format(
            allowed=", ".join(sorted(policy.allowed_hosts)) or "none"
        )

    @property
    def syntax(self) -> bool:
        """True when the URL itself is broken, False when it is well-formed but not allowed."""
        return self.problem not in (BaseUrlProblem.HOST_NOT_ALLOWED, BaseUrlProblem.PLAIN_HTTP)


@dataclass(frozen=True)
class HostPolicy:
    """The hosts the key may go to, and whether loopback hosts may be reached over plain http."""

    allowed_hosts: frozenset[str]
    allow_loopback_http: bool = False

    @classmethod
    def of(cls, hosts: Iterable[str], *, allow_loopback_http: bool) -> "HostPolicy":
        """A policy from settings-style host names, normalised as URLs' hosts are."""
        normalised = {_normalised_host(host.strip()) for host in hosts if host.strip()}
        return cls(frozenset(normalised), allow_loopback_http)


# The client's default when nothing else is configured: postpress itself, over https only.
DEFAULT_HOST_POLICY = HostPolicy(frozenset({"api.postpress.ai"}), allow_loopback_http=False)


def check_base_url(base_url: str, policy: HostPolicy) -> str:
    """The base URL without trailing slashes, or BaseUrlRefused saying what is wrong with it."""
    if not base_url or not all("!" <= character <= "~" for character in base_url):
        raise BaseUrlRefused(BaseUrlProblem.CHARACTERS, policy)
    if _REFUSED_CHARACTERS & set(base_url):
        raise BaseUrlRefused(BaseUrlProblem.CHARACTERS, policy)
    base_url = base_url.rstrip("/")
    try:
        parts = parse_url(base_url)
    except LocationParseError:
        raise BaseUrlRefused(BaseUrlProblem.NOT_A_URL, policy) from None
    if parts.scheme not in ("http", "https") or not base_url.lower().startswith(
        ("http://", "https://")
    ):
        raise BaseUrlRefused(BaseUrlProblem.SCHEME, policy)
    if not parts.host:
        raise BaseUrlRefused(BaseUrlProblem.NOT_A_URL, policy)
    if parts.auth is not None or parts.query is not None or parts.fragment is not None:
        # Never true after the character check; kept so a parser change cannot slip one by.
        raise BaseUrlRefused(BaseUrlProblem.CHARACTERS, policy)
    host = _canonical_host(parts.host)
    if host is None:
        raise BaseUrlRefused(BaseUrlProblem.HOST, policy)
    if parts.port is not None and not 1 <= parts.port <= 65535:
        raise BaseUrlRefused(BaseUrlProblem.PORT, policy)
    if not _PATH.fullmatch(parts.path or ""):
        raise BaseUrlRefused(BaseUrlProblem.PATH, policy)
    if host not in policy.allowed_hosts:
        raise BaseUrlRefused(BaseUrlProblem.HOST_NOT_ALLOWED, policy)
    if parts.scheme != "https" and not (policy.allow_loopback_http and is_loopback(host)):
        raise BaseUrlRefused(BaseUrlProblem.PLAIN_HTTP, policy)
    return base_url


def is_loopback(host: str) -> bool:
    """``host`` as ``_canonical_host`` gives it: a loopback name or address."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _canonical_host(host: str) -> str | None:
    """The host as it is compared (lower case; IPv6 without brackets, compressed), or None."""
    host = host.lower()
    if host.startswith("["):
        if not host.endswith("]"):
            return None
        try:
            return str(ipaddress.IPv6Address(host[1:-1]))
        except ValueError:
            return None
    try:
        return str(ipaddress.IPv4Address(host))  # four decimal parts, no leading zeros
    except ValueError:
        pass
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return None  # includes a trailing dot (an empty last label)
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        return None  # a resolver would read it as an IPv4 address in another notation
    return host


def _normalised_host(host: str) -> str:
    """A configured host compared the way URLs' hosts are; kept as given when not canonical."""
    lowered = host.lower()
    bracketed = lowered if lowered.startswith("[") else f"[{lowered}]"
    for candidate in (lowered, bracketed):
        canonical = _canonical_host(candidate)
        if canonical is not None:
            return canonical
    return lowered
