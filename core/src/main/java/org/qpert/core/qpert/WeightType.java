package org.qpert.core.qpert;

/** How an object's weight w_j follows from the scale α and its area fraction a (spec/QPERT.md §5). */
public enum WeightType {
    /** α: the published setting. */
    CONSTANT,
    /** α a. */
    NORM_AREA,
    /** −α a, as the authors' code computes it. */
    NORM_AREA_INV,
    /** α (1 − a), what the authors' comment describes. */
    ONE_MINUS_AREA,
    /** α (a − 0.5). */
    CENTERED_AREA,
    /** α (0.5 − a). */
    CENTERED_AREA_INV;

    public double weight(double alpha, double area) {
        return switch (this) {
            case CONSTANT -> alpha;
            case NORM_AREA -> alpha * area;
            case NORM_AREA_INV -> -alpha * area;
            case ONE_MINUS_AREA -> alpha * (1 - area);
            case CENTERED_AREA -> alpha * (area - 0.5);
            case CENTERED_AREA_INV -> alpha * (0.5 - area);
        };
    }
}
