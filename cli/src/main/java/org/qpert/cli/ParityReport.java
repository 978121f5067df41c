package org.qpert.cli;

import java.io.PrintWriter;
import java.util.List;
import org.qpert.core.parity.Comparison;

/**
 * The parity table, the first differing stage when one fails, and the last line
 * {@code max relative error E over N tensors}; shared by every parity mode.
 */
final class ParityReport {
    private ParityReport() {
    }

    /** Prints the table and returns the exit status: 0 when every comparison is within tolerance and there is one. */
    static int print(PrintWriter out, List<Comparison> comparisons, double tolerance) {
        int keyWidth = Math.max(3, comparisons.stream().mapToInt(c -> c.key().length()).max().orElse(3));
        int shapeWidth = Math.max(5, comparisons.stream().mapToInt(c -> c.shape().length()).max().orElse(5));
        String row = "%-" + keyWidth + "s  %-" + shapeWidth + "s  %12s  %12s  %s%n";
        out.printf(row, "key", "shape", "max abs err", "rel err", "");
        double worst = 0;
        int failed = 0;
        Comparison first = null;
        for (Comparison c : comparisons) {
            boolean ok = c.within(tolerance);
            failed += ok ? 0 : 1;
            first = ok || first != null ? first : c;
            worst = Math.max(worst, c.relativeError());
            out.printf(row, c.key(), c.shape(), fmt(c.maxAbsError()), fmt(c.relativeError()), ok ? "ok" : "FAIL");
        }
        if (comparisons.isEmpty()) {
            out.println("no tensor of the reference could be computed: nothing was compared");
        } else if (failed > 0) {
            out.printf("%d of %d tensors exceed the tolerance %s%n", failed, comparisons.size(), fmt(tolerance));
            // The rows follow the export's key order, which is the order the forward pass reached them: the first
            // failing row is where the two computations part; later rows may only inherit its difference.
            out.printf("first differing stage: %s (rel err %s)%n", first.key(), fmt(first.relativeError()));
        }
        out.printf("max relative error %s over %d tensors%n", fmt(worst), comparisons.size());
        out.flush();
        return !comparisons.isEmpty() && failed == 0 ? 0 : 1;
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.3e", v);
    }
}
