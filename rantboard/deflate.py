"""Cached pages sent compressed (Content-Encoding: deflate) without compressing anything per request.

A cached page is the same for every visitor but for its slots (the CSRF token, the form's token and time stamp,
the nic, the greeting). Each part between the slots is compressed once, when the page is stored, on its own (so it
refers to nothing before it) and ending on a byte boundary (a full flush); its Adler-32 checksum and length are
kept with it. Serving a page then only joins: the zlib header, the compressed parts with each slot's text between
them as an uncompressed ("stored") block, a final empty block, and the checksum of the whole page, combined from
the parts' checksums without reading them again.

The visitor's own values are never compressed, so the size of a response reveals nothing about them (the BREACH
attack needs a secret and attacker-chosen text compressed together). Browsers all accept deflate; a client that
does not ask for it gets the page as it is.
"""

from __future__ import annotations

import re
import struct
import zlib

ADLER_MOD = 65521
ZLIB_HEADER = b"\x78\x9c"  # deflate, 32 KB window, default level; the two bytes are a multiple of 31 (RFC 1950)
FINAL_EMPTY_BLOCK = b"\x01\x00\x00\xff\xff"  # a stored block with BFINAL set and no data
MAX_STORED = 65535
_STORED_HEADER = struct.Struct("<BHH")  # a stored block that is not the last: BFINAL and BTYPE 0, LEN, NLEN
_ACCEPT = re.compile(r"(?:^|,)\s*deflate\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*(?:,|$)", re.IGNORECASE)


def accepts(request) -> bool:
    """Whether the request's Accept-Encoding lists deflate without refusing it (q=0)."""
    found = _ACCEPT.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    if found is None:
        return False
    try:
        return found.group(1) is None or float(found.group(1)) > 0
    except ValueError:
        return False


# zlib's default level, not the fastest: a page is compressed once each time it is stored (after a comment that
# changes it) and sent many times between, and every kilobyte saved is saved on each of those sends, for the server
# and for a reader on a slow link.
LEVEL = 6


def compress(data: bytes) -> tuple[bytes, int, int]:
    """One part of a page, compressed to stand on its own in a deflate stream: (bytes, Adler-32, length)."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH), zlib.adler32(data), len(data)


def stored(data: bytes) -> bytes:
    """`data` as uncompressed deflate blocks (at most 65,535 bytes each), none of them final."""
    blocks = []
    for start in range(0, len(data), MAX_STORED):
        chunk = data[start : start + MAX_STORED]
        blocks += (_stored_header(len(chunk)), chunk)
    return b"".join(blocks)


def _stored_header(length: int) -> bytes:
    return _STORED_HEADER.pack(0, length, length ^ 0xFFFF)


def combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of two pieces of data one after the other, from their own checksums and the second's length.

    With A = 1 + the sum of the bytes and B = the sum of A after each byte (both modulo 65,521): joining Y (n bytes)
    after X gives A = A(X) + A(Y) - 1 and B = B(X) + B(Y) + n * (A(X) - 1).
    """
    a1, b1 = first & 0xFFFF, first >> 16
    a2, b2 = second & 0xFFFF, second >> 16
    a = (a1 + a2 - 1) % ADLER_MOD
    b = (b1 + b2 + second_length * (a1 - 1)) % ADLER_MOD
    return (b << 16) | a


def stream(pieces: list) -> bytes:
    """A zlib stream of the page: `pieces` are compressed parts (from `compress`) and raw bytes (slot values)."""
    out = [ZLIB_HEADER]
    checksum = 1  # the Adler-32 of nothing
    for piece in pieces:
        if piece.__class__ is tuple:
            data, adler, length = piece
            out.append(data)
        elif len(piece) <= MAX_STORED:  # a visitor's value: always one block
            adler, length = zlib.adler32(piece), len(piece)
            out += (_stored_header(length), piece)
        else:
            adler, length = zlib.adler32(piece), len(piece)
            out.append(stored(piece))
        checksum = combine(checksum, adler, length)
    out += (FINAL_EMPTY_BLOCK, struct.pack(">I", checksum))
    return b"".join(out)
