package org.deepguard.core.spectral;

import java.util.Arrays;

/**
 * A fitted L2-regularised binary logistic regression on standardised features: logOdds(x) = bias + sum_j
 * weights[j] (x[j] - mean[j]) / std[j]. Positive = fake. Immutable; serialises with Jackson as its four
 * components plus the penalty it was fitted with (provenance).
 *
 * <p>Fitting minimises the class-weighted mean log-loss plus (l2 / 2) |weights|^2 (the bias is not penalised):
 * <pre>  L = sum_i c_i logloss_i / sum_i c_i + l2/2 |w|^2</pre>
 * by Newton's method with backtracking: the gradient and Hessian are exact, and the (d+1)-dimensional Newton
 * system is solved by Cholesky. With l2 &gt; 0 the loss is strictly convex, so the optimum is unique and the fit is
 * deterministic (no random start, no sample order). Features are few (tens), so each step costs O(n d^2 + d^3).
 * Standardisation uses the unweighted training mean and population standard deviation; a constant feature gets
 * std 1 (its weight is then driven to 0 by the penalty). Standardising makes the single l2 mean the same for every
 * feature regardless of its units.
 */
public record LogisticRegression(double[] mean, double[] std, double[] weights, double bias, double l2) {

    /** How samples are weighted in the loss. */
    public enum ClassWeighting {
        /** Every sample weighs 1: the fitted log-odds include the training prevalence. */
        NONE,
        /** Each class weighs half in total (c = n / (2 n_class)): the log-odds are as if the classes were equal. */
        BALANCED
    }

    /** Outcome of a fit: the model plus what the optimiser did, for logs and tests. */
    public record Fit(LogisticRegression model, int iterations, double gradientNorm) {}

    /** Newton stops when the largest gradient component is below this. */
    public static final double TOLERANCE = 1e-10;
    public static final int MAX_ITERATIONS = 100;

    public LogisticRegression {
        if (mean == null || std == null || weights == null) {
            throw new IllegalArgumentException("logistic regression needs mean, std and weights");
        }
        if (mean.length != weights.length || std.length != weights.length) {
            throw new IllegalArgumentException("logistic regression sizes differ: mean " + mean.length + ", std "
                    + std.length + ", weights " + weights.length);
        }
        for (int j = 0; j < weights.length; j++) {
            if (!(std[j] > 0) || !Double.isFinite(mean[j]) || !Double.isFinite(weights[j])) {
                throw new IllegalArgumentException("logistic regression feature " + j + " has mean " + mean[j]
                        + ", std " + std[j] + ", weight " + weights[j]);
            }
        }
        if (!Double.isFinite(bias)) {
            throw new IllegalArgumentException("logistic regression bias is " + bias);
        }
        mean = mean.clone();
        std = std.clone();
        weights = weights.clone();
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }

    @Override
    public double[] weights() {
        return weights.clone();
    }

    public int dimension() {
        return weights.length;
    }

    /** log(p_fake / p_real) of one raw (unstandardised) feature vector. */
    public double logOdds(double[] x) {
        if (x.length != weights.length) {
            throw new IllegalArgumentException("expected " + weights.length + " features, got " + x.length);
        }
        double z = bias;
        for (int j = 0; j < x.length; j++) {
            z += weights[j] * (x[j] - mean[j]) / std[j];
        }
        return z;
    }

    public static LogisticRegression fit(double[][] x, boolean[] isFake, double l2, ClassWeighting weighting) {
        return fitDetailed(x, isFake, l2, weighting).model();
    }

    /**
     * Fits on rows {@code x} (raw features) with labels {@code isFake}.
     *
     * @throws IllegalArgumentException on empty or ragged input, non-finite features, a single class, or l2 &lt;= 0
     * @throws IllegalStateException    if Newton does not reach the tolerance in {@link #MAX_ITERATIONS} steps
     */
    public static Fit fitDetailed(double[][] x, boolean[] isFake, double l2, ClassWeighting weighting) {
        int n = x.length;
        if (n == 0 || isFake.length != n) {
            throw new IllegalArgumentException("logistic regression needs as many labels as rows, got " + n
                    + " rows and " + isFake.length + " labels");
        }
        if (!(l2 > 0) || !Double.isFinite(l2)) {
            throw new IllegalArgumentException("l2 must be positive and finite (it makes the optimum unique), got "
                    + l2);
        }
        int d = x[0].length;
        int pos = 0;
        for (int i = 0; i < n; i++) {
            if (x[i].length != d) {
                throw new IllegalArgumentException("row " + i + " has " + x[i].length + " features, row 0 has " + d);
            }
            for (double v : x[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("row " + i + " has a non-finite feature");
                }
            }
            pos += isFake[i] ? 1 : 0;
        }
        if (pos == 0 || pos == n) {
            throw new IllegalArgumentException("logistic regression needs both classes, got " + pos + " fake of "
                    + n);
        }

        double[] mean = new double[d];
        double[] std = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                std[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
            }
        }
        for (int j = 0; j < d; j++) {
            std[j] = Math.sqrt(std[j] / n);
            // Relative test: a feature that is constant up to rounding must not be blown up to unit variance.
            if (!(std[j] > 1e-12 * Math.max(1, Math.abs(mean[j])))) {
                std[j] = 1;
            }
        }
        // Design matrix with a leading column of ones for the bias.
        double[][] z = new double[n][d + 1];
        for (int i = 0; i < n; i++) {
            z[i][0] = 1;
            for (int j = 0; j < d; j++) {
                z[i][j + 1] = (x[i][j] - mean[j]) / std[j];
            }
        }
        double[] c = new double[n];
        double cSum = 0;
        for (int i = 0; i < n; i++) {
            c[i] = weighting == ClassWeighting.BALANCED ? n / (2.0 * (isFake[i] ? pos : n - pos)) : 1;
            cSum += c[i];
        }
        for (int i = 0; i < n; i++) {
            c[i] /= cSum;
        }

        double[] beta = new double[d + 1];
        // Start at the weighted prevalence's log-odds: the optimum when no feature helps.
        double cPos = 0;
        for (int i = 0; i < n; i++) {
            cPos += isFake[i] ? c[i] : 0;
        }
        beta[0] = Math.log(cPos / (1 - cPos));
        double loss = loss(z, isFake, c, l2, beta);
        double[] grad = new double[d + 1];
        for (int iter = 0; iter <= MAX_ITERATIONS; iter++) {
            double[][] hess = new double[d + 1][d + 1];
            for (int i = 0; i < n; i++) {
                double p = sigmoid(dot(z[i], beta));
                double r = c[i] * (p - (isFake[i] ? 1 : 0));
                double h = c[i] * p * (1 - p);
                for (int a = 0; a <= d; a++) {
                    grad[a] += r * z[i][a];
                    double ha = h * z[i][a];
                    for (int b = 0; b <= a; b++) {
                        hess[a][b] += ha * z[i][b];
                    }
                }
            }
            for (int a = 1; a <= d; a++) {
                grad[a] += l2 * beta[a];
                hess[a][a] += l2;
            }
            double gNorm = maxAbs(grad);
            if (gNorm < TOLERANCE) {
                double[] w = Arrays.copyOfRange(beta, 1, d + 1);
                return new Fit(new LogisticRegression(mean, std, w, beta[0], l2), iter, gNorm);
            }
            if (iter == MAX_ITERATIONS) {
                break;
            }
            double[] step = Cholesky.solve(hess, grad);
            // Backtracking: a full Newton step can overshoot far from the optimum (flat sigmoid tails). Near the
            // optimum the loss changes below its rounding error, so changes within that slack are accepted.
            double slack = 1e-13 * (1 + Math.abs(loss));
            double t = 1;
            double[] next = new double[d + 1];
            double newLoss;
            double slope = -dot(grad, step);
            do {
                for (int a = 0; a <= d; a++) {
                    next[a] = beta[a] - t * step[a];
                }
                newLoss = loss(z, isFake, c, l2, next);
                t /= 2;
            } while (newLoss > loss + 1e-4 * 2 * t * slope + slack && t > 1e-10);
            beta = next;
            loss = newLoss;
            Arrays.fill(grad, 0);
        }
        throw new IllegalStateException("logistic regression did not converge in " + MAX_ITERATIONS
                + " Newton steps (gradient " + maxAbs(grad) + ")");
    }

    /** Objective value: weighted mean log-loss (weights c sum to 1) plus the L2 penalty on non-bias terms. */
    static double loss(double[][] z, boolean[] isFake, double[] c, double l2, double[] beta) {
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            double s = dot(z[i], beta);
            // -log sigmoid(+-s), written to stay finite for large |s|.
            double m = isFake[i] ? -s : s;
            sum += c[i] * (m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m)));
        }
        double pen = 0;
        for (int a = 1; a < beta.length; a++) {
            pen += beta[a] * beta[a];
        }
        return sum + l2 / 2 * pen;
    }

    static double sigmoid(double s) {
        return s >= 0 ? 1 / (1 + Math.exp(-s)) : Math.exp(s) / (1 + Math.exp(s));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
