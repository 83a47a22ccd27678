package org.deepguard.core.explain;

/**
 * A vertex that can be explained: it has a spatial map.
 *
 * @param name     vertex name (what {@code --layer} takes)
 * @param type     DL4J layer or vertex kind
 * @param channels feature maps
 * @param height   map height at the model's input size
 * @param width    map width at the model's input size
 */
public record LayerInfo(String name, String type, int channels, int height, int width) {
}
