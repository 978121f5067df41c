package org.qpert.core.qpert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.SymmetricEigen;
import org.qpert.core.backend.Tensor;
import org.qpert.core.qpert.ImagePerturbationBuilder.LayerKeys;
import org.qpert.core.backend.HostMeanProjectors;
import org.qpert.core.backend.ProjectorProblem.CoveredTokens;
import org.qpert.core.backend.ProjectorProblem.EigenPath;

/** spec/QPERT.md §8: the hand-checkable toy case (d = 4, one head, one object). Values given to 6 decimals. */
class ToyCheckTest {
    private static final float[] KEYS = {
        0, 0, 0, 0,
        1, 2, 0, 0,
        2, 1, 0, 1,
        0, 1, 3, 0,
        5, 5, 5, 5};
    private static final float[] TOKEN_WEIGHTS = {0, 1, 0.5f, 1, 0};
    private static final double TOLERANCE = 1e-5;

    private final Backend backend = new CpuBackend();

    @Test
    void eigenvaluesOfTheSecondMomentMatchTheSpec() {
        // the covered tokens 1, 2, 3 of TOKEN_WEIGHTS
        double[] r = HostMeanProjectors.secondMoment(KEYS, 1, 4,
                new CoveredTokens(new int[] {1, 2, 3}, new double[] {1, 0.5, 1}, 8), 0);
        SymmetricEigen eig = backend.symmetricEigen(r, 1, 4);
        double[] expected = {10.846115, 5.077339, 0.576545, 0};
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i], eig.value(0, i), TOLERANCE, "eigenvalue " + i);
        }
        assertEquals(1, BasisCount.of(eig.values(), 0, 4, 0.9, 0), "k for tau 0.9");
        assertEquals(2, BasisCount.of(eig.values(), 0, 4, 0.99, 0), "k for tau 0.99");
    }

    @ParameterizedTest
    @EnumSource(EigenPath.class)
    void perturbedQueryMatchesTheSpecForBothTaus(EigenPath path) {
        assertArrayEquals(new float[] {2.802666f, 7.331747f, 11.289302f, 1.234451f}, perturbedOnes(0.9, path),
                (float) TOLERANCE, "k = 1");
        assertArrayEquals(new float[] {6.309936f, 11.532803f, 8.076389f, 1.815288f}, perturbedOnes(0.99, path),
                (float) TOLERANCE, "k = 2");
    }

    @Test
    void integerTauIsClampedToTheNumericalRank() {
        // Rank 3 (three covered tokens, the fourth eigenvalue is 0): tau = 4 keeps 3 vectors.
        ImagePerturbation qp = build(Perturbation.published().withTau(4), EigenPath.DIRECT);
        assertEquals(3, qp.basisCount(0, 0, 0));
    }

    private float[] perturbedOnes(double tau, EigenPath path) {
        ImagePerturbation qp = build(Perturbation.published().withTau(tau), path);
        Tensor q = backend.upload(new float[] {1, 1, 1, 1}, 1, 4);
        return backend.download(backend.perturbQueries(q, qp.pbar(0), 1));
    }

    private ImagePerturbation build(Perturbation settings, EigenPath path) {
        return new ImagePerturbationBuilder(backend, settings, path).build(
                List.of(ImageObject.ofTokenWeights(settings.alpha(), TOKEN_WEIGHTS)),
                List.of(new LayerKeys(0, backend.upload(KEYS, 5, 4))), 1);
    }
}
