package org.qpert.core.model.owlv2;

/**
 * The detector's raw outputs for one image, one entry per patch j = y·g + x (row-major over the g×g grid).
 *
 * @param grid              patches per side g
 * @param objectnessLogits  [g²] objectness logits (score = σ(logit))
 * @param boxes             [g²·4] row-major (cx, cy, w, h) per patch, in [0, 1] relative to the image padded to a
 *                          square (multiply by max(height, width) of the original image for pixels)
 * @param classLogits       [g²·Q] row-major logits per patch and query (float32's minimum for an absent query), or
 *                          null when no queries were given
 * @param numQueries        Q (0 without queries)
 */
public record Owlv2Output(int grid, float[] objectnessLogits, float[] boxes, float[] classLogits, int numQueries) {

    public Owlv2Output {
        int n = grid * grid;
        if (objectnessLogits.length != n || boxes.length != 4 * n
                || (classLogits == null ? numQueries != 0 : classLogits.length != n * numQueries)) {
            throw new IllegalArgumentException("detector outputs do not match a " + grid + "x" + grid + " grid with "
                    + numQueries + " queries");
        }
    }

    public int numPatches() {
        return grid * grid;
    }

    /** The largest class logit of patch j over all queries (requires queries). */
    public float maxClassLogit(int patch) {
        return classLogits[patch * numQueries + bestQuery(patch)];
    }

    /** The query with the largest logit at patch j, the lowest index on ties (requires queries). */
    public int bestQuery(int patch) {
        if (classLogits == null || numQueries == 0) {
            throw new IllegalStateException("no text queries were given, so there are no class logits");
        }
        int best = 0;
        for (int k = 1; k < numQueries; k++) {
            if (classLogits[patch * numQueries + k] > classLogits[patch * numQueries + best]) {
                best = k;
            }
        }
        return best;
    }
}
