package org.qpert.core.model.blip2;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.QueryPerturbation;

/**
 * The layout of a stacked Q-Former batch: item i is rows {@code items.start(i)..} of the sequence, its first
 * {@code queryLength} rows are queries (all items alike: 0 for text, Nq for the image and ITM passes), the rest text.
 * Queries cross-attend to their item's image; items of one image share its keys and values (stacked once) and its
 * P̄. The padding mask of all items becomes one key-bias tensor, uploaded once per batch.
 */
final class QFormerBatch {
    private final Segments items;
    private final int queryLength;
    private final Tensor keyBias; // [1, S] or null
    private final Segments querySegments; // of the query rows gathered into [B·Nq, H]
    private final int[] queryRows; // null when every row is a query
    private final int[] textRows;
    private final int[] order; // row r of the sequence is row order[r] of [queries; texts]
    private final List<ImageContext> images; // distinct, in first-use order
    private final Segments keySegments; // item i → rows of its image in the stacked keys
    private final List<? extends QueryPerturbation> perturbations; // per item

    /**
     * @param mask          0/1 per row of the whole sequence, or null (all attended)
     * @param images        per item (repeats allowed), or null for a text-only batch
     * @param perturbations per item, or null for none
     */
    QFormerBatch(Backend b, Segments items, int queryLength, int[] mask, List<ImageContext> images,
                 List<? extends QueryPerturbation> perturbations) {
        int n = items.count(), rows = items.count() == 0 ? 0 : items.end(n - 1);
        if (n == 0) {
            throw new IllegalArgumentException("empty Q-Former batch");
        }
        this.items = items;
        this.queryLength = queryLength;
        this.keyBias = mask == null ? null : b.upload(keyBias(mask, rows), 1, rows);
        this.querySegments = Segments.uniform(n, queryLength);
        this.perturbations = perturbations;
        boolean textRowsPresent = false;
        for (int i = 0; i < n; i++) {
            if (items.length(i) < queryLength) {
                throw new IllegalArgumentException("item " + i + " has " + items.length(i) + " rows, fewer than its "
                        + queryLength + " queries");
            }
            textRowsPresent |= items.length(i) > queryLength;
        }
        if (queryLength > 0 && textRowsPresent) {
            queryRows = new int[n * queryLength];
            textRows = new int[rows - n * queryLength];
            order = new int[rows];
            int t = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < items.length(i); j++) {
                    int r = items.start(i) + j;
                    if (j < queryLength) {
                        queryRows[i * queryLength + j] = r;
                        order[r] = i * queryLength + j;
                    } else {
                        textRows[t] = r;
                        order[r] = queryRows.length + t++;
                    }
                }
            }
        } else {
            queryRows = null;
            textRows = null;
            order = null;
        }
        if (queryLength == 0) {
            this.images = List.of();
            this.keySegments = null;
            return;
        }
        if (images == null || images.size() != n) {
            throw new IllegalArgumentException((images == null ? 0 : images.size()) + " images for " + n
                    + " query items");
        }
        if (perturbations != null && perturbations.size() != n) {
            throw new IllegalArgumentException(perturbations.size() + " perturbations for " + n + " query items");
        }
        Map<ImageContext, Integer> startOf = new IdentityHashMap<>();
        List<ImageContext> distinct = new ArrayList<>();
        int[] starts = new int[n], lengths = new int[n];
        int stacked = 0;
        for (int i = 0; i < n; i++) {
            ImageContext image = images.get(i);
            Integer start = startOf.get(image);
            if (start == null) {
                start = stacked;
                startOf.put(image, start);
                distinct.add(image);
                stacked = Math.addExact(stacked, image.imageEmbeds().rows());
            }
            starts[i] = start;
            lengths[i] = image.imageEmbeds().rows();
        }
        this.images = distinct;
        this.keySegments = Segments.of(starts, lengths);
    }

    /** BERT's additive mask for padded keys: {@code (1 - mask) * -10000}. */
    private static float[] keyBias(int[] mask, int length) {
        if (mask.length != length) {
            throw new IllegalArgumentException("attention mask has " + mask.length + " entries for " + length
                    + " tokens");
        }
        float[] bias = new float[length];
        for (int i = 0; i < length; i++) {
            if (mask[i] != 0 && mask[i] != 1) {
                throw new IllegalArgumentException("attention mask value " + mask[i] + " at position " + i
                        + " is not 0 or 1");
            }
            bias[i] = (1 - mask[i]) * QFormerModel.PADDING_BIAS;
        }
        return bias;
    }

    Segments items() {
        return items;
    }

    int queryLength() {
        return queryLength;
    }

    Tensor keyBias() {
        return keyBias;
    }

    /** Whether the sequence mixes query and text rows (ITM), so they must be split for the two FFNs. */
    boolean mixed() {
        return queryRows != null;
    }

    Tensor queryRowsOf(Backend b, Tensor x) {
        return queryRows == null ? x : b.gatherRows(x, queryRows);
    }

    Tensor textRowsOf(Backend b, Tensor x) {
        return b.gatherRows(x, textRows);
    }

    /** The sequence back in item order from the query rows [B·Nq, H] and the text rows. */
    Tensor merge(Backend b, Tensor queries, Tensor texts) {
        return b.gatherRows(b.concatRows(queries, texts), order);
    }

    /** The query rows of item i within the gathered query rows. */
    Segments querySegments() {
        return querySegments;
    }

    /** Item i → the rows of its image in {@link #keys} and {@link #values}. */
    Segments keySegments() {
        return keySegments;
    }

    /** Cross-attention keys of layer {@code layer} of the distinct images, stacked [images·T, H]. */
    Tensor keys(Backend b, int layer) {
        List<Tensor> parts = new ArrayList<>(images.size());
        for (ImageContext image : images) {
            parts.add(image.keys(layer));
        }
        return parts.size() == 1 ? parts.get(0) : b.concatRows(parts);
    }

    Tensor values(Backend b, int layer) {
        List<Tensor> parts = new ArrayList<>(images.size());
        for (ImageContext image : images) {
            parts.add(image.values(layer));
        }
        return parts.size() == 1 ? parts.get(0) : b.concatRows(parts);
    }

    /** P̄ per item for {@code layer} (entries null where unperturbed), or null when no item is perturbed. */
    Tensor[] pbar(int layer) {
        if (perturbations == null) {
            return null;
        }
        Tensor[] p = new Tensor[perturbations.size()];
        boolean any = false;
        for (int i = 0; i < p.length; i++) {
            p[i] = perturbations.get(i).pbar(layer);
            any |= p[i] != null;
        }
        return any ? p : null;
    }
}
