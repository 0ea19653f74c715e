"""limit_arenas: glibc accepts the cap; elsewhere it is a no-op that says so."""

import platform

from corpus.malloc import limit_arenas


def test_glibc_takes_the_arena_cap_and_other_libcs_are_left_alone():
    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert limit_arenas(2) is glibc
