package org.qpert.core.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void reportsCountRateAndEtaOncePerInterval() {
        AtomicLong clock = new AtomicLong(0);
        List<String> lines = new ArrayList<>();
        Progress p = new Progress("embed", 10, "images", clock::get, lines::add, SECOND);
        clock.set(SECOND / 2);
        p.advance(2);
        assertEquals(List.of(), lines, "nothing before the interval");
        clock.set(SECOND);
        p.advance(2);
        assertEquals(List.of("embed: 4/10 images (40.0%), 4.0 images/s, ETA 2s"), lines);
        clock.set(2 * SECOND + SECOND / 2);
        p.advance(6);
        p.finish();
        assertEquals("embed: 10/10 images (100.0%), 4.0 images/s, done in 3s", lines.get(lines.size() - 1));
    }

    @Test
    void resumedWorkCountsTowardTotalButNotRate() {
        AtomicLong clock = new AtomicLong(0);
        List<String> lines = new ArrayList<>();
        Progress p = new Progress("embed", 10, "images", clock::get, lines::add, SECOND);
        p.resumedFrom(5);
        clock.set(SECOND);
        p.advance(1);
        assertEquals("embed: 6/10 images (60.0%), 1.0 images/s, ETA 4s", lines.get(0));
    }

    @Test
    void durationsAreShort() {
        assertEquals("45s", Progress.duration(45));
        assertEquals("4m35s", Progress.duration(275));
        assertEquals("2h05m", Progress.duration(7500));
    }
}
