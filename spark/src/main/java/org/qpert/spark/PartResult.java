package org.qpert.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;

/**
 * What one partition did.
 *
 * @param skipped  its part was complete from an earlier run: no model was loaded for it
 * @param embedded images embedded now
 * @param failed   images that failed now (with --on-error skip), id to reason
 */
public record PartResult(int partition, int images, boolean skipped, int embedded, LinkedHashMap<String, String> failed)
        implements Serializable {
}
