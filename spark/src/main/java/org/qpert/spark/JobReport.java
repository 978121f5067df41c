package org.qpert.spark;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a run of {@link EmbedJob} did.
 *
 * @param skipped  partitions whose part was complete before this run
 * @param embedded images embedded by this run
 * @param merged   images added to the store by this run's merge
 * @param stored   images in the store now
 * @param failed   images not stored (this run's and earlier runs'), id to reason
 */
public record JobReport(Path store, int images, int partitions, int skipped, int embedded, int merged, int stored,
                        Map<String, String> failed, List<PartResult> parts) {
    public JobReport {
        failed = Map.copyOf(failed);
        parts = List.copyOf(parts);
    }

    public String summary() {
        return "store " + store + ": " + stored + " of " + images + " images; " + partitions + " partitions, "
                + skipped + " complete before this run; embedded " + embedded + ", merged " + merged
                + (failed.isEmpty() ? "" : "; " + failed.size() + " failed, e.g. " + failed.entrySet().iterator().next());
    }
}
