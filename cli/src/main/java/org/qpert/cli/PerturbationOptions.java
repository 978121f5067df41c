package org.qpert.cli;

import org.qpert.core.qpert.CoverageMode;
import org.qpert.core.qpert.Perturbation;
import org.qpert.core.qpert.WeightType;
import picocli.CommandLine.Option;

/** The Q-Perturbation flags shared by embed, search, eval and demo. Defaults: the published setting. */
public final class PerturbationOptions {
    // search and serve word it for themselves (help.properties).
    @Option(names = "--no-qpert", descriptionKey = "no-qpert",
            description = "Embed without Q-Perturbation only (eval then has no delta table).")
    boolean off;

    @Option(names = "--alpha", paramLabel = "A", defaultValue = "8",
            description = "Scale alpha of the object weights (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--tau", paramLabel = "T", defaultValue = "0.99",
            description = "In (0, 1): energy kept by each object's subspace; an integer >= 1: that many basis vectors"
                    + " (default: ${DEFAULT-VALUE}).")
    double tau;

    @Option(names = "--weight", paramLabel = "TYPE", defaultValue = "CONSTANT",
            description = "Object weight type: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    WeightType weight;

    @Option(names = "--coverage", paramLabel = "MODE", defaultValue = "MASK_RESIZE",
            description = "How a box becomes token weights: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    CoverageMode coverage;

    /** The settings these flags describe; validated (a bad tau is a clear error). */
    public Perturbation toPerturbation() {
        Perturbation p = new Perturbation(alpha, tau, weight, coverage, java.util.Optional.empty());
        return off ? p.withLayers() : p;
    }
}
