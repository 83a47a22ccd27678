package org.deepguard.core.model;

/** The deep branch of the hybrid network. */
public enum Backbone {
    /** ResNet50 (bottlenecks 3-4-6-3) with the standard 32x downsampling: a 4x4 last map at 128 px. */
    RESNET50,
    /**
     * ResNet50 with DL4J zoo geometry: an extra stride 2 in res2a (64x downsampling, 2x2 last map at 128 px) and
     * about 4x less arithmetic. For CPU-bound runs; weights transfer between the two unchanged.
     */
    RESNET50_LITE,
    /** No backbone: the CNN branch alone feeds the head. */
    NONE;

    public boolean isResNet() {
        return this != NONE;
    }
}
