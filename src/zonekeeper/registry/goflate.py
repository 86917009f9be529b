"""gzip output byte-identical to Go's compress/gzip at BestCompression, as external-dns writes it.

external-dns seals `gzip(labels)` with AES-GCM and keeps the nonce so that re-serialising a TXT
value gives the very same bytes; Route 53 only deletes a record whose value matches exactly. For
zonekeeper and external-dns to delete each other's encrypted TXT records, zonekeeper has to produce
the same compressed bytes, and zlib does not: Go's deflate has its own match finder (4-byte
minimum match, its own hash), its own Huffman tree builder and block-type choice, and external-dns
calls Flush() before Close(), which adds an empty stored block and ends with an empty final one.

This module is a port of the level 9 path of Go 1.26's compress/flate (deflate.go,
huffman_bit_writer.go, huffman_code.go, token.go) and of the gzip header Go writes. Only what that
path uses is ported; names follow Go's so the two can be compared side by side. It is checked
against Go's output in tests/unit/registry/test_goflate.py.

Pure Python: a label string takes about half a millisecond. Like Go's level 9 it walks hash chains
up to 4096 long, which for large low-entropy input (100 KB of two letters) takes a minute here;
TXT values are a few hundred bytes.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

__all__ = ["gzip_best_compression"]

# deflate.go constants.
_LOG_WINDOW_SIZE = 15
_WINDOW_SIZE = 1 << _LOG_WINDOW_SIZE
_WINDOW_MASK = _WINDOW_SIZE - 1
_BASE_MATCH_LENGTH = 3
_MIN_MATCH_LENGTH = 4
_MAX_MATCH_LENGTH = 258
_BASE_MATCH_OFFSET = 1
_MAX_FLATE_BLOCK_TOKENS = 1 << 14
_MAX_STORE_BLOCK_SIZE = 65535
_HASH_BITS = 17
_MAX_HASH_OFFSET = 1 << 24
_HASHMUL = 0x1E35A7BD

# Level 9 of Go's `levels` table: good, lazy, nice, chain (fastSkipHashing is skipNever).
_GOOD = 32
_LAZY = 258
_NICE = 258
_CHAIN = 4096

# token.go
_LENGTH_SHIFT = 22
_OFFSET_MASK = (1 << _LENGTH_SHIFT) - 1
_MATCH_TYPE = 1 << 30

# huffman_bit_writer.go / inflate.go
_MAX_NUM_LIT = 286
_OFFSET_CODE_COUNT = 30
_END_BLOCK_MARKER = 256
_LENGTH_CODES_START = 257
_CODEGEN_CODE_COUNT = 19
_BAD_CODE = 255
_MAX_INT32 = (1 << 31) - 1
_MAX_UINT16 = (1 << 16) - 1

_LENGTH_EXTRA_BITS = (0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0)
_LENGTH_BASE = (
    0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56,
    64, 80, 96, 112, 128, 160, 192, 224, 255,
)  # fmt: skip
_OFFSET_EXTRA_BITS = (
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
)  # fmt: skip
_OFFSET_BASE = (
    0x000000, 0x000001, 0x000002, 0x000003, 0x000004, 0x000006, 0x000008, 0x00000C, 0x000010, 0x000018,
    0x000020, 0x000030, 0x000040, 0x000060, 0x000080, 0x0000C0, 0x000100, 0x000180, 0x000200, 0x000300,
    0x000400, 0x000600, 0x000800, 0x000C00, 0x001000, 0x001800, 0x002000, 0x003000, 0x004000, 0x006000,
)  # fmt: skip
_CODEGEN_ORDER = (16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15)


def _build_length_codes() -> tuple[int, ...]:
    # Go spells the table out; it is lengthBase inverted: length-3 -> length code.
    codes = []
    for xlength in range(256):
        code = 0
        while code + 1 < len(_LENGTH_BASE) and _LENGTH_BASE[code + 1] <= xlength:
            code += 1
        codes.append(code)
    return tuple(codes)


def _build_offset_codes() -> tuple[int, ...]:
    codes = []
    for xoffset in range(256):
        code = 0
        while code + 1 < len(_OFFSET_BASE) and _OFFSET_BASE[code + 1] <= xoffset:
            code += 1
        codes.append(code)
    return tuple(codes)


_LENGTH_CODES = _build_length_codes()
_OFFSET_CODES = _build_offset_codes()


def _offset_code(off: int) -> int:
    if off < len(_OFFSET_CODES):
        return _OFFSET_CODES[off]
    if off >> 7 < len(_OFFSET_CODES):
        return _OFFSET_CODES[off >> 7] + 14
    return _OFFSET_CODES[off >> 14] + 28


def _reverse_bits(number: int, bit_length: int) -> int:
    return int(f"{number:0{bit_length}b}"[::-1], 2) if bit_length else 0


def _hash4(b0: int, b1: int, b2: int, b3: int) -> int:
    return (((b3 | b2 << 8 | b1 << 16 | b0 << 24) * _HASHMUL) & 0xFFFFFFFF) >> (32 - _HASH_BITS)


class _HuffmanEncoder:
    """huffman_code.go: length-limited canonical Huffman codes, built exactly as Go builds them."""

    __slots__ = ("code", "length")

    def __init__(self, size: int) -> None:
        self.code = [0] * size
        self.length = [0] * size

    def bit_length(self, freq: list[int]) -> int:
        return sum(f * self.length[i] for i, f in enumerate(freq) if f)

    def _bit_counts(self, freqs: list[int], max_bits: int) -> list[int]:
        # `freqs` is the frequency column of Go's sorted literal list; only frequencies matter here.
        n = len(freqs)
        freqs = [*freqs, _MAX_INT32]
        max_bits = min(max_bits, n - 1)
        # Per level: [level, lastFreq, nextCharFreq, nextPairFreq, needed]
        levels = [[0, 0, 0, 0, 0] for _ in range(16)]
        leaf_counts = [[0] * 16 for _ in range(16)]
        for level in range(1, max_bits + 1):
            levels[level] = [level, freqs[1], freqs[2], freqs[0] + freqs[1], 0]
            leaf_counts[level][level] = 2
            if level == 1:
                levels[level][3] = _MAX_INT32
        levels[max_bits][4] = 2 * n - 4

        level = max_bits
        while True:
            lv = levels[level]
            if lv[3] == _MAX_INT32 and lv[2] == _MAX_INT32:
                lv[4] = 0
                levels[level + 1][3] = _MAX_INT32
                level += 1
                continue
            prev_freq = lv[1]
            if lv[2] < lv[3]:
                count = leaf_counts[level][level] + 1
                lv[1] = lv[2]
                leaf_counts[level][level] = count
                lv[2] = freqs[count]
            else:
                lv[1] = lv[3]
                leaf_counts[level][:level] = leaf_counts[level - 1][:level]
                levels[lv[0] - 1][4] = 2
            lv[4] -= 1
            if lv[4] == 0:
                if lv[0] == max_bits:
                    break
                levels[lv[0] + 1][3] = prev_freq + lv[1]
                level += 1
            else:
                while levels[level - 1][4] > 0:
                    level -= 1

        if leaf_counts[max_bits][max_bits] != n:
            raise AssertionError("leafCounts[maxBits][maxBits] != n")
        bit_count = [0] * (max_bits + 1)
        bits = 1
        counts = leaf_counts[max_bits]
        for lvl in range(max_bits, 0, -1):
            bit_count[bits] = counts[lvl] - counts[lvl - 1]
            bits += 1
        return bit_count

    def _assign(self, bit_count: list[int], nodes: list[tuple[int, int]]) -> None:
        code = 0
        for n, bits in enumerate(bit_count):
            code <<= 1
            if n == 0 or bits == 0:
                continue
            # The `bits` least frequent remaining literals get n-bit codes, in literal order.
            chunk = sorted(nodes[len(nodes) - bits :])
            for literal, _ in chunk:
                self.code[literal] = _reverse_bits(code, n)
                self.length[literal] = n
                code += 1
            nodes = nodes[: len(nodes) - bits]

    def generate(self, freq: list[int], max_bits: int) -> None:
        nodes: list[tuple[int, int]] = []  # (literal, freq), in literal order
        for i, f in enumerate(freq):
            if f:
                nodes.append((i, f))
            else:
                self.length[i] = 0
        if len(nodes) <= 2:
            for i, (literal, _) in enumerate(nodes):
                self.code[literal] = i
                self.length[literal] = 1
            return
        # byFreq: frequency, then literal; a total order, so Go's unstable sort agrees.
        nodes.sort(key=lambda node: (node[1], node[0]))
        bit_count = self._bit_counts([f for _, f in nodes], max_bits)
        self._assign(bit_count, nodes)


def _fixed_literal_encoding() -> _HuffmanEncoder:
    h = _HuffmanEncoder(_MAX_NUM_LIT)
    for ch in range(_MAX_NUM_LIT):
        if ch < 144:
            bits, size = ch + 48, 8
        elif ch < 256:
            bits, size = ch + 400 - 144, 9
        elif ch < 280:
            bits, size = ch - 256, 7
        else:
            bits, size = ch + 192 - 280, 8
        h.code[ch] = _reverse_bits(bits, size)
        h.length[ch] = size
    return h


def _fixed_offset_encoding() -> _HuffmanEncoder:
    h = _HuffmanEncoder(30)
    for ch in range(30):
        h.code[ch] = _reverse_bits(ch, 5)
        h.length[ch] = 5
    return h


_FIXED_LITERAL = _fixed_literal_encoding()
_FIXED_OFFSET = _fixed_offset_encoding()


class _BitWriter:
    """huffman_bit_writer.go. Go buffers 48 bits at a time; emitting whole bytes as they fill gives
    the same byte stream."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.bits = 0
        self.nbits = 0
        self.literal_freq = [0] * _MAX_NUM_LIT
        self.offset_freq = [0] * _OFFSET_CODE_COUNT
        self.codegen = [0] * (_MAX_NUM_LIT + _OFFSET_CODE_COUNT + 1)
        self.codegen_freq = [0] * _CODEGEN_CODE_COUNT
        self.literal_encoding = _HuffmanEncoder(_MAX_NUM_LIT)
        self.offset_encoding = _HuffmanEncoder(_OFFSET_CODE_COUNT)
        self.codegen_encoding = _HuffmanEncoder(_CODEGEN_CODE_COUNT)

    def write_bits(self, b: int, nb: int) -> None:
        self.bits |= b << self.nbits
        self.nbits += nb
        while self.nbits >= 8:
            self.out.append(self.bits & 0xFF)
            self.bits >>= 8
            self.nbits -= 8

    def flush(self) -> None:
        if self.nbits:
            self.out.append(self.bits & 0xFF)
        self.bits = 0
        self.nbits = 0

    def write_bytes(self, data: bytes) -> None:
        if self.nbits & 7:
            raise AssertionError("writeBytes with unfinished bits")
        self.flush()
        self.out += data

    def generate_codegen(
        self, num_literals: int, num_offsets: int, lit_enc: _HuffmanEncoder, off_enc: _HuffmanEncoder
    ) -> None:
        freq = self.codegen_freq
        for i in range(_CODEGEN_CODE_COUNT):
            freq[i] = 0
        codegen = self.codegen
        codegen[:num_literals] = lit_enc.length[:num_literals]
        codegen[num_literals : num_literals + num_offsets] = off_enc.length[:num_offsets]
        codegen[num_literals + num_offsets] = _BAD_CODE

        size = codegen[0]
        count = 1
        out_index = 0
        in_index = 1
        while size != _BAD_CODE:
            next_size = codegen[in_index]
            in_index += 1
            if next_size == size:
                count += 1
                continue
            if size != 0:
                codegen[out_index] = size
                out_index += 1
                freq[size] += 1
                count -= 1
                while count >= 3:
                    n = min(6, count)
                    codegen[out_index] = 16
                    codegen[out_index + 1] = n - 3
                    out_index += 2
                    freq[16] += 1
                    count -= n
            else:
                while count >= 11:
                    n = min(138, count)
                    codegen[out_index] = 18
                    codegen[out_index + 1] = n - 11
                    out_index += 2
                    freq[18] += 1
                    count -= n
                if count >= 3:
                    codegen[out_index] = 17
                    codegen[out_index + 1] = count - 3
                    out_index += 2
                    freq[17] += 1
                    count = 0
            count -= 1
            while count >= 0:
                codegen[out_index] = size
                out_index += 1
                freq[size] += 1
                count -= 1
            size = next_size
            count = 1
        codegen[out_index] = _BAD_CODE

    def dynamic_size(
        self, lit_enc: _HuffmanEncoder, off_enc: _HuffmanEncoder, extra_bits: int
    ) -> tuple[int, int]:
        num_codegens = len(self.codegen_freq)
        while num_codegens > 4 and self.codegen_freq[_CODEGEN_ORDER[num_codegens - 1]] == 0:
            num_codegens -= 1
        header = (
            3 + 5 + 5 + 4 + 3 * num_codegens
            + self.codegen_encoding.bit_length(self.codegen_freq)
            + self.codegen_freq[16] * 2
            + self.codegen_freq[17] * 3
            + self.codegen_freq[18] * 7
        )  # fmt: skip
        size = (
            header + lit_enc.bit_length(self.literal_freq) + off_enc.bit_length(self.offset_freq) + extra_bits
        )
        return size, num_codegens

    def fixed_size(self, extra_bits: int) -> int:
        return (
            3
            + _FIXED_LITERAL.bit_length(self.literal_freq)
            + _FIXED_OFFSET.bit_length(self.offset_freq)
            + extra_bits
        )

    def write_dynamic_header(self, num_literals: int, num_offsets: int, num_codegens: int, eof: bool) -> None:
        self.write_bits(5 if eof else 4, 3)
        self.write_bits(num_literals - 257, 5)
        self.write_bits(num_offsets - 1, 5)
        self.write_bits(num_codegens - 4, 4)
        cg_enc = self.codegen_encoding
        for i in range(num_codegens):
            self.write_bits(cg_enc.length[_CODEGEN_ORDER[i]], 3)
        i = 0
        while True:
            code_word = self.codegen[i]
            i += 1
            if code_word == _BAD_CODE:
                break
            self.write_bits(cg_enc.code[code_word], cg_enc.length[code_word])
            extra = {16: 2, 17: 3, 18: 7}.get(code_word)
            if extra is not None:
                self.write_bits(self.codegen[i], extra)
                i += 1

    def write_stored_header(self, length: int, eof: bool) -> None:
        self.write_bits(1 if eof else 0, 3)
        self.flush()
        self.write_bits(length, 16)
        self.write_bits(~length & _MAX_UINT16, 16)

    def write_fixed_header(self, eof: bool) -> None:
        self.write_bits(3 if eof else 2, 3)

    def index_tokens(self, tokens: list[int]) -> tuple[int, int]:
        lit_freq = self.literal_freq
        off_freq = self.offset_freq
        for i in range(_MAX_NUM_LIT):
            lit_freq[i] = 0
        for i in range(_OFFSET_CODE_COUNT):
            off_freq[i] = 0
        for t in tokens:
            if t < _MATCH_TYPE:
                lit_freq[t] += 1
                continue
            length = (t - _MATCH_TYPE) >> _LENGTH_SHIFT
            lit_freq[_LENGTH_CODES_START + _LENGTH_CODES[length]] += 1
            off_freq[_offset_code(t & _OFFSET_MASK)] += 1
        num_literals = len(lit_freq)
        while lit_freq[num_literals - 1] == 0:
            num_literals -= 1
        num_offsets = len(off_freq)
        while num_offsets > 0 and off_freq[num_offsets - 1] == 0:
            num_offsets -= 1
        if num_offsets == 0:
            # A dynamic block must still describe one offset code.
            off_freq[0] = 1
            num_offsets = 1
        self.literal_encoding.generate(lit_freq, 15)
        self.offset_encoding.generate(off_freq, 15)
        return num_literals, num_offsets

    def write_tokens(self, tokens: list[int], lit_enc: _HuffmanEncoder, off_enc: _HuffmanEncoder) -> None:
        lcode, llen = lit_enc.code, lit_enc.length
        ocode, olen = off_enc.code, off_enc.length
        for t in tokens:
            if t < _MATCH_TYPE:
                self.write_bits(lcode[t], llen[t])
                continue
            length = (t - _MATCH_TYPE) >> _LENGTH_SHIFT
            length_code = _LENGTH_CODES[length]
            sym = length_code + _LENGTH_CODES_START
            self.write_bits(lcode[sym], llen[sym])
            extra_length_bits = _LENGTH_EXTRA_BITS[length_code]
            if extra_length_bits:
                self.write_bits(length - _LENGTH_BASE[length_code], extra_length_bits)
            offset = t & _OFFSET_MASK
            offset_code = _offset_code(offset)
            self.write_bits(ocode[offset_code], olen[offset_code])
            extra_offset_bits = _OFFSET_EXTRA_BITS[offset_code]
            if extra_offset_bits:
                self.write_bits(offset - _OFFSET_BASE[offset_code], extra_offset_bits)

    def write_block(self, tokens: list[int], eof: bool, data: bytes | None) -> None:
        tokens = [*tokens, _END_BLOCK_MARKER]
        num_literals, num_offsets = self.index_tokens(tokens)

        extra_bits = 0
        storable = data is not None and len(data) <= _MAX_STORE_BLOCK_SIZE
        stored_size = (len(data) + 5) * 8 if data is not None and storable else 0
        if storable:
            for length_code in range(_LENGTH_CODES_START + 8, num_literals):
                extra_bits += (
                    self.literal_freq[length_code] * _LENGTH_EXTRA_BITS[length_code - _LENGTH_CODES_START]
                )
            for offset_code in range(4, num_offsets):
                extra_bits += self.offset_freq[offset_code] * _OFFSET_EXTRA_BITS[offset_code]

        lit_enc, off_enc = _FIXED_LITERAL, _FIXED_OFFSET
        size = self.fixed_size(extra_bits)

        self.generate_codegen(num_literals, num_offsets, self.literal_encoding, self.offset_encoding)
        self.codegen_encoding.generate(self.codegen_freq, 7)
        dynamic_size, num_codegens = self.dynamic_size(
            self.literal_encoding, self.offset_encoding, extra_bits
        )
        if dynamic_size < size:
            size = dynamic_size
            lit_enc, off_enc = self.literal_encoding, self.offset_encoding

        if storable and stored_size < size:
            assert data is not None
            self.write_stored_header(len(data), eof)
            self.write_bytes(data)
            return

        if lit_enc is _FIXED_LITERAL:
            self.write_fixed_header(eof)
        else:
            self.write_dynamic_header(num_literals, num_offsets, num_codegens, eof)
        self.write_tokens(tokens, lit_enc, off_enc)


class _Compressor:
    """deflate.go's compressor for level 9 (lazy matching, fastSkipHashing == skipNever)."""

    def __init__(self) -> None:
        self.w = _BitWriter()
        self.window = bytearray(2 * _WINDOW_SIZE)
        self.hash_offset = 1
        self.tokens: list[int] = []
        self.length = _MIN_MATCH_LENGTH - 1
        self.offset = 0
        self.byte_available = False
        self.index = 0
        self.window_end = 0
        self.block_start = 0
        self.chain_head = -1
        self.max_insert_index = 0
        self.sync = False
        # Go's fixed arrays, kept sparse: a label string touches a few dozen slots of 160k, and
        # allocating the full arrays would cost more than compressing it. A missing slot reads 0.
        self.hash_head: dict[int, int] = {}
        self.hash_prev: dict[int, int] = {}

    def fill_deflate(self, b: memoryview) -> int:
        if self.index >= 2 * _WINDOW_SIZE - (_MIN_MATCH_LENGTH + _MAX_MATCH_LENGTH):
            self.window[:_WINDOW_SIZE] = self.window[_WINDOW_SIZE : 2 * _WINDOW_SIZE]
            self.index -= _WINDOW_SIZE
            self.window_end -= _WINDOW_SIZE
            if self.block_start >= _WINDOW_SIZE:
                self.block_start -= _WINDOW_SIZE
            else:
                self.block_start = _MAX_INT32
            self.hash_offset += _WINDOW_SIZE
            if self.hash_offset > _MAX_HASH_OFFSET:
                delta = self.hash_offset - 1
                self.hash_offset -= delta
                self.chain_head -= delta
                self.hash_prev = {k: v - delta for k, v in self.hash_prev.items() if v > delta}
                self.hash_head = {k: v - delta for k, v in self.hash_head.items() if v > delta}
        n = min(len(b), len(self.window) - self.window_end)
        self.window[self.window_end : self.window_end + n] = b[:n]
        self.window_end += n
        return n

    def write_block(self, tokens: list[int], index: int) -> None:
        if index > 0:
            data = bytes(self.window[self.block_start : index]) if self.block_start <= index else None
            self.block_start = index
            self.w.write_block(tokens, False, data)

    def _insert(self, index: int) -> None:
        win = self.window
        h = _hash4(win[index], win[index + 1], win[index + 2], win[index + 3])
        self.hash_prev[index & _WINDOW_MASK] = self.hash_head.get(h, 0)
        self.hash_head[h] = index + self.hash_offset

    def find_match(self, pos: int, prev_head: int, prev_length: int, lookahead: int) -> tuple[int, int, bool]:
        win = self.window
        min_match_look = min(_MAX_MATCH_LENGTH, lookahead)
        win_len = pos + min_match_look
        nice = min(win_len - pos, _NICE)
        tries = _CHAIN
        length = prev_length
        if length >= _GOOD:
            tries >>= 2
        offset = 0
        ok = False
        w_end = win[pos + length]
        min_index = pos - _WINDOW_SIZE
        hash_prev = self.hash_prev
        i = prev_head
        while tries > 0:
            if w_end == win[i + length]:
                n = 0
                while n < min_match_look and win[i + n] == win[pos + n]:
                    n += 1
                if n > length and (n > _MIN_MATCH_LENGTH or pos - i <= 4096):
                    length = n
                    offset = pos - i
                    ok = True
                    if n >= nice:
                        break
                    w_end = win[pos + n]
            if i == min_index:
                break
            i = hash_prev.get(i & _WINDOW_MASK, 0) - self.hash_offset
            if i < min_index or i < 0:
                break
            tries -= 1
        return length, offset, ok

    def deflate(self) -> None:
        if self.window_end - self.index < _MIN_MATCH_LENGTH + _MAX_MATCH_LENGTH and not self.sync:
            return
        self.max_insert_index = self.window_end - (_MIN_MATCH_LENGTH - 1)
        while True:
            lookahead = self.window_end - self.index
            if lookahead < _MIN_MATCH_LENGTH + _MAX_MATCH_LENGTH:
                if not self.sync:
                    break
                if lookahead == 0:
                    self._flush_tail()
                    break
            if self.index < self.max_insert_index:
                self._insert_head()
            prev_length = self.length
            prev_offset = self.offset
            self.length = _MIN_MATCH_LENGTH - 1
            self.offset = 0
            self._lazy_match(lookahead, prev_length)
            if prev_length >= _MIN_MATCH_LENGTH and self.length <= prev_length:
                # The previous match is at least as good as this one: emit it.
                self._emit_match(prev_length, prev_offset)
            else:
                self._emit_literal()

    def _flush_tail(self) -> None:
        """Sync with nothing left to look at: the pending literal and the block go out."""
        if self.byte_available:
            self.tokens.append(self.window[self.index - 1])
            self.byte_available = False
        if self.tokens:
            self.write_block(self.tokens, self.index)
            self.tokens = []

    def _insert_head(self) -> None:
        win = self.window
        h = _hash4(win[self.index], win[self.index + 1], win[self.index + 2], win[self.index + 3])
        self.chain_head = self.hash_head.get(h, 0)
        self.hash_prev[self.index & _WINDOW_MASK] = self.chain_head
        self.hash_head[h] = self.index + self.hash_offset

    def _lazy_match(self, lookahead: int, prev_length: int) -> None:
        min_index = max(self.index - _WINDOW_SIZE, 0)
        if self.chain_head - self.hash_offset >= min_index and lookahead > prev_length and prev_length < _LAZY:
            new_length, new_offset, ok = self.find_match(
                self.index, self.chain_head - self.hash_offset, _MIN_MATCH_LENGTH - 1, lookahead
            )
            if ok:
                self.length = new_length
                self.offset = new_offset

    def _emit_match(self, length: int, offset: int) -> None:
        self.tokens.append(
            _MATCH_TYPE + ((length - _BASE_MATCH_LENGTH) << _LENGTH_SHIFT) + (offset - _BASE_MATCH_OFFSET)
        )
        new_index = self.index + length - 1
        index = self.index + 1
        while index < new_index:
            if index < self.max_insert_index:
                self._insert(index)
            index += 1
        self.index = index
        self.byte_available = False
        self.length = _MIN_MATCH_LENGTH - 1
        if len(self.tokens) == _MAX_FLATE_BLOCK_TOKENS:
            self.write_block(self.tokens, self.index)
            self.tokens = []

    def _emit_literal(self) -> None:
        if self.byte_available:
            i = self.index - 1
            self.tokens.append(self.window[i])
            if len(self.tokens) == _MAX_FLATE_BLOCK_TOKENS:
                self.write_block(self.tokens, i + 1)
                self.tokens = []
        self.index += 1
        self.byte_available = True

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while len(view):
            self.deflate()
            view = view[self.fill_deflate(view) :]

    def sync_flush(self) -> None:
        self.sync = True
        self.deflate()
        self.w.write_stored_header(0, False)
        self.w.flush()
        self.sync = False

    def close(self) -> bytes:
        self.sync = True
        self.deflate()
        self.w.write_stored_header(0, True)
        self.w.flush()
        return bytes(self.w.out)


# Go's gzip.Writer header with no name, comment or mtime: XFL 2 marks BestCompression, OS 255 is
# "unknown" (zlib and Python would write the host OS).
_GZIP_HEADER = bytes((0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0xFF))


@lru_cache(maxsize=4096)  # a pass re-serialises the same labels for every change it sends
def gzip_best_compression(data: bytes) -> bytes:
    """What external-dns's compressData returns: gzip.NewWriterLevel(BestCompression), Write,
    Flush, Close."""
    compressor = _Compressor()
    compressor.write(data)
    compressor.sync_flush()
    body = compressor.close()
    trailer = (zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "little") + (len(data) & 0xFFFFFFFF).to_bytes(
        4, "little"
    )
    return _GZIP_HEADER + body + trailer
