package org.qpert.engine;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.qpert.core.retrieval.Evaluation;
import org.qpert.core.retrieval.MetricsTable;
import org.qpert.core.retrieval.RankMetrics;
import org.qpert.core.retrieval.RetrievalMetrics;
import org.qpert.core.retrieval.SizeBins;

/**
 * The outcome of {@code qpert eval} as Markdown (stdout) and JSON (a file).
 *
 * @param model       the model family's name in reports (its card's title)
 * @param images      the gallery's images, distractors included
 * @param distractors the images without captions (an enlarged pool's), never a query nor an answer
 * @param boxSources  how many images had their boxes from where (e.g. Flickr30K Entities, boxes file, detector, none)
 */
public record EvalReport(String title, String model, Map<String, String> settings, int images, int distractors,
                         int captions, Map<String, Integer> boxSources, int itmK, List<Evaluator.Condition> conditions) {

    public EvalReport {
        boxSources = Collections.unmodifiableMap(new TreeMap<>(boxSources));
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
        sb.append(images).append(" images");
        if (distractors > 0) {
            sb.append(" (").append(images - distractors).append(" with captions, the image-to-text queries, and ")
                    .append(distractors).append(" distractors)");
        }
        sb.append(", ").append(captions).append(" captions; ")
                .append(itmK == 0 ? "ITC only" : "ITC + ITM re-ranking of the top " + itmK).append('\n');
        sb.append("- images by box source: ").append(String.join(", ", boxSources.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).toList())).append('\n');
        settings.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        for (Evaluator.Condition c : conditions) {
            sb.append("\n## ").append(model).append(c.perturbed() ? " + Q-Perturbation" : " (no perturbation)")
                    .append("\n\n").append(MetricsTable.of(c.reranked()));
        }
        if (conditions.size() == 2) {
            sb.append("\n## Δ = with − without Q-Perturbation\n\n")
                    .append(MetricsTable.delta(conditions.get(1).reranked(), conditions.get(0).reranked()));
        }
        return sb.toString();
    }

    public JsonObject json() {
        JsonObject o = new JsonObject();
        o.addProperty("title", title);
        o.addProperty("model", model);
        JsonObject s = new JsonObject();
        settings.forEach(s::addProperty);
        o.add("settings", s);
        o.addProperty("images", images);
        o.addProperty("distractors", distractors);
        o.addProperty("captions", captions);
        JsonObject boxes = new JsonObject();
        boxSources.forEach(boxes::addProperty);
        o.add("box_sources", boxes);
        o.addProperty("itm_k", itmK);
        JsonArray list = new JsonArray();
        for (Evaluator.Condition c : conditions) {
            JsonObject j = new JsonObject();
            j.addProperty("perturbed", c.perturbed());
            j.addProperty("itm_pairs_scored", c.pairsScored());
            j.add("itc_only", json(c.itc()));
            j.add("reranked", json(c.reranked()));
            list.add(j);
        }
        o.add("conditions", list);
        return o;
    }

    public void writeJson(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(json()) + "\n",
                StandardCharsets.UTF_8);
    }

    static JsonObject json(Evaluation e) {
        JsonObject o = new JsonObject();
        o.add("all", json(e.all()));
        o.add("small", json(e.small()));
        JsonObject bins = new JsonObject();
        for (int b = 0; b < SizeBins.COUNT; b++) {
            bins.add(SizeBins.label(b), json(e.bins().get(b)));
        }
        o.add("size_bins", bins);
        return o;
    }

    static JsonObject json(RetrievalMetrics m) {
        JsonObject o = new JsonObject();
        o.add("text_to_image", json(m.textToImage()));
        o.add("image_to_text", json(m.imageToText()));
        o.add("mean_recall", number(m.meanRecall()));
        o.add("rsum", number(m.rsum()));
        return o;
    }

    static JsonObject json(RankMetrics m) {
        JsonObject o = new JsonObject();
        o.addProperty("queries", m.queries());
        o.add("r1", number(m.r1()));
        o.add("r5", number(m.r5()));
        o.add("r10", number(m.r10()));
        o.add("median_rank", number(m.medianRank()));
        o.add("mean_rank", number(m.meanRank()));
        o.add("mrr", number(m.mrr()));
        return o;
    }

    /** NaN (a subset without queries) becomes null: JSON has no NaN. */
    private static JsonElement number(double v) {
        return Double.isNaN(v) ? JsonNull.INSTANCE : new JsonPrimitive(v);
    }
}
