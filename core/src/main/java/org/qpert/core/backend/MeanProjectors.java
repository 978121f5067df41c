package org.qpert.core.backend;

import java.util.List;

/**
 * The result of {@link Backend#meanProjectors}: P̄ per perturbed layer, [H·d, d] (rows h·d.. hold head h) on the
 * backend, and k per object (in the problem's order), layer and head.
 */
public record MeanProjectors(List<Tensor> pbar, int[][][] basisCounts) {
    public MeanProjectors {
        pbar = List.copyOf(pbar);
    }
}
