package org.qpert.index;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Lucene's warning when its Vector API code does not run on this JDK ("your Java version is too old: 17", or too new
 * without {@code -Dorg.apache.lucene.vectorization.upperJavaFeatureVersion}), said once in our words instead. Every
 * class that touches Lucene calls {@link #install()} first: Lucene warns while its vector code loads.
 */
final class LuceneNotice {
    static final String LUCENE_LOGGER = "org.apache.lucene.internal.vectorization.VectorizationProvider";
    /** Held here: java.util.logging keeps loggers weakly, and a collected one would forget its filter. */
    private static final Logger LUCENE = Logger.getLogger(LUCENE_LOGGER);

    static {
        LUCENE.setFilter(inOurWords(System.getLogger(VectorIndex.class.getName())));
    }

    private LuceneNotice() {
    }

    /** Puts the notice in place of Lucene's warning (once per JVM; later calls do nothing). */
    static void install() {
        // the static initializer above does the work
    }

    /** Lets Lucene's records below WARNING through; a warning becomes our notice on {@code log}, the first time only. */
    static Filter inOurWords(System.Logger log) {
        AtomicBoolean said = new AtomicBoolean();
        return r -> {
            if (r.getLevel().intValue() < Level.WARNING.intValue()) {
                return true;
            }
            if (!said.getAndSet(true)) {
                log.log(System.Logger.Level.INFO, "Lucene searches and builds the index with its plain Java vector "
                        + "code on JDK " + Runtime.version().feature() + " (its Vector API code runs on JDK 21 to 25): "
                        + "index builds take about twice as long as there; results are the same");
            }
            return false;
        };
    }
}
