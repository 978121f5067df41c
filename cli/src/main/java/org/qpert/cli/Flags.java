package org.qpert.cli;

/** Range checks of numeric flags, run first in a command so that a bad value fails before any model loads. */
final class Flags {
    private Flags() {
    }

    static void atLeast(String flag, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(flag + " must be at least " + min + ", got " + value);
        }
    }

    static void within(String flag, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(flag + " must be in " + min + ".." + max + ", got " + value);
        }
    }
}
