package org.deepguard.core.spectral;

/** Solves small symmetric positive-definite systems A x = b (A given by its lower triangle) by Cholesky, A = L L^T. */
final class Cholesky {
    private Cholesky() {}

    /**
     * @throws IllegalStateException if A is not numerically positive definite even after a tiny diagonal ridge
     */
    static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double scale = 0;
        for (int i = 0; i < n; i++) {
            scale = Math.max(scale, Math.abs(a[i][i]));
        }
        // Retry with a growing ridge: a Hessian can be singular to rounding when a sigmoid saturates.
        for (double ridge = 0; ridge <= 1e-6 * scale; ridge = ridge == 0 ? 1e-14 * scale : ridge * 100) {
            double[][] l = factor(a, ridge);
            if (l != null) {
                return substitute(l, b);
            }
        }
        throw new IllegalStateException("Newton system is not positive definite");
    }

    private static double[][] factor(double[][] a, double ridge) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j] + (i == j ? ridge : 0);
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        return null;
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }

    private static double[] substitute(double[][] l, double[] b) {
        int n = b.length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= l[i][k] * y[k];
            }
            y[i] = s / l[i][i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++) {
                s -= l[k][i] * x[k];
            }
            x[i] = s / l[i][i];
        }
        return x;
    }
}
