package org.deepguard.core.metrics;

/** A curve as parallel arrays (x, y) with the score threshold at each point. */
public record Curve(double[] x, double[] y, double[] thresholds) {}
