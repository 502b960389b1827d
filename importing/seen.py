"""The phones an import has seen, in flat arrays rather than a dict.

RowCleaner remembers every phone of the file with the row it was on and a
fingerprint of that row (importing.rows), to catch a phone repeated further
down. As a dict of ints that cost about 110 bytes a phone (two int objects
of 32 bytes and the dict's slots): 110 MB of a million-row import's peak
memory, the largest thing it holds. Here the same in two arrays of 8-byte
integers, open addressing with linear probing, at most two thirds full:
24 to 48 bytes a phone, and no object per phone for the collector to walk.
"""

from array import array

# Fibonacci hashing: a file's phones are often consecutive numbers, which
# would sit in runs of neighbouring slots; the multiplier spreads them.
_MULTIPLIER = 0x9E3779B97F4A7C15
_BITS = 64


class SeenPhones:
    """{key: value} for positive int keys (E.164 digits) and values of
    0 to 2**63 - 1; only get() and setting, as a dict does them."""

    __slots__ = ("_keys", "_values", "_shift", "_mask", "_count", "_limit")

    def __init__(self, capacity_bits=12):
        self._count = 0
        self._allocate(capacity_bits)

    def _allocate(self, bits):
        size = 1 << bits
        self._keys = array("q", bytes(8 * size))  # 0: an empty slot
        self._values = array("q", bytes(8 * size))
        self._shift = _BITS - bits
        self._mask = size - 1
        self._limit = size * 2 // 3

    def __len__(self):
        return self._count

    def _slot(self, key):
        """The slot that holds `key`, or the empty slot where it would go."""
        keys, mask = self._keys, self._mask
        slot = ((key * _MULTIPLIER) >> self._shift) & mask
        while True:
            found = keys[slot]
            if found == key or found == 0:
                return slot
            slot = (slot + 1) & mask

    def get(self, key, default=None):
        slot = self._slot(key)
        return self._values[slot] if self._keys[slot] == key else default

    def __contains__(self, key):
        return self._keys[self._slot(key)] == key

    def __setitem__(self, key, value):
        if key <= 0:
            raise ValueError("keys are positive")
        slot = self._slot(key)
        if self._keys[slot] != key:
            if self._count >= self._limit:
                self._grow()
                slot = self._slot(key)
            self._keys[slot] = key
            self._count += 1
        self._values[slot] = value

    def _grow(self):
        keys, values = self._keys, self._values
        self._allocate(_BITS - self._shift + 1)
        new_keys, new_values, slot_of = self._keys, self._values, self._slot
        for key, value in zip(keys, values, strict=True):
            if key:
                slot = slot_of(key)
                new_keys[slot] = key
                new_values[slot] = value
