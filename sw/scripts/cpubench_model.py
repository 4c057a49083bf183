#!/usr/bin/env python3
"""Independent model of apps/cpubench.c: prints the golden checksum of each
kernel (the `.golden` values in cpubench.c). Keep the parameters in sync
with the #defines there. Takes a few seconds."""
import binascii
import math

MASK = 0xFFFFFFFF
FNV_BASIS = 0x811C9DC5


class XorShift32:
    def __init__(self, seed):
        self.state = seed or 0x9E3779B9

    def next(self):
        x = self.state
        x ^= (x << 13) & MASK
        x ^= x >> 17
        x ^= (x << 5) & MASK
        self.state = x
        return x


def fold(h, v):
    return ((h ^ (v & MASK)) * 0x01000193) & MASK


def int8(x):
    x &= 0xFF
    return x - 256 if x > 127 else x


def gemm(n=64, reps=6):
    rng = XorShift32(1)
    a = [[0] * n for _ in range(n)]
    b = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            a[i][j] = int8(rng.next())
            b[i][j] = int8(rng.next())
    h = FNV_BASIS
    for i in range(n):
        for j in range(n):
            h = fold(h, reps * sum(a[i][k] * b[k][j] for k in range(n)))
    return h


def crc32(nbytes=64 * 1024, passes=16):
    rng = XorShift32(2)
    buf = b"".join(rng.next().to_bytes(4, "little") for _ in range(nbytes // 4))
    crc = 0
    for _ in range(passes):
        crc = binascii.crc32(buf, crc)
    return crc


def sort(n=16 * 1024, reps=4):
    h = FNV_BASIS
    for rep in range(reps):
        rng = XorShift32(3 + rep)
        values = sorted(rng.next() % 1000000 for _ in range(n))
        for v in values[::7]:
            h = fold(h, v)
    return h


def sieve(n=200000):
    composite = bytearray(n)
    count = total = 0
    for i in range(2, n):
        if composite[i]:
            continue
        count += 1
        total += i
        for j in range(i * i, n, i):
            composite[j] = 1
    return fold(fold(FNV_BASIS, count), total)


def gcd(n=200):
    return sum(math.gcd(i * 7919, j * 104729) for i in range(1, n + 1)
               for j in range(1, n + 1)) & MASK


def collatz(n=10000):
    total = best = arg = 0
    for k in range(1, n):
        x, steps = k, 0
        while x != 1:
            x = 3 * x + 1 if x & 1 else x >> 1
            steps += 1
        total += steps
        if steps > best:
            best, arg = steps, k
    return fold(total, arg)


if __name__ == "__main__":
    for name, fn in [("gemm_i8", gemm), ("crc32", crc32), ("sort", sort),
                     ("sieve", sieve), ("gcd", gcd), ("collatz", collatz)]:
        print(f"{name:8s} 0x{fn():08x}")
