"""zonekeeper.sources.gorand against Go's own math/rand.

Every expected number below was printed by Go 1.26 (`go run` of a main importing only fmt and
math/rand, v1): `r := rand.New(rand.NewSource(seed))`, then the calls each test names, in order.
"""

from __future__ import annotations

import pytest

from zonekeeper.sources.gorand import GoRand


def test_int63_for_the_fake_source_seed() -> None:
    r = GoRand(9673)
    assert [r.int63() for _ in range(5)] == [6239471933403741699, 6668056808685352936, 7653595290229999714,
                                             7100848697946209100, 4589457963868190105]


def test_intn_26_draws_the_fake_source_letters() -> None:
    r = GoRand(9673)
    assert [r.intn(26) for _ in range(12)] == [16, 20, 7, 22, 17, 18, 23, 15, 6, 16, 24, 13]


def test_intn_of_two_bounds_interleaved() -> None:
    r = GoRand(9673)
    assert [r.intn(n) for _ in range(6) for n in (253, 0xffff)] == [
        98, 3808, 185, 43727, 205, 36535, 84, 64684, 242, 41430, 191, 48438]


def test_seed_zero_and_negative_seeds_as_go_folds_them() -> None:
    r = GoRand(0)
    assert [r.int63() for _ in range(3)] == [8717895732742165505, 2259404117704393152, 6050128673802995827]
    r = GoRand(-5)  # Intn(1<<20) is a power of two: the mask path
    assert [r.intn(n) for _ in range(4) for n in (1 << 20, 3)] == [287956, 2, 819301, 0, 791261, 0, 411681, 2]


def test_the_register_wraps_round_and_large_bounds() -> None:
    r = GoRand(9673)
    for _ in range(1300):
        r.int63()
    assert (r.int63(), r.intn(1000000007)) == (4886683372565821807, 838509850)


def test_bounds_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="Intn: 0"):
        GoRand(1).intn(0)
