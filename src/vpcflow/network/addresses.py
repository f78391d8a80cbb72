"""IPv4/IPv6 prefixes, port ranges and protocol numbers, as small immutable values.

Addresses are held as integers so that containment and longest-prefix match are
integer arithmetic (the reachability walk does thousands of them per second).
IPv6 prefixes are parsed and kept so a lab may carry them, but they can never
match an IPv4 packet (vpc-semantics.md §1.3) and the walk itself is IPv4 only.

>>> c = Cidr.parse("10.1.0.0/16")
>>> c.contains(parse_ipv4("10.1.1.133")), str(c), c.size
(True, '10.1.0.0/16', 65536)
>>> is_private(parse_ipv4("172.20.0.1")), is_private(parse_ipv4("3.80.10.20"))
(True, False)
>>> PortRange.parse("1024-65535"), PortRange.parse(22)
(PortRange(low=1024, high=65535), PortRange(low=22, high=22))
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

IPV4_MAX = (1 << 32) - 1

PROTOCOL_NUMBERS = {"all": -1, "-1": -1, "icmp": 1, "tcp": 6, "udp": 17, "icmpv6": 58}
PROTOCOL_NAMES = {-1: "all", 1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"}
PORT_PROTOCOLS = frozenset({6, 17})


# Both conversions are memoised: a simulation converts the same few hundred
# addresses millions of times (60,000 background flows: 1.25 M ip_str calls),
# and ipaddress objects are slow to build.
@functools.lru_cache(maxsize=1 << 16)
def parse_ipv4(text: str) -> int:
    """``"10.1.1.133"`` -> integer. Raises ValueError for anything else (IPv6 included)."""
    return int(ipaddress.IPv4Address(text.strip()))


@functools.lru_cache(maxsize=1 << 16)
def ip_str(value: int) -> str:
    """Integer -> dotted quad."""
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"{value} is not an IPv4 address")
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


def ip_version(text: str) -> int | None:
    """4 or 6 for an address, None when ``text`` is not an address."""
    try:
        return ipaddress.ip_address(text.strip()).version
    except ValueError:
        return None


@dataclass(frozen=True, order=True)
class Cidr:
    """A canonical IPv4 or IPv6 prefix. ``network`` is the integer base address."""

    version: int
    network: int
    prefix: int

    @classmethod
    def parse(cls, text: str) -> Cidr:
        """Parse ``a.b.c.d/n`` (or an IPv6 prefix). Host bits are cleared: see :meth:`had_host_bits`."""
        net = ipaddress.ip_network(str(text).strip(), strict=False)
        return cls(net.version, int(net.network_address), net.prefixlen)

    @staticmethod
    def had_host_bits(text: str) -> bool:
        """True when ``text`` names a prefix with host bits set (``10.1.0.5/16``)."""
        try:
            ipaddress.ip_network(str(text).strip(), strict=True)
        except ValueError:
            return True
        return False

    @classmethod
    def host(cls, address: int) -> Cidr:
        """The /32 of an IPv4 address."""
        return cls(4, address, 32)

    @property
    def bits(self) -> int:
        return 32 if self.version == 4 else 128

    @property
    def size(self) -> int:
        return 1 << (self.bits - self.prefix)

    @property
    def last(self) -> int:
        return self.network + self.size - 1

    def contains(self, address: int, version: int = 4) -> bool:
        return version == self.version and self.network <= address <= self.last

    def covers(self, other: Cidr) -> bool:
        """True when every address of ``other`` is inside this prefix."""
        return (
            other.version == self.version
            and self.prefix <= other.prefix
            and self.network <= other.network
            and other.last <= self.last
        )

    def overlaps(self, other: Cidr) -> bool:
        return (
            other.version == self.version
            and self.network <= other.last
            and other.network <= self.last
        )

    def __str__(self) -> str:
        if self.version == 4:
            return f"{ip_str(self.network)}/{self.prefix}"
        return f"{ipaddress.IPv6Address(self.network)}/{self.prefix}"


ANY_IPV4 = Cidr(4, 0, 0)
_RFC1918 = (Cidr.parse("10.0.0.0/8"), Cidr.parse("172.16.0.0/12"), Cidr.parse("192.168.0.0/16"))
_RFC6598 = Cidr.parse("100.64.0.0/10")
_LINK_LOCAL = Cidr.parse("169.254.0.0/16")
_RESERVED_ROUTE_DESTINATIONS = Cidr.parse("169.254.168.0/22")


def is_rfc1918(address: int) -> bool:
    return any(c.contains(address) for c in _RFC1918)


def is_rfc6598(address: int) -> bool:
    return _RFC6598.contains(address)


def is_private(address: int) -> bool:
    """RFC 1918 or the shared range 100.64.0.0/10: addresses an internet gateway refuses."""
    return is_rfc1918(address) or is_rfc6598(address)


def is_link_local(address: int) -> bool:
    return _LINK_LOCAL.contains(address)


def in_reserved_route_range(cidr: Cidr) -> bool:
    """169.254.168.0/22 and anything inside it cannot be a route destination (§3.2)."""
    return cidr.version == 4 and _RESERVED_ROUTE_DESTINATIONS.covers(cidr)


def reserved_in_subnet(subnet: Cidr, address: int) -> str | None:
    """Why ``address`` is one of the five reserved addresses of ``subnet``, or None (§1.2)."""
    offset = address - subnet.network
    names = {0: "the network address", 1: "the VPC router", 2: "the Amazon DNS server"}
    if offset in names:
        return names[offset]
    if offset == 3:
        return "reserved by AWS for future use"
    if address == subnet.last:
        return "the broadcast address"
    return None


@dataclass(frozen=True)
class PortRange:
    """An inclusive port range; ``PortRange(22, 22)`` is one port."""

    low: int
    high: int

    @classmethod
    def parse(cls, value: int | str) -> PortRange:
        """``22``, ``"22"`` or ``"1024-65535"``. Raises ValueError on bad input."""
        if isinstance(value, bool):
            raise ValueError("a port must be a number or a range like 1024-65535")
        if isinstance(value, int):
            low = high = value
        else:
            text = str(value).strip()
            if "-" in text:
                a, _, b = text.partition("-")
                low, high = int(a), int(b)
            else:
                low = high = int(text)
        if not (0 <= low <= 65535 and 0 <= high <= 65535):
            raise ValueError(f"port {value} is outside 0-65535")
        if low > high:
            raise ValueError(f"port range {value} runs backwards")
        return cls(low, high)

    def contains(self, port: int) -> bool:
        return self.low <= port <= self.high

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


ALL_PORTS = PortRange(0, 65535)


def parse_protocol(value: str | int) -> int:
    """``tcp``/``udp``/``icmp``/``icmpv6``/``all``/``-1`` or a number 0-255 -> IANA number (-1 = all)."""
    if isinstance(value, bool):
        raise ValueError("protocol must be tcp, udp, icmp, icmpv6, all or a number 0-255")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().lower()
        if text in PROTOCOL_NUMBERS:
            return PROTOCOL_NUMBERS[text]
        if not text.isdigit():
            raise ValueError(
                f"unknown protocol {value!r} (expected tcp, udp, icmp, icmpv6, all or 0-255)"
            )
        number = int(text)
    if number == -1:
        return -1
    if not 0 <= number <= 255:
        raise ValueError(f"protocol number {number} is outside 0-255")
    return number


def protocol_name(number: int) -> str:
    """6 -> ``tcp``; numbers without a name print as themselves."""
    return PROTOCOL_NAMES.get(number, str(number))
