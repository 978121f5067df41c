package org.qpert.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Lucene's "Java version too old" warning is said once, in our words, and Lucene's own never reaches a handler. */
class LuceneNoticeTest {

    /** Collects what reaches a logger. */
    static final class Records extends Handler {
        final List<LogRecord> seen = new ArrayList<>();

        @Override
        public void publish(LogRecord r) {
            seen.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void luceneWarningsBecomeOneNoticeInOurWords() {
        Logger lucene = Logger.getLogger("test.lucene.vectorization");
        Logger ours = Logger.getLogger("test.qpert.index");
        Records fromLucene = new Records(), fromUs = new Records();
        lucene.setUseParentHandlers(false);
        ours.setUseParentHandlers(false);
        lucene.addHandler(fromLucene);
        ours.addHandler(fromUs);
        lucene.setFilter(LuceneNotice.inOurWords(System.getLogger(ours.getName())));

        lucene.warning("Java vector incubator module was enabled by command line flags, but your Java version is too "
                + "old: 17");
        lucene.warning("Java vector incubator module was enabled by command line flags, but your Java version is too "
                + "old: 17");
        lucene.info("Java vector incubator API enabled; uses preferredBitSize=256");

        assertEquals(1, fromUs.seen.size(), "one notice for two warnings");
        assertEquals(Level.INFO, fromUs.seen.get(0).getLevel());
        String notice = fromUs.seen.get(0).getMessage();
        assertTrue(notice.contains("JDK " + Runtime.version().feature()) && notice.contains("Lucene"), notice);
        assertEquals(1, fromLucene.seen.size(), "only Lucene's INFO line passes: " + fromLucene.seen);
        assertEquals(Level.INFO, fromLucene.seen.get(0).getLevel());
    }

    @Test
    void theIndexClassesPutItInPlace() throws Exception {
        Class.forName(VectorIndex.class.getName(), true, getClass().getClassLoader());
        assertNotNull(Logger.getLogger(LuceneNotice.LUCENE_LOGGER).getFilter(),
                "Lucene's vectorization logger has our filter once the index classes are loaded");
    }
}
