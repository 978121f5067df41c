package org.qpert.core.retrieval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Markdown tables of evaluations: one row per query subset (all, small = bin 0, then every other non-empty size bin),
 * columns for both directions. A delta table shows {@code with − without} for the same cells.
 */
public final class MetricsTable {
    private record Column(String header, String format, ToDoubleFunction<RetrievalMetrics> value) {
    }

    private static final List<Column> COLUMNS = List.of(
            new Column("T2I R@1", "%.2f", m -> m.textToImage().r1()),
            new Column("T2I R@5", "%.2f", m -> m.textToImage().r5()),
            new Column("T2I R@10", "%.2f", m -> m.textToImage().r10()),
            new Column("I2T R@1", "%.2f", m -> m.imageToText().r1()),
            new Column("I2T R@5", "%.2f", m -> m.imageToText().r5()),
            new Column("I2T R@10", "%.2f", m -> m.imageToText().r10()),
            new Column("mR", "%.2f", RetrievalMetrics::meanRecall),
            new Column("RSUM", "%.2f", RetrievalMetrics::rsum),
            new Column("T2I MedR", "%.1f", m -> m.textToImage().medianRank()),
            new Column("T2I MeanR", "%.2f", m -> m.textToImage().meanRank()),
            new Column("T2I MRR", "%.4f", m -> m.textToImage().mrr()),
            new Column("I2T MedR", "%.1f", m -> m.imageToText().medianRank()),
            new Column("I2T MeanR", "%.2f", m -> m.imageToText().meanRank()),
            new Column("I2T MRR", "%.4f", m -> m.imageToText().mrr()));

    private MetricsTable() {
    }

    /** The metrics of one evaluation. */
    public static String of(Evaluation e) {
        StringBuilder sb = header();
        for (Row r : rows(e)) {
            sb.append("| ").append(r.label).append(" | ").append(r.m.imageToText().queries()).append(" / ")
                    .append(r.m.textToImage().queries());
            for (Column c : COLUMNS) {
                sb.append(" | ").append(format(c.format, c.value.applyAsDouble(r.m), false));
            }
            sb.append(" |\n");
        }
        return sb.toString();
    }

    /** {@code with − without}, cell by cell, signed. Both evaluations must come from the same queries. */
    public static String delta(Evaluation with, Evaluation without) {
        StringBuilder sb = header();
        List<Row> a = rows(with), b = rows(without);
        for (int i = 0; i < a.size(); i++) {
            sb.append("| ").append(a.get(i).label).append(" | ").append(a.get(i).m.imageToText().queries())
                    .append(" / ").append(a.get(i).m.textToImage().queries());
            for (Column c : COLUMNS) {
                double d = c.value.applyAsDouble(a.get(i).m) - c.value.applyAsDouble(b.get(i).m);
                sb.append(" | ").append(format(c.format, d, true));
            }
            sb.append(" |\n");
        }
        return sb.toString();
    }

    private record Row(String label, RetrievalMetrics m) {
    }

    private static List<Row> rows(Evaluation e) {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("all", e.all()));
        rows.add(new Row("small " + SizeBins.label(0), e.small()));
        for (int b = 1; b < SizeBins.COUNT; b++) {
            RetrievalMetrics m = e.bins().get(b);
            if (m.imageToText().queries() > 0) {
                rows.add(new Row(SizeBins.label(b), m));
            }
        }
        return rows;
    }

    private static StringBuilder header() {
        StringBuilder sb = new StringBuilder("| queries | images / texts");
        COLUMNS.forEach(c -> sb.append(" | ").append(c.header));
        sb.append(" |\n|---|---");
        COLUMNS.forEach(c -> sb.append("|---:"));
        return sb.append("|\n");
    }

    private static String format(String format, double v, boolean signed) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return String.format(Locale.ROOT, signed ? format.replace("%", "%+") : format, v);
    }
}
