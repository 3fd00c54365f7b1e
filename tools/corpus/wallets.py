"""Checksum-valid wallet addresses for the synthetic corpus: Bitcoin (Base58Check and bech32/bech32m), Ethereum
(EIP-55) and Monero (standard address). Random payloads come from the caller's seeded generator, so the corpus is
reproducible. The module checks itself against published addresses on import."""
import hashlib

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _keccak_f(state):
    rc = [0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000, 0x000000000000808B,
          0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008A, 0x0000000000000088,
          0x0000000080008009, 0x000000008000000A, 0x000000008000808B, 0x800000000000008B, 0x8000000000008089,
          0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
          0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008]
    rot = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
    mask = (1 << 64) - 1

    def rol(v, n):
        return ((v << n) | (v >> (64 - n))) & mask if n else v

    a = [[state[x + 5 * y] for y in range(5)] for x in range(5)]
    for r in rc:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ rol(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = rol(a[x][y], rot[x][y])
        a = [[b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y]) for y in range(5)] for x in range(5)]
        a[0][0] ^= r
    return [a[i % 5][i // 5] for i in range(25)]


def keccak256(data: bytes) -> bytes:
    """Original Keccak-256 (padding 0x01), as Ethereum and Monero use; hashlib's sha3_256 pads differently."""
    rate = 136
    msg = bytearray(data) + b"\x01" + b"\x00" * ((-len(data) - 1) % rate)
    msg[-1] |= 0x80
    state = [0] * 25
    for off in range(0, len(msg), rate):
        for i in range(rate // 8):
            state[i] ^= int.from_bytes(msg[off + 8 * i: off + 8 * i + 8], "little")
        state = _keccak_f(state)
    return b"".join(s.to_bytes(8, "little") for s in state)[:32]


def base58check(payload: bytes) -> str:
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n, out = int.from_bytes(data, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\x00"))) + out


def _polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def _convertbits(data, frm, to):
    acc, bits, out = 0, 0, []
    for b in data:
        acc = (acc << frm) | b
        bits += frm
        while bits >= to:
            bits -= to
            out.append((acc >> bits) & ((1 << to) - 1))
    if bits:
        out.append((acc << (to - bits)) & ((1 << to) - 1))
    return out


def segwit(version: int, program: bytes, hrp="bc") -> str:
    """bech32 for witness version 0, bech32m (BIP-350) for version 1 and up."""
    const = 1 if version == 0 else 0x2BC830A3
    data = [version] + _convertbits(program, 8, 5)
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = _polymod(expanded + data + [0] * 6) ^ const
    checksum = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32[d] for d in data + checksum)


def eip55(addr20: bytes) -> str:
    hexa = addr20.hex()
    h = keccak256(hexa.encode()).hex()
    return "0x" + "".join(c.upper() if c.isalpha() and int(h[i], 16) >= 8 else c for i, c in enumerate(hexa))


def monero(spend: bytes, view: bytes) -> str:
    """Standard mainnet address: network byte 18, keys, 4 checksum bytes; Monero's Base58 encodes 8-byte blocks."""
    data = bytes([18]) + spend + view
    data += keccak256(data)[:4]
    full = {8: 11, 7: 10, 6: 9, 5: 7, 4: 6, 3: 5, 2: 3, 1: 2}
    out = ""
    for off in range(0, len(data), 8):
        block = data[off: off + 8]
        n, enc = int.from_bytes(block, "big"), ""
        while n:
            n, r = divmod(n, 58)
            enc = B58[r] + enc
        out += enc.rjust(full[len(block)], "1")
    return out


def bitcoin(rng) -> str:
    kind = rng.choice(["p2pkh", "p2sh", "p2wpkh", "p2wpkh", "p2tr"])
    if kind == "p2pkh":
        return base58check(b"\x00" + rng.randbytes(20))
    if kind == "p2sh":
        return base58check(b"\x05" + rng.randbytes(20))
    if kind == "p2wpkh":
        return segwit(0, rng.randbytes(20))
    return segwit(1, rng.randbytes(32))


def ethereum(rng) -> str:
    return eip55(rng.randbytes(20))


def monero_random(rng) -> str:
    return monero(rng.randbytes(32), rng.randbytes(32))


def _selftest():
    # Published values: the Bitcoin genesis payout address, BIP-173 and BIP-350 vectors, EIP-55's examples, and
    # the Monero General Fund donation address.
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    genesis = bytes.fromhex("62e907b15cbf27d5425399ebf6f0fb50ebb88f18")
    assert base58check(b"\x00" + genesis) == "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
    assert segwit(0, bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6")) == \
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    assert segwit(1, bytes.fromhex("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")) == \
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
    for a in ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
              "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"]:
        assert eip55(bytes.fromhex(a[2:].lower())) == a, a
    general_fund = ("44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A")
    assert monero_decode_check(general_fund), "monero checksum"


def monero_decode_check(addr: str) -> bool:
    full = {11: 8, 10: 7, 9: 6, 7: 5, 6: 4, 5: 3, 3: 2, 2: 1}
    data = b""
    for off in range(0, len(addr), 11):
        chunk = addr[off: off + 11]
        n = 0
        for c in chunk:
            n = n * 58 + B58.index(c)
        data += n.to_bytes(full[len(chunk)], "big")
    return data[0] == 18 and len(data) == 69 and keccak256(data[:-4])[:4] == data[-4:]


_selftest()
