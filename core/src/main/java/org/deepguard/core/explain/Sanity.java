package org.deepguard.core.explain;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Model-parameter randomisation test (Adebayo et al., 2018): re-initialise the weights layer by layer from the output
 * down, recompute the map each time and compare it with the original by Spearman rank correlation. A map that does
 * not depend on what the model learned stays similar; a trustworthy one decorrelates.
 */
public final class Sanity {
    private Sanity() {}

    /** @param spearman rank correlation of the map with the original after randomising down to {@code layer} */
    public record Step(String layer, double spearman) {
    }

    public static List<Step> cascadingRandomisation(ExplanationNetwork network, INDArray image, String layer,
                                                    CamMethod method, int targetClass, long seed) {
        Heatmap original = Explainer.camMap(network.capture(image, layer, targetClass), method);
        ExplanationNetwork work = network.copy();
        ComputationGraph g = work.graph();
        Nd4j.getRandom().setSeed(seed);
        List<Step> steps = new ArrayList<>();
        int[] order = g.topologicalSortOrder();
        for (int i = order.length - 1; i >= 0; i--) {
            GraphVertex v = g.getVertices()[order[i]];
            if (!v.hasLayer() || v.getLayer().paramTable().get("W") == null) {
                continue;
            }
            randomise(v.getLayer());
            Heatmap m = Explainer.camMap(work.capture(image, layer, targetClass), method);
            steps.add(new Step(v.getVertexName(), spearman(original.values(), m.values())));
        }
        return steps;
    }

    /** Weights redrawn from a normal with the original weights' standard deviation (He scale if they were flat). */
    private static void randomise(Layer layer) {
        INDArray w = layer.getParam("W");
        double std = w.stdNumber().doubleValue();
        if (!(std > 0)) {
            std = Math.sqrt(2.0 / Math.max(1, w.length() / Math.max(1, w.size(0))));
        }
        w.assign(Nd4j.randn(w.dataType(), w.shape()).muli(std));
    }

    /** Spearman rank correlation with average ranks for ties; 0 when either side is constant. */
    public static double spearman(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("lengths differ");
        }
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        double ma = Arrays.stream(ra).average().orElse(0);
        double mb = Arrays.stream(rb).average().orElse(0);
        double cov = 0;
        double va = 0;
        double vb = 0;
        for (int i = 0; i < a.length; i++) {
            cov += (ra[i] - ma) * (rb[i] - mb);
            va += (ra[i] - ma) * (ra[i] - ma);
            vb += (rb[i] - mb) * (rb[i] - mb);
        }
        return va == 0 || vb == 0 ? 0 : cov / Math.sqrt(va * vb);
    }

    static double[] ranks(double[] x) {
        Integer[] idx = new Integer[x.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (p, q) -> Double.compare(x[p], x[q]));
        double[] r = new double[x.length];
        int i = 0;
        while (i < idx.length) {
            int j = i;
            while (j + 1 < idx.length && x[idx[j + 1]] == x[idx[i]]) {
                j++;
            }
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[idx[k]] = avg;
            }
            i = j + 1;
        }
        return r;
    }
}
